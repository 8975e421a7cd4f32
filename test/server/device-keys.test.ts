/**
 * Device keys over the real server (issue 18 part 4): registration with proof of possession, one contributor per key,
 * signed manifests verified at upload creation (tampering, unknown, foreign and revoked keys), and the unsigned-upload
 * policy under both settings. Keys are made both ways a client makes them: WebCrypto (browser) and a PEM file (CLI).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  ApiError,
  type DeviceSigner,
  deviceRegistrationMessage,
  generateDeviceKeys,
  listDevices,
  type MapmintClient,
  registerDevice,
  revokeDevice,
  signManifest,
  type UploadManifest,
  webCryptoDeviceSigner,
} from '../../sdk/index.ts';
import { createDeviceKey, loadDeviceKey } from '../../sdk/node.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let s: TestServer;
let refusing: TestServer;
let alice: MapmintClient;
let bob: MapmintClient;
let aliceKey: DeviceSigner;

const hex = () => randomBytes(32).toString('hex');
/** A fresh manifest (new hashes, so each upload is new content) with a video and a GPX track. */
const manifest = (): UploadManifest => ({
  device: { make: 'Acme', model: 'DashCam 4K' },
  startTime: '2026-05-01T08:00:00.000Z',
  timeOffsetMs: 1200,
  files: [
    { name: 'drive.mp4', role: 'video', size: 300_000, sha256: hex(), contentType: 'video/mp4' },
    { name: 'drive.gpx', role: 'track', size: 5_000, sha256: hex(), contentType: 'application/gpx+xml' },
  ],
});

/** The API error a promise rejects with (status and code), or fails. */
async function apiError(p: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, code: e.code, message: e.message };
    throw e;
  }
  assert.fail('expected the request to be refused');
}

const webKey = async () => webCryptoDeviceSigner(await generateDeviceKeys());

before(async () => {
  s = await startTestServer();
  refusing = await startTestServer({ unsignedUploads: 'refuse' });
  ({ client: alice } = await s.client());
  ({ client: bob } = await s.client());
  aliceKey = await webKey();
});
after(async () => {
  await s.close();
  await refusing.close();
});

test('a device key is registered only with proof of possession, once, and for one contributor', async () => {
  // A signature over the message naming another wallet proves nothing for this one.
  const me = await alice.get<{ address: string }>('/v1/me');
  const other = await bob.get<{ address: string }>('/v1/me');
  const forged = await apiError(
    alice.post('/v1/me/devices', {
      publicKey: aliceKey.publicKey,
      signature: await aliceKey.sign(deviceRegistrationMessage(other.address, aliceKey.publicKey)),
    }),
  );
  assert.deepEqual([forged.status, forged.code], [400, 'bad_device_signature']);
  // Someone else's signature over the right message neither.
  const stranger = await webKey();
  const notMine = await apiError(
    alice.post('/v1/me/devices', {
      publicKey: aliceKey.publicKey,
      signature: await stranger.sign(deviceRegistrationMessage(me.address, aliceKey.publicKey)),
    }),
  );
  assert.deepEqual([notMine.status, notMine.code], [400, 'bad_device_signature']);

  const first = await registerDevice(alice, aliceKey, 'van dashcam');
  assert.equal(first.created, true);
  assert.equal(first.publicKey, aliceKey.publicKey);
  assert.equal((await registerDevice(alice, aliceKey)).created, false, 'registering again is idempotent');
  assert.deepEqual(
    (await listDevices(alice)).map((d) => [d.publicKey, d.label, d.revokedAt]),
    [[aliceKey.publicKey, 'van dashcam', null]],
  );
  // Bob holds the same key (it leaked, or the camera was sold): he can prove possession but not take it over.
  const taken = await apiError(registerDevice(bob, aliceKey));
  assert.deepEqual([taken.status, taken.code], [409, 'device_key_taken']);
  assert.deepEqual(await listDevices(bob), []);
});

test('a manifest signed by a registered key creates an upload that names the key', async () => {
  const up = await alice.createUpload(await signManifest(manifest(), aliceKey));
  assert.equal(up.created, true);
  assert.equal(up.signedBy, aliceKey.publicKey);
  const [row] = await s.db.sql`select k.public_key from uploads u join device_keys k on k.id = u.device_key_id
                               where u.id = ${up.id}`;
  assert.equal(row?.public_key, aliceKey.publicKey);
});

