import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { UploadManifest } from '../api/index.ts';
import type { Sql } from '../db/index.ts';
import type { Queue } from '../queue/index.ts';
import { effectiveRoles } from '../review/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { tilesPlugin } from '../tiler/index.ts';
import { createUpload, getUpload, listUploads, manifestSchema } from '../uploads/index.ts';
import { authenticate, hashToken, issueNonce, type Principal, signIn } from './auth.ts';
import type { ServerConfig } from './config.ts';
import { toHttpError } from './errors.ts';
import { registerPrivacyRoutes } from './privacy-routes.ts';
import { registerReviewRoutes } from './review-routes.ts';
import { registerRewardRoutes } from './rewards-routes.ts';
import { createTusServer, TUS_PATH } from './tus.ts';
import { handleTusRequest } from './tus-request.ts';
import { startUploadSweep } from './upload-sweep.ts';
import { webPlugin } from './web.ts';

/** What the HTTP server needs from the rest of mapmint. */
export interface ServerDeps {
  sql: Sql;
  blobs: BlobStore;
  queue: Queue;
}

const bearer = [{ bearer: [] as string[] }];

/** Builds the HTTP API: sign-in, uploads (JSON + tus), status, OpenAPI. Errors map to status codes in errors.ts. */
export async function buildServer(deps: ServerDeps, config: ServerConfig): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024, trustProxy: false });

  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = toHttpError(err);
    if (status >= 500) process.stderr.write(`server error: ${(err as Error).stack ?? String(err)}\n`);
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({ error: { code: 'route_not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'mapmint API',
        version: '0.1.0',
        description:
          'Sign in with Ethereum, declare an upload with its manifest, send each file with tus (resumable) to /v1/files, poll the upload.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(rateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req: FastifyRequest) => {
      const auth = req.headers.authorization;
      return auth ? `t:${hashToken(auth)}` : `ip:${req.ip}`;
    },
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: `rate limit of ${ctx.max} requests per minute exceeded: retry in ${Math.ceil(ctx.ttl / 1000)} s`,
    }),
  });

  // Tiles: PMTiles with range requests, /tiles/{z}/{x}/{y}.mvt, TileJSON and the /map page (not rate limited:
  // one map view makes hundreds of range requests).
  await app.register(tilesPlugin, { dir: config.tilesDir });
  // The browser app (consumer map, review, driver pages) built into web/dist.
  await app.register(webPlugin);

  // Authentication runs before body validation, so an anonymous caller learns nothing about the schema.
  const principals = new WeakMap<FastifyRequest, Principal>();
  const requireAuth = async (req: FastifyRequest) => {
    principals.set(req, await authenticate(deps.sql, req.headers.authorization));
  };
  const principal = async (req: FastifyRequest): Promise<Principal> =>
    principals.get(req) ?? authenticate(deps.sql, req.headers.authorization);
  const authLimit = {
    rateLimit: {
      max: config.authRateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (r: FastifyRequest) => `ip:${r.ip}`,
    },
  };

  app.get('/healthz', { schema: { hide: true } }, async () => {
    await deps.sql`select 1`;
    return { ok: true };
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.post(
    '/v1/auth/nonce',
    {
      config: authLimit,
      schema: { summary: 'Get a single-use nonce for a Sign-In with Ethereum message', tags: ['auth'] },
    },
    async (_req, reply) => reply.status(201).send(await issueNonce(deps.sql, config.nonceTtlSeconds)),
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
      return signIn(deps.sql, req.body, {
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
      const p = await principal(req);
      return { ...p, roles: effectiveRoles(p.roles, config.openReview) };
    },
  );

  app.post<{ Body: UploadManifest }>(
    '/v1/uploads',
    {
      onRequest: requireAuth,
      schema: {
        summary: 'Declare an upload (201), or get the existing one with identical content (200)',
        description: `Then send each file with tus to ${TUS_PATH} with Upload-Metadata uploadId and fileIndex.`,
        tags: ['uploads'],
        security: bearer,
        body: manifestSchema,
      },
    },
    async (req, reply) => {
      const who = await principal(req);
      const r = await createUpload(deps.sql, who, req.body, { ...config });
      return reply.status(r.created ? 201 : 200).send({ ...r.upload, created: r.created, tusEndpoint: TUS_PATH });
    },
  );
  app.get(
    '/v1/uploads',
    { schema: { summary: 'My uploads, newest first', tags: ['uploads'], security: bearer } },
    async (req) => ({
      uploads: await listUploads(deps.sql, await principal(req)),
    }),
  );
  app.get<{ Params: { id: string } }>(
    '/v1/uploads/:id',
    {
      onRequest: requireAuth,
      schema: { summary: 'An upload: status, files, reasons, audit trail', tags: ['uploads'], security: bearer },
    },
    async (req) => getUpload(deps.sql, await principal(req), req.params.id),
  );

  await registerRewardRoutes(app, deps.sql);
  await registerReviewRoutes(app, deps, config);
  await registerPrivacyRoutes(app, deps);

  const tus = createTusServer(deps, { dir: config.tusDir, ...config });
  const stopSweep = startUploadSweep(deps, { ...config, intervalS: config.sweepIntervalS });
  app.addHook('onClose', async () => stopSweep());
  await app.register(async (scope) => {
    // tus reads the raw body itself; these parsers only stop Fastify from consuming it.
    scope.addContentTypeParser('application/offset+octet-stream', (_req, _payload, done) => done(null));
    const handler = async (req: FastifyRequest, reply: { hijack(): void; raw: import('node:http').ServerResponse }) => {
      reply.hijack();
      await handleTusRequest(tus, req.raw, reply.raw);
    };
    const schema = { summary: 'tus 1.0 resumable transfer of one declared file', tags: ['uploads'], security: bearer };
    scope.all(TUS_PATH, { schema }, handler);
    scope.all(`${TUS_PATH}/*`, { schema: { hide: true } }, handler);
  });
  return app;
}
