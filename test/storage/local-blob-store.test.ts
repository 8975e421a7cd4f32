import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { keyFor, LocalBlobStore } from '../../storage/index.ts';
import { assertAbsentIsNotFound, isCode, sha } from './support/blob-store-contract.ts';

let dir: string;
let n = 0;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-local-blobs-'));
});
after(async () => rm(dir, { recursive: true, force: true }));

/** A fresh store and a source folder of its own for each test. */
async function fresh(): Promise<{ store: LocalBlobStore; src: string }> {
  n++;
  const src = path.join(dir, `src-${n}`);
  await mkdir(src, { recursive: true });
  return { store: new LocalBlobStore(path.join(dir, `store-${n}`)), src };
}

/** Every blob file under the store's content-addressed folder. */
async function blobFiles(store: LocalBlobStore): Promise<string[]> {
  const root = path.join(store.root, 'sha256');
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const d of await readdir(root)) for (const f of await readdir(path.join(root, d))) out.push(`${d}/${f}`);
  return out;
}

async function tmpLeftovers(store: LocalBlobStore): Promise<string[]> {
  const t = path.join(store.root, 'tmp');
  return existsSync(t) ? readdir(t) : [];
}

test('a stored file is found under its SHA-256 key with the same bytes, and no temp file is left', async () => {
  const { store, src } = await fresh();
  const bytes = randomBytes(300_000);
  const file = path.join(src, 'a.bin');
  await writeFile(file, bytes);
  const info = await store.putFile(file);
  assert.deepEqual(info, { key: keyFor(sha(bytes)), sha256: sha(bytes), size: bytes.length });
  assert.ok(existsSync(file), 'without move the source stays');
  assert.deepEqual(await store.getBuffer(info.key), bytes);
  assert.equal(await store.stat(info.key), bytes.length);
  const streamed: Buffer[] = [];
  for await (const c of await store.get(info.key)) streamed.push(c as Buffer);
  assert.deepEqual(Buffer.concat(streamed), bytes);
  assert.deepEqual(await tmpLeftovers(store), []);
  assert.equal(await readFile(await store.localPath(info.key)).then(sha), info.sha256);
});

test('the same bytes stored twice, from a file and from memory, are one blob', async () => {
  const { store, src } = await fresh();
  const bytes = randomBytes(50_000);
  const file = path.join(src, 'b.bin');
  await writeFile(file, bytes);
  const a = await store.putFile(file, { move: true });
  assert.ok(!existsSync(file), 'move consumes the source');
  const b = await store.putBuffer(bytes);
  assert.deepEqual(a, b);
  assert.deepEqual(await blobFiles(store), [`${a.sha256.slice(0, 2)}/${a.sha256}`]);
  assert.deepEqual(await tmpLeftovers(store), []);
});

test('a checksum mismatch throws checksum_mismatch and stores nothing', async () => {
  const { store, src } = await fresh();
  const bytes = randomBytes(10_000);
  const file = path.join(src, 'c.bin');
  await writeFile(file, bytes);
  const wrong = sha(Buffer.from('something else'));
  await assert.rejects(store.putFile(file, { expectedSha256: wrong }), isCode('checksum_mismatch'));
  assert.ok(existsSync(file), 'without move the caller keeps its file');
  await assert.rejects(store.putFile(file, { move: true, expectedSha256: wrong }), isCode('checksum_mismatch'));
  assert.ok(!existsSync(file), 'with move the rejected file is consumed');
  assert.deepEqual(await blobFiles(store), []);
  assert.deepEqual(await tmpLeftovers(store), []);
  assert.equal(await store.stat(keyFor(sha(bytes))), undefined);
});

test('a matching expected checksum is accepted', async () => {
  const { store, src } = await fresh();
  const bytes = randomBytes(1000);
  const file = path.join(src, 'd.bin');
  await writeFile(file, bytes);
  const info = await store.putFile(file, { expectedSha256: sha(bytes) });
  assert.equal(info.sha256, sha(bytes));
});

test('a known hash is used as given and still checked against the expected one', async () => {
  const { store, src } = await fresh();
  const bytes = randomBytes(20_000);
  const file = path.join(src, 'k.bin');
  await writeFile(file, bytes);
  const info = await store.putFile(file, { move: true, expectedSha256: sha(bytes), knownSha256: sha(bytes) });
  assert.deepEqual(info, { key: keyFor(sha(bytes)), sha256: sha(bytes), size: bytes.length });
  assert.ok(!existsSync(file), 'moved into the store');
  assert.deepEqual(await store.getBuffer(info.key), bytes);

  // The caller's hash says the bytes are not the declared ones: refused, consumed, nothing stored.
  const other = path.join(src, 'k2.bin');
  await writeFile(other, bytes);
  const known = sha(Buffer.from('what the receiver hashed'));
  await assert.rejects(
    store.putFile(other, { move: true, expectedSha256: sha(bytes), knownSha256: known }),
    isCode('checksum_mismatch'),
  );
  assert.ok(!existsSync(other));
  assert.equal(await store.stat(keyFor(known)), undefined);
  assert.deepEqual(await blobFiles(store), [`${sha(bytes).slice(0, 2)}/${sha(bytes)}`]);

  // A malformed hash never becomes a key.
  await writeFile(other, bytes);
  await assert.rejects(store.putFile(other, { knownSha256: '../../etc' }), isCode('invalid_known_hash'));
  assert.deepEqual(await tmpLeftovers(store), []);
});

test('keys that are not content addresses are rejected before touching the disk', async () => {
  const { store } = await fresh();
  const h = sha(Buffer.from('x'));
  const bad = [
    '../../etc/passwd',
    `sha256/${h.slice(0, 2)}/../../../${h}`,
    `sha256/${h.slice(0, 2)}/${h.toUpperCase()}`,
    `sha256/00/${h.replace(/^../, '11')}`,
    `sha256/${h.slice(0, 2)}/${h}/`,
    `/sha256/${h.slice(0, 2)}/${h}`,
    '',
  ];
  for (const key of bad) {
    await assert.rejects(store.stat(key), isCode('invalid_blob_key'), JSON.stringify(key));
    await assert.rejects(store.get(key), isCode('invalid_blob_key'), JSON.stringify(key));
    await assert.rejects(store.localPath(key), isCode('invalid_blob_key'), JSON.stringify(key));
  }
});

test('absent blobs: stat is undefined, reads are not_found', async () => {
  await assertAbsentIsNotFound((await fresh()).store);
});

test('concurrent puts of the same content end with one intact blob and no temp files', async () => {
  const { store, src } = await fresh();
  const bytes = randomBytes(2_000_000);
  const files = await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      const f = path.join(src, `same-${i}.bin`);
      await writeFile(f, bytes);
      return f;
    }),
  );
  const infos = await Promise.all([
    ...files.map((f, i) => store.putFile(f, { move: i % 2 === 0, expectedSha256: sha(bytes) })),
    store.putBuffer(bytes),
    store.putBuffer(bytes),
  ]);
  for (const info of infos) assert.equal(info.key, keyFor(sha(bytes)));
  assert.equal((await blobFiles(store)).length, 1);
  assert.equal(sha(await store.getBuffer(keyFor(sha(bytes)))), sha(bytes));
  assert.deepEqual(await tmpLeftovers(store), []);
});