test('a signed manifest changed after signing is refused: file hash, track hash, start time, offset, size, name', async () => {
  const tamper: [string, (m: UploadManifest) => void][] = [
    ['video hash', (m) => (m.files[0]!.sha256 = hex())],
    ['track hash', (m) => (m.files[1]!.sha256 = hex())],
    ['start time', (m) => (m.startTime = '2026-05-01T09:00:00.000Z')],
    ['time offset', (m) => (m.timeOffsetMs = 0)],
    ['file size', (m) => (m.files[0]!.size += 1)],
    ['file name', (m) => (m.files[0]!.name = 'other.mp4')],
    ['a file dropped', (m) => m.files.pop()],
    ['a file added', (m) => m.files.push({ ...m.files[0]!, name: 'extra.mp4', sha256: hex() })],
  ];
  for (const [what, change] of tamper) {
    const m = await signManifest(manifest(), aliceKey);
    change(m);
    const e = await apiError(alice.createUpload(m));
    assert.deepEqual([e.status, e.code], [400, 'bad_device_signature'], what);
  }
  // A signature that is not base64url of 64 bytes fails the schema, before any key is looked at.
  const m = await signManifest(manifest(), aliceKey);
  m.deviceSignature!.signature = 'x';
  assert.equal((await apiError(alice.createUpload(m))).status, 400);
});

test('a valid signature by an unknown, foreign or revoked key is 403 device_not_registered', async () => {
  const unknown = await webKey();
  const e1 = await apiError(alice.createUpload(await signManifest(manifest(), unknown)));
  assert.deepEqual([e1.status, e1.code], [403, 'device_not_registered']);
  // Alice's key signing Bob's upload: the key is bound to Alice.
  const e2 = await apiError(bob.createUpload(await signManifest(manifest(), aliceKey)));
  assert.deepEqual([e2.status, e2.code], [403, 'device_not_registered']);
  // Revoked: uploads it signs are refused from then on, and it cannot be registered again.
  const lost = await webKey();
  const d = await registerDevice(alice, lost);
  const before = await alice.createUpload(await signManifest(manifest(), lost));
  assert.equal(before.signedBy, lost.publicKey);
  const revoked = await revokeDevice(alice, d.id);
  assert.ok(revoked.revokedAt);
  const e3 = await apiError(alice.createUpload(await signManifest(manifest(), lost)));
  assert.deepEqual([e3.status, e3.code], [403, 'device_not_registered']);
  const again = await apiError(registerDevice(alice, lost));
  assert.deepEqual([again.status, again.code], [409, 'device_key_revoked']);
  // Bob cannot revoke Alice's key.
  const e4 = await apiError(revokeDevice(bob, aliceKey.publicKey));
  assert.deepEqual([e4.status, e4.code], [404, 'device_not_found']);
});

test('unsigned uploads: accepted by default (unsigned), refused with a how-to under MAPMINT_UNSIGNED_UPLOADS=refuse', async () => {
  const up = await alice.createUpload(manifest());
  assert.equal(up.created, true);
  assert.equal(up.signedBy, null);
  const { client: carol } = await refusing.client();
  const e = await apiError(carol.createUpload(manifest()));
  assert.deepEqual([e.status, e.code], [400, 'device_signature_required']);
  assert.match(e.message, /mapmint device register/);
  const key = await webKey();
  await registerDevice(carol, key);
  const signed = await carol.createUpload(await signManifest(manifest(), key));
  assert.equal(signed.signedBy, key.publicKey);
});

test('the CLI key file: made with mode 0600, loaded back as the same key, refused when others may read it', async () => {
  const file = path.join(s.dir, 'keys', 'device-key.pem');
  const made = await createDeviceKey(file);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const loaded = await loadDeviceKey(file);
  assert.equal(loaded?.publicKey, made.publicKey);
  assert.equal(await loadDeviceKey(path.join(s.dir, 'keys', 'none.pem')), undefined);
  await assert.rejects(createDeviceKey(file), /EEXIST/, 'an existing key is never overwritten');
  // The file's key registers and signs like a WebCrypto one.
  const { client: dave } = await s.client();
  await registerDevice(dave, loaded!);
  const up = await dave.createUpload(await signManifest(manifest(), loaded!));
  assert.equal(up.signedBy, made.publicKey);
  await chmod(file, 0o644);
  await assert.rejects(loadDeviceKey(file), /chmod 600/);
});

test('the OpenAPI document describes the device routes and the manifest signature', async () => {
  const doc = (await (await fetch(`${s.baseUrl}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
  };
  assert.ok(doc.paths['/v1/me/devices']?.post && doc.paths['/v1/me/devices']?.get);
  assert.ok(doc.paths['/v1/me/devices/{key}']?.delete);
  const body = doc.paths['/v1/uploads']!.post!.requestBody!.content['application/json']!.schema as {
    properties: Record<string, unknown>;
  };
  assert.ok(body.properties.deviceSignature);
});
