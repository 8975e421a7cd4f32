import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { MapmintClient } from '../../sdk/index.ts';
import { declareFiles } from '../../sdk/node.ts';
import { buildServer, serverConfigFromEnv } from '../../server/index.ts';
import { keyFor } from '../../storage/index.ts';
import { makeFile, sha256 } from '../support/files.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openTransfer, patchTransfer } from '../support/tus-transfer.ts';

// The tus store hashes each transfer as it writes it and keeps that running hash in memory. These tests check that
// the hash stays right when that memory is lost between two halves of a transfer (a server restart: a new server
// over the same database and transfer folder), and that bytes changed on the way are still refused either way.

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => s.close());

/** Another server process over the same database, blob store and tus folder (its running hashes start empty). */
async function startInstance(): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const config = serverConfigFromEnv({ tusDir: path.join(s.dir, 'tus'), port: 0 });
  const app = await buildServer({ sql: s.db.sql, blobs: s.blobs, queue: s.queue }, config);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}

/** Declares one mp4 file of `size` bytes and returns its bytes, declared hash and upload id. */
async function declared(client: MapmintClient, name: string, size: number) {
  const file = await makeFile(s.dir, name, 'mp4', size);
  const bytes = await readFile(file);
  const [d] = await declareFiles([file]);
  const up = await client.createUpload({ device: { make: 'Acme', model: 'Cam' }, files: [d!] });
  return { bytes, sha: d!.sha256, uploadId: up.id };
}

/** Creates a tus transfer for file 0 of an upload on `baseUrl`; returns its path. */
async function createTransfer(baseUrl: string, token: string, uploadId: string, size: number): Promise<string> {
  const t = await openTransfer(baseUrl, token, uploadId, 0, size);
  assert.equal(t.status, 201, t.body);
  return new URL(t.location!).pathname;
}

async function blobCount(): Promise<number> {
  const root = path.join(s.dir, 'blobs', 'sha256');
  let n = 0;
  for (const d of await readdir(root).catch(() => [] as string[])) n += (await readdir(path.join(root, d))).length;
  return n;
}

test('a transfer cut halfway and resumed on a restarted server stores the declared bytes under their hash', async () => {
  const { client } = await s.client();
  const { bytes, sha, uploadId } = await declared(client, 'restart.mp4', 3_000_000);
  const first = await startInstance();
  let location: string;
  try {
    location = await createTransfer(first.baseUrl, client.token!, uploadId, bytes.length);
    // Two PATCHes on the first server, so that its running hash covers 1.3 MB when it goes away.
    assert.equal(
      (await patchTransfer(first.baseUrl, client.token!, location, 0, bytes.subarray(0, 700_000))).status,
      204,
    );
    const cut = await patchTransfer(
      first.baseUrl,
      client.token!,
      location,
      700_000,
      bytes.subarray(700_000, 1_300_000),
    );
    assert.equal(cut.status, 204);
    assert.equal(cut.headers.get('upload-offset'), '1300000');
  } finally {
    await first.close();
  }

  const second = await startInstance();
  try {
    // The SDK asks the new server for the offset and sends only the rest.
    let firstReported = -1;
    await client.sendFile(uploadId, 0, bytes, bytes.length, {
      resumeUrl: second.baseUrl + location,
      chunkSize: 512 * 1024,
      onProgress: (sent) => {
        if (firstReported < 0) firstReported = sent;
      },
    });
    assert.ok(firstReported >= 1_300_000, `resumed at ${firstReported}`);
  } finally {
    await second.close();
  }
  assert.equal((await client.getUpload(uploadId)).status, 'received');
  const stored = await s.blobs.getBuffer(keyFor(sha));
  assert.equal(sha256(stored), sha);
  assert.deepEqual(stored, bytes);
});

test('a resumed transfer whose second half was changed on a restarted server is refused and nothing is stored', async () => {
  const { client } = await s.client();
  const { bytes, sha, uploadId } = await declared(client, 'tamper-after.mp4', 1_000_000);
  const before = await blobCount();
  const first = await startInstance();
  let location: string;
  try {
    location = await createTransfer(first.baseUrl, client.token!, uploadId, bytes.length);
    assert.equal(
      (await patchTransfer(first.baseUrl, client.token!, location, 0, bytes.subarray(0, 400_000))).status,
      204,
    );
  } finally {
    await first.close();
  }

  const second = await startInstance();
  try {
    const rest = Buffer.from(bytes.subarray(400_000));
    rest[123_456] = (rest[123_456] ?? 0) ^ 0xff;
    const res = await patchTransfer(second.baseUrl, client.token!, location, 400_000, rest);
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'checksum_mismatch');
  } finally {
    await second.close();
  }
  assert.equal(await s.blobs.stat(keyFor(sha)), undefined);
  assert.equal(await blobCount(), before, 'no blob of the changed bytes either');
  const now = await client.getUpload(uploadId);
  assert.equal(now.status, 'receiving');
  assert.equal(now.files[0]?.status, 'pending');
});

test('a transfer whose first half was changed is refused when finished on the same server', async () => {
  const { client } = await s.client();
  const { bytes, sha, uploadId } = await declared(client, 'tamper-before.mp4', 1_000_000);
  const before = await blobCount();
  const location = await createTransfer(s.baseUrl, client.token!, uploadId, bytes.length);
  const head = Buffer.from(bytes.subarray(0, 500_000));
  head[300_000] = (head[300_000] ?? 0) ^ 0x01;
  assert.equal((await patchTransfer(s.baseUrl, client.token!, location, 0, head)).status, 204);
  const res = await patchTransfer(s.baseUrl, client.token!, location, 500_000, bytes.subarray(500_000));
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'checksum_mismatch');
  assert.equal(await s.blobs.stat(keyFor(sha)), undefined);
  assert.equal(await blobCount(), before);
  // The same file sent again, unchanged, from the start is accepted.
  await client.sendFile(uploadId, 0, bytes, bytes.length);
  assert.equal((await client.getUpload(uploadId)).status, 'received');
  assert.deepEqual(await s.blobs.getBuffer(keyFor(sha)), bytes);
});

test('offsets stay exact across many small PATCHes and a zero-length one', async () => {
  const { client } = await s.client();
  const { bytes, sha, uploadId } = await declared(client, 'small-pieces.mp4', 300_001);
  const location = await createTransfer(s.baseUrl, client.token!, uploadId, bytes.length);
  let offset = 0;
  for (const size of [1, 4095, 0, 65_537, 100_000, 30_000]) {
    const res = await patchTransfer(s.baseUrl, client.token!, location, offset, bytes.subarray(offset, offset + size));
    assert.equal(res.status, 204);
    offset += size;
    assert.equal(res.headers.get('upload-offset'), String(offset));
  }
  // A PATCH at a stale offset is refused without touching the transfer.
  assert.equal((await patchTransfer(s.baseUrl, client.token!, location, 1, bytes.subarray(1, 10))).status, 409);
  const last = await patchTransfer(s.baseUrl, client.token!, location, offset, bytes.subarray(offset));
  assert.equal(last.status, 204);
  assert.equal(last.headers.get('mapmint-upload-complete'), '1');
  assert.deepEqual(await s.blobs.getBuffer(keyFor(sha)), bytes);
});
