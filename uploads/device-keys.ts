/**
 * Device keys (issue 18, proof of capture; in the spirit of Helium's proof of coverage and Hivemapper's signed
 * cameras): a contributor registers an Ed25519 public key with proof of possession, and a manifest signed by it is
 * verified when the upload is created. The signed strings are defined once in api/devices.ts; this file owns the
 * `device_keys` table.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import {
  DEVICE_PUBLIC_KEY_PATTERN,
  DEVICE_SIGNATURE_PATTERN,
  type DeviceKeyView,
  deviceRegistrationMessage,
  type ManifestSignature,
  manifestSigningPayload,
  type RegisterDeviceKey,
  type SignedManifestFields,
} from '../api/index.ts';
import { invalid, MapmintError } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import type { deviceKeys } from '../db/schema.ts';

type DeviceKeyRow = typeof deviceKeys.$inferSelect;

/** Who registers keys and signs uploads: the signed-in contributor. */
export interface KeyOwner {
  contributorId: string;
  address: string;
}

/** What to do about unsigned manifests: accept them (paid at the unsigned multiplier) or refuse them. */
export type UnsignedUploadPolicy = 'accept' | 'refuse';

/** JSON Schema of a manifest's `deviceSignature` (part of the manifest schema). */
export const manifestSignatureSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['publicKey', 'signature'],
  properties: {
    publicKey: { type: 'string', pattern: DEVICE_PUBLIC_KEY_PATTERN },
    signature: { type: 'string', pattern: DEVICE_SIGNATURE_PATTERN },
  },
} as const;

/** JSON Schema of POST /v1/me/devices. */
export const registerDeviceKeySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['publicKey', 'signature'],
  properties: {
    ...manifestSignatureSchema.properties,
    label: { type: 'string', minLength: 1, maxLength: 100 },
  },
} as const;

/** The node:crypto key of a raw base64url Ed25519 public key; `bad_device_key` when it is not one. */
function publicKeyObject(publicKey: string): KeyObject {
  if (!new RegExp(DEVICE_PUBLIC_KEY_PATTERN).test(publicKey)) {
    throw invalid('bad_device_key', 'a device key is a raw Ed25519 public key: 32 bytes in base64url (43 characters)');
  }
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
  } catch {
    throw invalid('bad_device_key', `${publicKey} is not an Ed25519 public key`);
  }
}

/** Whether `signature` (base64url) is the key's Ed25519 signature of `message`. */
function signatureValid(key: KeyObject, message: string, signature: string): boolean {
  if (!new RegExp(DEVICE_SIGNATURE_PATTERN).test(signature)) return false;
  return verify(null, Buffer.from(message, 'utf8'), key, Buffer.from(signature, 'base64url'));
}

const view = (r: Pick<DeviceKeyRow, 'id' | 'publicKey' | 'label' | 'registeredAt' | 'revokedAt'>): DeviceKeyView => ({
  id: r.id,
  publicKey: r.publicKey,
  label: r.label,
  registeredAt: r.registeredAt.toISOString(),
  revokedAt: r.revokedAt?.toISOString() ?? null,
});

const columns = (sql: Sql) =>
  sql`id, public_key as "publicKey", label, registered_at as "registeredAt", revoked_at as "revokedAt"`;

/**
 * Registers a device key for the contributor after checking its proof of possession (the key's signature over
 * {@link deviceRegistrationMessage}). Registering one's own live key again is idempotent (`created: false`); a key
 * bound to another contributor is `device_key_taken`, and a revoked key stays revoked (`device_key_revoked`).
 */
