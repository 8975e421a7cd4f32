import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { UploadManifest } from '../api/index.ts';
import type { Sql } from '../db/index.ts';
import type { Queue } from '../queue/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { createUpload, getUpload, listUploads, manifestSchema } from '../uploads/index.ts';
import type { ServerConfig } from './config.ts';
import { type AuthGuard, bearer } from './request-auth.ts';
import { createTusServer, TUS_PATH } from './tus.ts';
import { handleTusRequest } from './tus-request.ts';
import { startUploadSweep } from './upload-sweep.ts';

/** Declaring, listing and reading uploads (JSON). */
export async function registerUploadRoutes(
  app: FastifyInstance,
  deps: { sql: Sql; guard: AuthGuard; queue: Queue },
  config: ServerConfig,
): Promise<void> {
  const { sql, guard, queue } = deps;
  app.post<{ Body: UploadManifest }>(
    '/v1/uploads',
    {
      onRequest: guard.requireAuth,
      schema: {
        summary: 'Declare an upload (201), or get the existing one with identical content (200)',
        description: `Then send each file with tus to ${TUS_PATH} with Upload-Metadata uploadId and fileIndex.`,
        tags: ['uploads'],
        security: bearer,
        body: manifestSchema,
      },
    },
    async (req, reply) => {
      const who = await guard.principal(req);
      const r = await createUpload(sql, who, req.body, { ...config }, queue);
      return reply.status(r.created ? 201 : 200).send({ ...r.upload, created: r.created, tusEndpoint: TUS_PATH });
    },
  );
  app.get(
    '/v1/uploads',
    { schema: { summary: 'My uploads, newest first', tags: ['uploads'], security: bearer } },
    async (req) => ({
      uploads: await listUploads(sql, await guard.principal(req)),
    }),
  );
  app.get<{ Params: { id: string } }>(
    '/v1/uploads/:id',
    {
      onRequest: guard.requireAuth,
      schema: { summary: 'An upload: status, files, reasons, audit trail', tags: ['uploads'], security: bearer },
    },
    async (req) => getUpload(sql, await guard.principal(req), req.params.id),
  );
}

/**
 * The tus 1.0 endpoint that receives each declared file (its own scope: tus reads the raw body itself), and the
 * sweep that expires idle transfers and old quarantined files.
 */
export async function registerTusRoutes(
  app: FastifyInstance,
  deps: { sql: Sql; blobs: BlobStore; queue: Queue },
  config: ServerConfig,
): Promise<void> {
  const tus = createTusServer(deps, { dir: config.tusDir, ...config });
  const stopSweep = startUploadSweep(deps, { ...config, intervalS: config.sweepIntervalS });
  app.addHook('onClose', async () => stopSweep());
  await app.register(async (scope) => {
    // These parsers only stop Fastify from consuming the body that tus streams.
    scope.addContentTypeParser('application/offset+octet-stream', (_req, _payload, done) => done(null));
    const handler = async (req: FastifyRequest, reply: { hijack(): void; raw: ServerResponse }) => {
      reply.hijack();
      await handleTusRequest(tus, req.raw, reply.raw);
    };
    const schema = { summary: 'tus 1.0 resumable transfer of one declared file', tags: ['uploads'], security: bearer };
    scope.all(TUS_PATH, { schema }, handler);
    scope.all(`${TUS_PATH}/*`, { schema: { hide: true } }, handler);
  });
}
