import type { FastifyInstance } from 'fastify';
import type { Sql } from '../db/index.ts';
import { effectiveRoles } from '../review/index.ts';
import { issueNonce, revokeSessions, revokeToken, signIn } from './auth.ts';
import type { ServerConfig } from './config.ts';
import { perMinute } from './rate-limits.ts';
import { type AuthGuard, bearer } from './request-auth.ts';
import type { Site } from './site-origin.ts';

/** Sign-in with Ethereum (nonce, verify), logout, revoking every session, and `/v1/me`. */
export async function registerAuthRoutes(
  app: FastifyInstance,
  deps: { sql: Sql; guard: AuthGuard; site: Site },
  config: ServerConfig,
): Promise<void> {
  const { sql, guard, site } = deps;
  const authLimit = { rateLimit: perMinute(config.authRateLimitPerMinute) };
  app.post(
    '/v1/auth/nonce',
    {
      config: authLimit,
      schema: {
        summary: 'Get a single-use nonce for a Sign-In with Ethereum message, and the chain id to name in it',
        tags: ['auth'],
      },
    },
    async (_req, reply) =>
      reply.status(201).send({ ...(await issueNonce(sql, config.nonceTtlSeconds)), chainId: config.siweChainId }),
  );
  app.post<{ Body: { message: string; signature: string } }>(
    '/v1/auth/verify',
    {
      config: authLimit,
      schema: {
        summary: 'Exchange a signed EIP-4361 message for a bearer token',
        tags: ['auth'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['message', 'signature'],
          properties: {
            message: { type: 'string', minLength: 1, maxLength: 4096 },
            signature: { type: 'string', pattern: '^0x[0-9a-fA-F]{130}$' },
          },
        },
      },
    },
    async (req) =>
      signIn(sql, req.body, {
        origins: site.origins(),
        chainId: config.siweChainId,
        nonceTtlSeconds: config.nonceTtlSeconds,
        tokenTtlSeconds: config.tokenTtlSeconds,
      }),
  );
  app.post(
    '/v1/auth/logout',
    {
      onRequest: guard.requireAuth,
      schema: { summary: 'Revoke the bearer token of this request', tags: ['auth'], security: bearer },
    },
    async (req, reply) => {
      await revokeToken(sql, req.headers.authorization);
      return reply.status(204).send();
    },
  );
  app.delete(
    '/v1/auth/sessions',
    {
      onRequest: guard.requireAuth,
      schema: { summary: 'Revoke every session of the signed-in contributor', tags: ['auth'], security: bearer },
    },
    async (req) => ({ revoked: await revokeSessions(sql, (await guard.principal(req)).contributorId) }),
  );
  app.get(
    '/v1/me',
    { schema: { summary: 'Who the token belongs to, with the roles in force', tags: ['auth'], security: bearer } },
    async (req) => {
      const p = await guard.principal(req);
      return { ...p, roles: effectiveRoles(p.roles, config.openReview) };
    },
  );
}
