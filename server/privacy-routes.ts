import type { FastifyInstance } from 'fastify';
import type { Sql } from '../db/index.ts';
import type { Queue } from '../queue/index.ts';
import { addPrivacyZone, deletePrivacyZone, listPrivacyZones, privacyZoneSchema } from '../uploads/index.ts';
import { authenticate } from './auth.ts';

const bearer = [{ bearer: [] as string[] }];

/** A driver's privacy zones: frames of theirs inside are never published (README "Privacy"). */
export async function registerPrivacyRoutes(app: FastifyInstance, deps: { sql: Sql; queue: Queue }): Promise<void> {
  const who = (auth: string | undefined) => authenticate(deps.sql, auth);
  app.get(
    '/v1/me/privacy-zones',
    { schema: { summary: 'My privacy zones', tags: ['privacy'], security: bearer } },
    async (req) => ({ zones: await listPrivacyZones(deps.sql, await who(req.headers.authorization)) }),
  );
  app.post<{ Body: { lon: number; lat: number; radiusM: number } }>(
    '/v1/me/privacy-zones',
    {
      // Authentication before body validation, as elsewhere: an anonymous caller learns nothing about the schema.
      onRequest: async (req) => {
        await who(req.headers.authorization);
      },
      schema: {
        summary: 'Add a privacy zone (a circle around home or work): my frames inside are never published',
        description: 'Applies to earlier drives too; the tiles of the zone are re-rendered. 409 past 10 zones.',
        tags: ['privacy'],
        security: bearer,
        body: privacyZoneSchema,
      },
    },
    async (req, reply) =>
      reply.status(201).send(await addPrivacyZone(deps, await who(req.headers.authorization), req.body)),
  );
  app.delete<{ Params: { id: string } }>(
    '/v1/me/privacy-zones/:id',
    {
      schema: {
        summary: 'Delete one of my privacy zones: the frames inside are published again',
        tags: ['privacy'],
        security: bearer,
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
      },
    },
    async (req, reply) => {
      await deletePrivacyZone(deps, await who(req.headers.authorization), req.params.id);
      return reply.status(204).send();
    },
  );
}
