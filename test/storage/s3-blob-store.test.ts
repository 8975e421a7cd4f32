import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { keyFor, openBlobStore, S3BlobStore, s3Client } from '../../storage/index.ts';
import { assertAbsentIsNotFound, isCode, sha } from './support/blob-store-contract.ts';

// A real S3-compatible server (s3rver) on loopback, with a bucket per test so tests don't see each other's objects.
let dir: string;
let server: S3rver;
let endpoint: string;
let client: S3Client;
const sent: string[] = [];
let n = 0;

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-s3-'));
  const buckets = Array.from({ length: 12 }, (_, i) => ({ name: `mapmint-test-${i + 1}`, configs: [] }));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: path.join(dir, 'server'),
    configureBuckets: buckets,
  });
  const addr: AddressInfo = await server.run();
  endpoint = `http://127.0.0.1:${addr.port}`;
  client = s3Client({ endpoint, forcePathStyle: true, credentials });
  // Records every command sent, to see which requests the store makes (not to change them).
  client.middlewareStack.add(
    (next, ctx) => async (args) => {
      sent.push(ctx.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
});
after(async () => {
  client?.destroy();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A store over an empty bucket of its own, a cache and a source folder. */
async function fresh(prefix = ''): Promise<{ store: S3BlobStore; bucket: string; src: string }> {
  n++;
  const bucket = `mapmint-test-${n}`;
  const src = path.join(dir, `src-${n}`);
  await mkdir(src, { recursive: true });
  const store = new S3BlobStore({ client, bucket, prefix, cacheDir: path.join(dir, `cache-${n}`) });
  sent.length = 0;
  return { store, bucket, src };
}

async function objectKeys(bucket: string): Promise<string[]> {
  const r = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (r.Contents ?? []).map((o) => o.Key!).sort();
}

async function file(src: string, name: string, bytes: Uint8Array): Promise<string> {
  const p = path.join(src, name);
  await writeFile(p, bytes);
  return p;
}

test('a file is stored under its content key with identical bytes; get streams it back', async () => {
  const { store, bucket, src } = await fresh();
  const bytes = randomBytes(3_000_000);
  const f = await file(src, 'a.bin', bytes);
  const info = await store.putFile(f);
  assert.deepEqual(info, { key: keyFor(sha(bytes)), sha256: sha(bytes), size: bytes.length });
  assert.ok(existsSync(f), 'without move the source stays');
  assert.deepEqual(await objectKeys(bucket), [info.key]);
  assert.equal(await store.stat(info.key), bytes.length);
  const chunks: Buffer[] = [];
  for await (const c of await store.get(info.key)) chunks.push(c as Buffer);
  assert.equal(sha(Buffer.concat(chunks)), info.sha256);
  assert.equal(sha(await store.getBuffer(info.key)), info.sha256);
});

test('storing bytes that are already there sends nothing: the HEAD finds them', async () => {
  const { store, bucket, src } = await fresh();
  const bytes = randomBytes(100_000);
  const first = await store.putFile(await file(src, 'b.bin', bytes), { move: true });
  assert.ok(!existsSync(path.join(src, 'b.bin')), 'move consumes the source');
  sent.length = 0;
  const again = await store.putFile(await file(src, 'b2.bin', bytes), { move: true });
  const fromMemory = await store.putBuffer(bytes);
  assert.deepEqual(again, first);
  assert.deepEqual(fromMemory, first);
  assert.deepEqual(sent, ['HeadObjectCommand', 'HeadObjectCommand']);
  assert.ok(!existsSync(path.join(src, 'b2.bin')), 'a deduplicated move still consumes the source');
  assert.deepEqual(await objectKeys(bucket), [first.key]);
});

test('a checksum mismatch throws checksum_mismatch and stores nothing', async () => {
  const { store, bucket, src } = await fresh();
  const bytes = randomBytes(20_000);
  const f = await file(src, 'c.bin', bytes);
  const wrong = sha(Buffer.from('not these bytes'));
  await assert.rejects(store.putFile(f, { expectedSha256: wrong }), isCode('checksum_mismatch'));
  assert.ok(existsSync(f));
  await assert.rejects(store.putFile(f, { move: true, expectedSha256: wrong }), isCode('checksum_mismatch'));
  assert.ok(!existsSync(f), 'with move the rejected file is consumed, as in the local store');
  assert.deepEqual(sent, [], 'nothing reached the bucket');
  assert.deepEqual(await objectKeys(bucket), []);
  const ok = await store.putFile(await file(src, 'c2.bin', bytes), { expectedSha256: sha(bytes) });
  assert.equal(ok.sha256, sha(bytes));
});

test('putBuffer and getBuffer round-trip; a prefix is prepended to object keys only', async () => {
  const { store, bucket } = await fresh('deploy-a/');
  const bytes = randomBytes(5_000);
  const info = await store.putBuffer(bytes);
  assert.equal(info.key, keyFor(sha(bytes)));
  assert.deepEqual(await objectKeys(bucket), [`deploy-a/${info.key}`]);
  assert.deepEqual(await store.getBuffer(info.key), bytes);
  const empty = await store.putBuffer(new Uint8Array(0));
  assert.equal(await store.stat(empty.key), 0);
  assert.equal((await store.getBuffer(empty.key)).length, 0);
});

test('absent blobs: stat is undefined, reads are not_found; malformed keys are refused', async () => {
  const { store } = await fresh();
  await assertAbsentIsNotFound(store);
  sent.length = 0;
  for (const bad of ['../../etc/passwd', `sha256/00/${'a'.repeat(64)}`, `sha256/aa/${'A'.repeat(64)}`]) {
    await assert.rejects(store.stat(bad), isCode('invalid_blob_key'));
    await assert.rejects(store.get(bad), isCode('invalid_blob_key'));
    await assert.rejects(store.localPath(bad), isCode('invalid_blob_key'));
  }
  assert.deepEqual(sent, [], 'malformed keys never reach the bucket');
});

test('localPath downloads a blob once, even when asked concurrently, and serves it from the cache', async () => {
  const { store, bucket, src } = await fresh();
  const bytes = randomBytes(1_500_000);
  const info = await store.putFile(await file(src, 'd.bin', bytes));
  sent.length = 0;
  const paths = await Promise.all([store.localPath(info.key), store.localPath(info.key), store.localPath(info.key)]);
  assert.equal(new Set(paths).size, 1);
  assert.equal(sent.filter((c) => c === 'GetObjectCommand').length, 1);
  assert.equal(sha(await readFile(paths[0]!)), info.sha256);
  // Gone from the bucket, still served from the cache: the cache is what answers.
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: info.key }));
  assert.equal(await store.localPath(info.key), paths[0]);
  assert.deepEqual(await readdir(path.join(store.cacheDir, 'tmp')), []);
});

