/**
 * Truthful status end to end through the real worker: a step that keeps throwing exhausts its (few) retries, pg-boss
 * dead-letters its job, and the upload is `failed` with the step and the error over HTTP and in `mapmint status`;
 * `mapmint retry` after the cause is fixed runs that step again and the upload reaches `done`, which only the last
 * step of the job graph sets.
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { MapmintClient, UploadView } from '../../sdk/index.ts';
import { uploadFiles } from '../../sdk/node.ts';
import { startWorker } from '../../worker/index.ts';
import { runCli } from '../support/cli.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { smallDrive } from '../support/small-drive.ts';

let s: TestServer;
let worker: { stop(): Promise<void> };
let files: string[];
let client: MapmintClient;
let token: string;
let tiles: string;

before(async () => {
  // One retry, one second apart: the failure shows within seconds instead of the production back-off.
  process.env.MAPMINT_QUEUE_RETRY_LIMIT = '1';
  process.env.MAPMINT_QUEUE_RETRY_DELAY_S = '1';
  s = await startTestServer();
  delete process.env.MAPMINT_QUEUE_RETRY_LIMIT;
  delete process.env.MAPMINT_QUEUE_RETRY_DELAY_S;
  worker = await startWorker({ sql: s.db.sql, blobs: s.blobs, queue: s.queue });
  const d = await smallDrive(s.dir, 5);
  files = [d.paths.video!, d.paths.gpx];
  ({ client } = await s.client());
  token = client.token!;
  // The cause: a plain file where the tile archive folder should be, so `tiler.update` throws on every attempt.
  tiles = process.env.MAPMINT_TILES_DIR!;
  await writeFile(tiles, 'not a folder');
});
after(async () => {
  await worker.stop();
  await s.close();
});

const mapmint = (args: string[]) =>
  runCli(args, { ...process.env, MAPMINT_TOKEN: token, DATABASE_URL: s.db.url, MAPMINT_HOME: s.dir });

let id = '';

test('a step that always throws ends in failed, with the step and its error over HTTP and in mapmint status', async () => {
  const up = await uploadFiles(client, files, { device: { make: 'mapmint', model: 'demo', hfovDeg: 115 } });
  id = up.id;
  const u = await client.waitFor(id, (x) => x.status === 'failed' || x.status === 'done', {
    timeoutMs: 240_000,
    intervalMs: 250,
  });
  assert.equal(u.status, 'failed', JSON.stringify(u.steps));
  assert.equal(u.failure?.step, 'tiler.update');
  assert.match(u.failure?.error ?? '', /ENOTDIR|EEXIST|not a directory|file already exists/);
  const step = (name: string) => u.steps.find((x) => x.step === name);
  assert.equal(step('tiler.update')?.state, 'failed');
  assert.equal(step('tiler.update')?.error, u.failure?.error);
  assert.equal(step('tiler.update')?.retries, 1, 'the job used its one retry');
  for (const done of ['upload.received', 'ingest.validate', 'ingest.sample', 'vision.detect', 'fusion.update']) {
    assert.equal(step(done)?.state, 'done', done);
  }
  assert.equal(step('roads.match')?.state, 'done');
  assert.equal(step('rewards.book')?.state, 'done');
  assert.ok(typeof step('ingest.sample')?.output?.frames === 'number', 'frames kept are shown');
  assert.ok(typeof step('vision.detect')?.output?.detections === 'number', 'detections are shown');
  const last = u.events[u.events.length - 1]!;
  assert.deepEqual([last.from, last.to, last.step], ['processing', 'failed', 'tiler.update']);
  const r = await mapmint(['status', id, '--server', s.baseUrl]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`upload ${id}: failed`));
  assert.match(r.stdout, /failed at tiler\.update: .*(ENOTDIR|EEXIST|not a directory|file already exists)/);
  assert.match(r.stdout, /tiler\.update\s+failed/);
  assert.match(r.stdout, /ingest\.sample\s+done\s+frames=\d+/);
});

test('mapmint retry after fixing the cause runs the failed step again, and only its end makes the upload done', async () => {
  assert.ok(id, 'needs the first test');
  const refused = await mapmint(['retry', '00000000-0000-4000-8000-000000000000']);
  assert.notEqual(refused.code, 0, 'an unknown upload is refused');
  await rm(tiles);
  const r = await mapmint(['--json', 'retry', id]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { step: string }).step, 'tiler.update');
  const u: UploadView = await client.waitFor(id, (x) => x.status !== 'processing', { timeoutMs: 120_000 });
  assert.equal(u.status, 'done', JSON.stringify(u.steps));
  assert.equal(u.failure, null);
  assert.deepEqual(
    u.steps.filter((x) => x.state !== 'done').map((x) => x.step),
    [],
  );
  assert.ok(!u.reasons.some((x) => x.code === 'step_failed'), 'the failure reason is cleared');
  assert.deepEqual(
    u.events.map((e) => e.to),
    ['receiving', 'received', 'validating', 'processing', 'failed', 'processing', 'done'],
  );
  // done is the last step's: every step had finished before the upload was marked done.
  const [t] = await s.db.sql<{ last: Date; done: Date }[]>`
    select (select max(finished_at) from step_runs where upload_id = ${id}) as last,
           (select at from upload_events where upload_id = ${id} and to_status = 'done') as done`;
  assert.ok(t!.last.getTime() <= t!.done.getTime());
  const again = await mapmint(['retry', id]);
  assert.notEqual(again.code, 0, 'a done upload has nothing to retry');
  assert.match(again.stderr, /not failed/);
});