export async function registerDeviceKey(
  sql: Sql,
  who: KeyOwner,
  body: RegisterDeviceKey,
): Promise<{ device: DeviceKeyView; created: boolean }> {
  const key = publicKeyObject(body.publicKey);
  if (!signatureValid(key, deviceRegistrationMessage(who.address, body.publicKey), body.signature)) {
    throw invalid(
      'bad_device_signature',
      'the signature is not the key\'s signature of the registration message naming your wallet (api/devices.ts "deviceRegistrationMessage")',
    );
  }
  const [inserted] = await sql<DeviceKeyRow[]>`
    insert into device_keys (contributor_id, public_key, label)
    values (${who.contributorId}, ${body.publicKey}, ${body.label ?? null})
    on conflict (public_key) do nothing returning ${columns(sql)}`;
  if (inserted) return { device: view(inserted), created: true };
  const [existing] = await sql<(DeviceKeyRow & { mine: boolean })[]>`
    select ${columns(sql)}, contributor_id = ${who.contributorId} as mine
    from device_keys where public_key = ${body.publicKey}`;
  if (!existing?.mine) {
    throw new MapmintError('conflict', 'device_key_taken', 'this device key is registered to another contributor', {
      publicKey: body.publicKey,
    });
  }
  if (existing.revokedAt) {
    throw new MapmintError(
      'conflict',
      'device_key_revoked',
      'this device key was revoked and cannot be registered again: generate a new key (`mapmint device register --new`)',
      { publicKey: body.publicKey },
    );
  }
  return { device: view(existing), created: false };
}

/** The contributor's device keys, newest first, revoked ones included. */
export async function listDeviceKeys(sql: Sql, who: KeyOwner): Promise<DeviceKeyView[]> {
  const rows = await sql<DeviceKeyRow[]>`
    select ${columns(sql)} from device_keys where contributor_id = ${who.contributorId}
    order by registered_at desc, id`;
  return rows.map(view);
}

/** Revokes one of the contributor's keys (by id or public key): later uploads signed by it are refused. */
export async function revokeDeviceKey(sql: Sql, who: KeyOwner, idOrKey: string): Promise<DeviceKeyView> {
  const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(idOrKey);
  const [row] = await sql<DeviceKeyRow[]>`
    update device_keys set revoked_at = coalesce(revoked_at, now())
    where contributor_id = ${who.contributorId} and ${byId ? sql`id = ${idOrKey}` : sql`public_key = ${idOrKey}`}
    returning ${columns(sql)}`;
  if (!row) throw new MapmintError('not_found', 'device_not_found', `no device key ${idOrKey} of yours`);
  return view(row);
}

/**
 * Checks a manifest's device signature at upload creation and returns the signing key's id, or null for an unsigned
 * manifest the policy accepts. The signature is checked before the key's registration, so a forged signature is
 * always `bad_device_signature` (400) whoever's key it names; a valid signature by a key that is unknown, revoked or
 * another contributor's is `device_not_registered` (403); an unsigned manifest under `refuse` is
 * `device_signature_required` (400).
 */
export async function verifyManifestSignature(
  sql: Sql,
  who: KeyOwner,
  m: SignedManifestFields & { deviceSignature?: ManifestSignature },
  policy: UnsignedUploadPolicy,
): Promise<DeviceKeyRow['id'] | null> {
  const s = m.deviceSignature;
  if (!s) {
    if (policy === 'accept') return null;
    throw invalid(
      'device_signature_required',
      "this server accepts only uploads signed by a registered device key: run `mapmint device register` once on this machine (or register the companion app's key), then upload again",
    );
  }
  const key = publicKeyObject(s.publicKey);
  if (!signatureValid(key, manifestSigningPayload(m, s.publicKey), s.signature)) {
    throw invalid(
      'bad_device_signature',
      'the device signature does not match this manifest (files, track, start time, offset, time zone): the manifest changed after it was signed, or it was signed by another key',
    );
  }
  const [row] = await sql<Pick<DeviceKeyRow, 'id'>[]>`
    select id from device_keys
    where public_key = ${s.publicKey} and contributor_id = ${who.contributorId} and revoked_at is null`;
  if (!row) {
    throw new MapmintError(
      'forbidden',
      'device_not_registered',
      'the signing device key is not a live key of yours (unknown, revoked, or registered to another contributor): register it with `mapmint device register`, or sign with a key you registered',
      { publicKey: s.publicKey },
    );
  }
  return row.id;
}
