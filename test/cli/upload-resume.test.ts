/**
 * `mapmint upload` killed with SIGKILL in the middle of a file, then run again with the same command: it continues
 * the same upload from the server's offset. The CLI talks to the real server through a loopback proxy that records
 * every PATCH (its offset, the bytes it passed on) and holds one unanswered, so the kill lands mid-file at a known
 * point (test/support/tus-gate-proxy.ts, shared with the browser upload tests).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileTransferMemory } from '../../cli/upload-state.ts';
import { declareFiles, hashFile } from '../../sdk/node.ts';
import { keyFor } from '../../storage/index.ts';
import { CLI_MAIN, runCli } from '../support/cli.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { REPO_ROOT, sharedFile } from '../support/shared-data.ts';
import { startGateProxy } from '../support/tus-gate-proxy.ts';

let s: TestServer;
let dir: string;
before(async () => {
  s = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-resume-'));
});
after(async () => {
  await s.close();
  await rm(dir, { recursive: true, force: true });
});

test('a SIGKILLed upload continues from the server offset on the same command: at most one chunk resent', async () => {
  // A real GoPro clip (4.1 MB) sent in 256 KiB chunks: the kill lands after the 5th chunk, ~1.3 MB in.
  const video = path.join(dir, 'GOPR0001.MP4');
  await copyFile(sharedFile('video', 'gopro_hero5_karma.mp4'), video);
  const { size, sha256 } = await hashFile(video);
  const chunk = 256 * 1024;
  const home = path.join(dir, 'home');
  const { client } = await s.client();
  const proxy = await startGateProxy();
  proxy.target(s.baseUrl);
  const env = { ...process.env, MAPMINT_HOME: home, MAPMINT_TOKEN: client.token!, MAPMINT_PRIVATE_KEY: '' };
  const args = ['--json', 'upload', video, '--server', proxy.url, '--chunk-size', String(chunk / 1024 / 1024)];
  try {
    const held = proxy.holdAfter(5);
    const first: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => first.on('exit', (_code, signal) => r(signal)));
    await Promise.race([held, exited]);
    assert.equal(first.kill('SIGKILL'), true, 'the CLI was still uploading when killed');
    assert.equal(await exited, 'SIGKILL');

    // What the killed run left: the transfer URL in the state file, and the server at 5 chunks.
    const state = JSON.parse(await readFile(path.join(home, 'upload-state.json'), 'utf8')) as {
      transfers: Record<string, { url: string; uploadId: string; file: string }>;
      hashes: Record<string, { sha256: string }>;
    };
    const entries = Object.values(state.transfers);
    assert.equal(entries.length, 1);
    // Its hash too: the next run declares the file without reading it whole again.
    assert.deepEqual(
      Object.values(state.hashes).map((h) => h.sha256),
      [sha256],
    );
    assert.equal(entries[0]!.file, video);
    const head = await fetch(entries[0]!.url.replace(s.baseUrl, proxy.url), {
      method: 'HEAD',
      headers: { authorization: `Bearer ${client.token}`, 'tus-resumable': '1.0.0' },
    });
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers.get('upload-offset')), 5 * chunk, 'the server holds the 5 answered chunks');
    const patches = () => proxy.seen.filter((r) => r.method === 'PATCH' && !r.dropped);
    assert.equal(patches().length, 5);

    proxy.open();
    const second = await runCli(args, env);
    assert.equal(second.code, 0, second.stderr);
    const up = JSON.parse(second.stdout) as { id: string; status: string; files: { status: string }[] };
    assert.equal(up.id, entries[0]!.uploadId, 'the same upload continued');
    assert.equal(up.files[0]!.status, 'received');
    // The second run's first PATCH starts where the server stood; over both runs the server was sent the file once
    // (the held chunk, which never reached it, is the one chunk sent twice by the CLI).
    assert.equal(patches()[5]!.offset, 5 * chunk, 'the re-run continued from the server offset');
    const resent = patches().reduce((n, r) => n + r.bytes, 0) - size;
    assert.ok(resent >= 0 && resent <= chunk, `resent ${resent} bytes; at most one chunk (${chunk}) may be`);

    const [row] = await s.db.sql`select declared_sha256, blob_key from upload_files where upload_id = ${up.id}`;
    assert.equal(row!.declared_sha256, sha256);
    assert.equal(row!.blob_key, keyFor(sha256));
    const stored = await hashFile(await s.blobs.localPath(keyFor(sha256)));
    assert.deepEqual(stored, { size, sha256 }, 'the stored file is the original, byte for byte');
    const after = JSON.parse(await readFile(path.join(home, 'upload-state.json'), 'utf8')) as {
      transfers: Record<string, unknown>;
      hashes: Record<string, unknown>;
    };
    assert.deepEqual(after, { ...after, transfers: {}, hashes: {} }, 'a finished file leaves no state behind');
  } finally {
    await proxy.close();
  }
});

test('a stored transfer the server no longer has (expired, replaced) starts the file afresh instead of failing', async () => {
  const video = path.join(dir, 'FILE0002.MP4');
  await copyFile(sharedFile('video', 'dashcam_nogps_udacity_test_video.mp4'), video);
  const home = path.join(dir, 'home-stale');
  const { client, wallet } = await s.client();
  const up = await client.createUpload({ device: { make: 'x', model: 'y' }, files: await declareFiles([video]) });
  const stale = `${s.baseUrl}/v1/files/${up.id}.0.0123456789abcdef`;
  const state = path.join(home, 'upload-state.json');
  const memory = fileTransferMemory(s.baseUrl, wallet.address, state);
  await memory.remember(video, up.id, 0, stale);
  // The CLI looks the file up under the same fingerprint (its server URL, the address /v1/me names).
  const me = await client.get<{ address: string }>('/v1/me');
  assert.equal(await fileTransferMemory(s.baseUrl, me.address, state).recall(video, up.id, 0), stale);
  const env = { ...process.env, MAPMINT_HOME: home, MAPMINT_TOKEN: client.token!, MAPMINT_PRIVATE_KEY: '' };
  const r = await runCli(['--json', 'upload', video, '--server', s.baseUrl, '--make', 'x', '--model', 'y'], env);
  assert.equal(r.code, 0, r.stderr);
  const done = JSON.parse(r.stdout) as { id: string; files: { status: string }[] };
  assert.equal(done.id, up.id);
  assert.equal(done.files[0]!.status, 'received');
  const left = JSON.parse(await readFile(state, 'utf8')) as { transfers: Record<string, unknown> };
  assert.deepEqual(left.transfers, {});
});

test('a file whose hash the state holds (same path, size, mtime) is declared without being read again', async () => {
  const file = path.join(dir, 'cached.gpx');
  await copyFile(sharedFile('video', 'sidecars', 'dji_mavic_pro.SRT'), file);
  const memory = fileTransferMemory('http://127.0.0.1:1', '0xAbC', path.join(dir, 'cache-state.json'));
  assert.equal(await memory.knownHash(file), undefined);
  await memory.rememberHashes([{ file, size: 1, sha256: 'f'.repeat(64) }]);
  const [d] = await declareFiles([file], memory);
  assert.equal(d!.sha256, 'f'.repeat(64), 'the stored hash was used');
  // Another contributor, or the file touched since, is another fingerprint: hashed from its bytes.
  const other = fileTransferMemory('http://127.0.0.1:1', '0xdef', path.join(dir, 'cache-state.json'));
  assert.deepEqual((await declareFiles([file], other))[0]!.sha256, (await hashFile(file)).sha256);
  await utimes(file, new Date(), new Date(Date.now() + 5000));
  assert.equal(await memory.knownHash(file), undefined);
});
