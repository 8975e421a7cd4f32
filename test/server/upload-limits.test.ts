/**
 * Issue 17.3: no contributor can fill the server's disk through tus. One partial transfer per declared file, a cap
 * on concurrent partials (429) and a storage quota over bytes stored and in flight (413), each with a message that
 * says what to do.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { MapmintClient } from '../../sdk/index.ts';
import { declareFiles, uploadFiles } from '../../sdk/node.ts';
import { makeFile } from '../support/files.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { headTransfer, openTransfer, patchTransfer } from '../support/tus-transfer.ts';

let s: TestServer;
const device = { make: 'Acme', model: 'DashCam', hfovDeg: 120, mount: 'windshield' as const };

before(async () => {
  s = await startTestServer({ maxConcurrentTransfers: 2, quotaBytes: 250_000 });
});
after(async () => s.close());

/** Partial transfers on the server's disk (tus keeps `<id>` and `<id>.json` per transfer). */
const partials = async () =>
  (await readdir(path.join(s.dir, 'tus'))).filter((f) => !f.endsWith('.json') && !f.startsWith('.'));

async function declare(client: MapmintClient, sizes: number[]) {
  const files = await declareFiles(
    await Promise.all(sizes.map((n, i) => makeFile(s.dir, `f${Math.random()}-${i}.mp4`, 'mp4', n))),
  );
  return client.createUpload({ device, files });
}

test('opening a file again replaces its partial: one partial per declared file, the old transfer is gone', async () => {
  const { client } = await s.client();
  const up = await declare(client, [40_000]);
  const token = client.token!;
  const locations: string[] = [];
  for (let i = 0; i < 5; i++) {
    const t = await openTransfer(s.baseUrl, token, up.id, 0, 40_000);
    assert.equal(t.status, 201, t.body);
    const p = await patchTransfer(s.baseUrl, token, t.location!, 0, Buffer.alloc(10_000, 1));
    assert.equal(p.status, 204);
    await p.arrayBuffer();
    locations.push(t.location!);
  }
  const mine = (await partials()).filter((f) => f.startsWith(up.id));
  assert.equal(mine.length, 1, `partials on disk for one declared file: ${mine.length}`);
  assert.equal(await headTransfer(token, locations[0]!), 404);
  assert.equal(await headTransfer(token, locations[4]!), 200);
  // A transfer may never grow past the declared size.
  const over = await patchTransfer(s.baseUrl, token, locations[4]!, 10_000, Buffer.alloc(30_001, 1));
  assert.equal(over.status, 413);
  await over.arrayBuffer();
});

test('too many concurrent partials: 429 with a message saying what to do', async () => {
  const { client } = await s.client();
  const up = await declare(client, [1000, 1000, 1000]);
  const token = client.token!;
  assert.equal((await openTransfer(s.baseUrl, token, up.id, 0, 1000)).status, 201);
  assert.equal((await openTransfer(s.baseUrl, token, up.id, 1, 1000)).status, 201);
  const third = await openTransfer(s.baseUrl, token, up.id, 2, 1000);
  assert.equal(third.status, 429, third.body);
  const body = JSON.parse(third.body) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'too_many_transfers');
  assert.match(body.error.message, /finish/);
  // Another contributor is not affected.
  const other = await s.client();
  const theirs = await declare(other.client, [1000]);
  assert.equal((await openTransfer(s.baseUrl, other.client.token!, theirs.id, 0, 1000)).status, 201);
});

test('storage quota: bytes stored and in flight count, and a file that does not fit gets 413', async () => {
  const { client } = await s.client();
  // 150 kB stored (received, waiting for processing) ...
  await uploadFiles(client, [await makeFile(s.dir, `q${Math.random()}.mp4`, 'mp4', 150_000)], { device });
  // ... and 60 kB in flight.
  const a = await declare(client, [60_000, 60_000]);
  assert.equal((await openTransfer(s.baseUrl, client.token!, a.id, 0, 60_000)).status, 201);
  const refused = await openTransfer(s.baseUrl, client.token!, a.id, 1, 60_000);
  assert.equal(refused.status, 413, refused.body);
  const body = JSON.parse(refused.body) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'storage_quota_exceeded');
  assert.match(body.error.message, /quota/);
});
