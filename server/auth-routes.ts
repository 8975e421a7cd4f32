import type { FastifyInstance } from 'fastify';
import type { Sql } from '../db/index.ts';
import { effectiveRoles } from '../review/index.ts';
import { issueNonce, signIn } from './auth.ts';
import type { ServerConfig } from './config.ts';
import { type AuthGuard, bearer } from './request-auth.ts';

/** Sign-in with Ethereum (nonce, verify) and `/v1/me`. */
export async function registerAuthRoutes(
  app: FastifyInstance,
  deps: { sql: Sql; guard: AuthGuard },
  config: ServerConfig,
): Promise<void> {
  const { sql, guard } = deps;
  const authLimit = {
    rateLimit: {
      max: config.authRateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (r: { ip: string }) => `ip:${r.ip}`,
    },
  };
  app.post(
    '/v1/auth/nonce',
    {
      config: authLimit,
      schema: { summary: 'Get a single-use nonce for a Sign-In with Ethereum message', tags: ['auth'] },
    },
    async (_req, reply) => reply.status(201).send(await issueNonce(sql, config.nonceTtlSeconds)),
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
    async (req) => {
      const domain = config.siweDomain ?? req.headers.host ?? '';
      return signIn(sql, req.body, {
        domain,
        nonceTtlSeconds: config.nonceTtlSeconds,
        tokenTtlSeconds: config.tokenTtlSeconds,
      });
    },
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