test('localPath refuses an object whose bytes do not match its key and caches nothing', async () => {
  const { store, bucket } = await fresh();
  const key = keyFor(sha(Buffer.from('the bytes the key names')));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from('other bytes') }));
  await assert.rejects(store.localPath(key), isCode('blob_corrupt'));
  assert.ok(!existsSync(path.join(store.cacheDir, key)));
  assert.deepEqual(await readdir(path.join(store.cacheDir, 'tmp')), []);
});

test('openBlobStore picks S3 from the environment and the store works', async () => {
  n++;
  const bucket = `mapmint-test-${n}`;
  const store = openBlobStore(dir, {
    MAPMINT_S3_BUCKET: bucket,
    MAPMINT_S3_ENDPOINT: endpoint,
    MAPMINT_S3_REGION: 'us-east-1',
    MAPMINT_S3_FORCE_PATH_STYLE: '1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    MAPMINT_BLOB_CACHE_DIR: path.join(dir, 'env-cache'),
  });
  assert.ok(store instanceof S3BlobStore);
  const bytes = randomBytes(10_000);
  const info = await store.putBuffer(bytes);
  assert.deepEqual(await objectKeys(bucket), [info.key]);
  assert.deepEqual(await readFile(await store.localPath(info.key)), bytes);
  assert.throws(() => openBlobStore(dir, { MAPMINT_S3_BUCKET: bucket, MAPMINT_S3_FORCE_PATH_STYLE: 'yes' }));
  assert.ok(!(openBlobStore(dir, { MAPMINT_BLOB_DIR: path.join(dir, 'local') }) instanceof S3BlobStore));
});

test('the download cache is bounded: least recently used blobs are evicted past cacheMaxBytes', async () => {
  const { bucket, src, store: filler } = await fresh();
  const cacheDir = path.join(dir, `cache-bounded-${n}`);
  const store = new S3BlobStore({ client, bucket, cacheDir, cacheMaxBytes: 2_500_000 });
  const [a, b, c] = await Promise.all(
    ['a', 'b', 'c'].map(async (name) => filler.putFile(await file(src, `${name}.bin`, randomBytes(1_000_000)))),
  );
  const pa = await store.localPath(a!.key);
  const pb = await store.localPath(b!.key);
  await store.localPath(a!.key); // a is now more recently used than b
  const pc = await store.localPath(c!.key);
  assert.ok(existsSync(pa) && existsSync(pc), 'the recently used blobs stay');
  assert.ok(!existsSync(pb), 'the least recently used blob was evicted');
  sent.length = 0;
  assert.equal(sha(await readFile(await store.localPath(b!.key))), b!.sha256, 'an evicted blob is fetched again');
  assert.equal(sent.filter((x) => x === 'GetObjectCommand').length, 1);
  // A store opened later over the same folder counts what is already there.
  const reopened = new S3BlobStore({ client, bucket, cacheDir, cacheMaxBytes: 1_500_000 });
  const d = await filler.putFile(await file(src, 'd.bin', randomBytes(1_000_000)));
  await reopened.localPath(d.key);
  let cached = 0;
  for (const k of [a!, b!, c!, d]) if (existsSync(path.join(cacheDir, k.key))) cached++;
  assert.equal(cached, 1, 'only the newest blob fits in 1.5 MB');
});
