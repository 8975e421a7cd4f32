import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Sql } from '../db/index.ts';
import type { Queue } from '../queue/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { tilesPlugin } from '../tiler/index.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import type { ServerConfig } from './config.ts';
import { registerDeviceRoutes } from './device-routes.ts';
import { toHttpError } from './errors.ts';
import { registerPrivacyRoutes } from './privacy-routes.ts';
import { clientKey, perMinute } from './rate-limits.ts';
import { authGuard } from './request-auth.ts';
import { registerReviewRoutes } from './review-routes.ts';
import { registerRewardRoutes } from './rewards-routes.ts';
import { siteOf } from './site-origin.ts';
import { registerTusRoutes, registerUploadRoutes } from './upload-routes.ts';
import { webPlugin } from './web.ts';

/** What the HTTP server needs from the rest of mapmint. */
export interface ServerDeps {
  sql: Sql;
  blobs: BlobStore;
  queue: Queue;
}

/** Builds the HTTP API: sign-in, uploads (JSON + tus), status, OpenAPI. Errors map to status codes in errors.ts. */
export async function buildServer(deps: ServerDeps, config: ServerConfig): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024, trustProxy: config.trustProxy });
  installErrorHandlers(app);
  await registerOpenApi(app);
  await registerRateLimit(app, config);
  // Tiles: PMTiles with range requests, /tiles/{z}/{x}/{y}.mvt, TileJSON and the /map page, in a bucket of their own
  // (one map view makes hundreds of range requests).
  const site = siteOf(app, config);
  await app.register(tilesPlugin, {
    dir: config.tilesDir,
    routeLimit: perMinute(config.tileRateLimitPerMinute),
    publicOrigin: site.originFor,
  });
  // The browser app (consumer map, review, driver pages) built into web/dist.
  await app.register(webPlugin);
  registerHealthRoutes(app, deps.sql);

  const guard = authGuard(deps.sql);
  await registerAuthRoutes(app, { sql: deps.sql, guard, site }, config);
  await registerUploadRoutes(app, { sql: deps.sql, guard, queue: deps.queue }, config);
  await registerDeviceRoutes(app, { sql: deps.sql, guard });
  await registerRewardRoutes(app, deps.sql, config);
  await registerReviewRoutes(app, deps, config);
  await registerPrivacyRoutes(app, deps);
  await registerTusRoutes(app, deps, config);
  return app;
}

/** Every error becomes `{ error: { code, message } }` with its status (errors.ts); 5xx are logged. */
function installErrorHandlers(app: FastifyInstance): void {
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
}

/** The OpenAPI 3.1 document, built from the route schemas and served at /openapi.json. */
async function registerOpenApi(app: FastifyInstance): Promise<void> {
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
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/** The global request budget per client IP; routes may set their own (sign-in, tiles, expensive reads). */
async function registerRateLimit(app: FastifyInstance, config: ServerConfig): Promise<void> {
  await app.register(rateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: clientKey,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: `rate limit of ${ctx.max} requests per minute exceeded: retry in ${Math.ceil(ctx.ttl / 1000)} s`,
    }),
  });
}

/** Liveness with a database round trip. */
function registerHealthRoutes(app: FastifyInstance, sql: Sql): void {
  app.get('/healthz', { schema: { hide: true } }, async () => {
    await sql`select 1`;
    return { ok: true };
  });
}
