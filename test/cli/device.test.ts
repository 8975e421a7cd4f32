/**
 * `mapmint device register|list|revoke` and the signing `mapmint upload` (issue 18 part 4), through the real CLI
 * against the real server: the key file is made once with mode 0600, registered for the wallet, used to sign every
 * upload, and refused by the server once revoked.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Wallet } from 'ethers';
import { runCli } from '../support/cli.ts';
import { makeFile } from '../support/files.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let s: TestServer;
let keyFile: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  s = await startTestServer();
  keyFile = path.join(s.dir, 'cli-home', 'device-key.pem');
  env = {
    ...process.env,
    MAPMINT_HOME: path.join(s.dir, 'cli-home'),
    MAPMINT_PRIVATE_KEY: Wallet.createRandom().privateKey,
    MAPMINT_SERVER: s.baseUrl,
  };
  delete env.MAPMINT_DEVICE_KEY;
  delete env.MAPMINT_TOKEN;
});
after(async () => s.close());

const mapmint = async (...args: string[]) => {
  const r = await runCli(['--json', ...args, '--server', s.baseUrl], env);
  return { ...r, json: r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {} };
};

test('device register makes a 0600 key in the state folder once, and registers it for the wallet', async () => {
  const r = await mapmint('device', 'register', '--label', 'van');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.created, true);
  assert.equal(r.json.keyFile, keyFile);
  assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
  const again = await mapmint('device', 'register');
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual([again.json.created, again.json.publicKey], [false, r.json.publicKey]);
  const list = await mapmint('device', 'list');
  assert.deepEqual(
    (list.json.devices as { publicKey: string; label: string }[]).map((d) => [d.publicKey, d.label]),
    [[r.json.publicKey, 'van']],
  );
});

test('upload signs with the key; after device revoke the server refuses what it signs (exit 4)', async () => {
  const { json: device } = await mapmint('device', 'list');
  const publicKey = (device.devices as { publicKey: string }[])[0]!.publicKey;
  const video = await makeFile(s.dir, 'a.mp4', 'mp4', 20_000);
  const up = await mapmint('upload', video);
  assert.equal(up.code, 0, up.stderr);
  assert.equal(up.json.signedBy, publicKey);
  const revoked = await mapmint('device', 'revoke', publicKey);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.ok(revoked.json.revokedAt);
  const refused = await mapmint('upload', await makeFile(s.dir, 'b.mp4', 'mp4', 20_000));
  assert.equal(refused.code, 4, refused.stderr);
  assert.match(refused.stderr, /device_not_registered/);
});
