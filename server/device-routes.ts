import type { FastifyInstance } from 'fastify';
import type { RegisterDeviceKey } from '../api/index.ts';
import type { Sql } from '../db/index.ts';
import { listDeviceKeys, registerDeviceKey, registerDeviceKeySchema, revokeDeviceKey } from '../uploads/index.ts';
import { type AuthGuard, bearer } from './request-auth.ts';

/** A contributor's device keys (issue 18, proof of capture): register with proof of possession, list, revoke. */
export async function registerDeviceRoutes(app: FastifyInstance, deps: { sql: Sql; guard: AuthGuard }): Promise<void> {
  const { sql, guard } = deps;
  app.get(
    '/v1/me/devices',
    {
      onRequest: guard.requireAuth,
      schema: { summary: 'My device keys, newest first (revoked ones too)', tags: ['devices'], security: bearer },
    },
    async (req) => ({ devices: await listDeviceKeys(sql, await guard.principal(req)) }),
  );
  app.post<{ Body: RegisterDeviceKey }>(
    '/v1/me/devices',
    {
      onRequest: guard.requireAuth,
      schema: {
        summary: 'Register a device key (Ed25519) for signing manifests: 201, or 200 when it is already mine',
        description:
          'publicKey: the raw 32-byte Ed25519 key in base64url; signature: the key\'s signature (base64url) of "mapmint-device/1\\nregister <publicKey>\\nfor <my wallet address, lowercase>\\n" (api/devices.ts deviceRegistrationMessage). 400 bad_device_signature, 409 device_key_taken (another contributor\'s key) or device_key_revoked.',
        tags: ['devices'],
        security: bearer,
        body: registerDeviceKeySchema,
      },
    },
    async (req, reply) => {
      const r = await registerDeviceKey(sql, await guard.principal(req), req.body);
      return reply.status(r.created ? 201 : 200).send({ ...r.device, created: r.created });
    },
  );
  app.delete<{ Params: { key: string } }>(
    '/v1/me/devices/:key',
    {
      onRequest: guard.requireAuth,
      schema: {
        summary: 'Revoke one of my device keys (by id or public key): uploads it signs are refused from now on',
        tags: ['devices'],
        security: bearer,
        params: { type: 'object', required: ['key'], properties: { key: { type: 'string', maxLength: 64 } } },
      },
    },
    async (req) => revokeDeviceKey(sql, await guard.principal(req), req.params.key),
  );
}
