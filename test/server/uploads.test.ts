import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ApiError, MapmintClient } from '../../sdk/index.ts';
import { declareFiles, uploadFiles } from '../../sdk/node.ts';
import { makeFile, sha256 } from '../support/files.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let s: TestServer;
let client: MapmintClient;
const device = { make: 'Acme', model: 'DashCam 4K', hfovDeg: 120, mount: 'windshield' as const };

before(async () => {
  s = await startTestServer({ maxFileBytes: 2_000_000, maxUploadBytes: 3_000_000, uploadsPerHour: 50 });
  ({ client } = await s.client());
});
after(async () => s.close());

async function rawPost(path: string, body: unknown, token = client.token) {
  const res = await fetch(s.baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { id?: string; error?: { code: string; message: string } } };
}

test('a complete upload is stored byte-identical, marked received and enqueues its processing job', async () => {
  const video = await makeFile(s.dir, 'drive.mp4', 'mp4', 300_000);
  const track = await makeFile(s.dir, 'drive.gpx', 'gpx', 5_000);
  const up = await uploadFiles(client, [video, track], { device });
  assert.equal(up.status, 'received');
  assert.deepEqual(
    up.files.map((f) => f.status),
    ['received', 'received'],
  );
  for (const f of up.files) {
    const local = await readFile(f.name === 'drive.mp4' ? video : track);
    const key = `sha256/${f.sha256.slice(0, 2)}/${f.sha256}`;
    assert.equal(sha256(await s.blobs.getBuffer(key)), sha256(local));
  }
  const jobs = await s.db.sql`select name, data from pgboss.job where data->>'uploadId' = ${up.id}`;
  assert.deepEqual(
    jobs.map((j) => j.name),
    ['upload.received'],
  );
  assert.deepEqual(
    up.events.map((e) => e.to),
    ['receiving', 'received'],
  );
});

test('an identical re-upload is answered idempotently with the same upload', async () => {
  const video = await makeFile(s.dir, 'again.mp4', 'mp4', 50_000);
  const first = await uploadFiles(client, [video], { device });
  const files = await declareFiles([video]);
  const second = await rawPost('/v1/uploads', { device, files });
  assert.equal(second.status, 200);
  assert.equal(second.body.id, first.id);
  const [n] = await s.db.sql`select count(*)::int as n from uploads where id = ${first.id}`;
  assert.equal(n!.n, 1);
});

test('hostile file names are refused with 400 and nothing is created', async () => {
  const [good] = await declareFiles([await makeFile(s.dir, 'x.mp4', 'mp4', 1000)]);
  const names = [
    '../../etc/passwd',
    'a/b.mp4',
    'C:\\windows\\x.mp4',
    'evil\u0000.mp4',
    '..',
    ' lead.mp4',
    'rtl\u202egpm.exe',
    'x'.repeat(300),
  ];
  const [before] = await s.db.sql`select count(*)::int as n from uploads`;
  for (const name of names) {
    const r = await rawPost('/v1/uploads', { device, files: [{ ...good!, name }] });
    assert.equal(r.status, 400, `${JSON.stringify(name)} -> ${r.status}`);
  }
  const [afterCount] = await s.db.sql`select count(*)::int as n from uploads`;
  assert.equal(afterCount!.n, before!.n);
});

test('wrong content types get 415, at declaration and when the bytes do not match', async () => {
  const [f] = await declareFiles([await makeFile(s.dir, 'y.mp4', 'mp4', 1000)]);
  const r = await rawPost('/v1/uploads', { device, files: [{ ...f!, contentType: 'application/x-msdownload' }] });
  assert.equal(r.status, 415);
  // Declared as a video, but the bytes are a JPEG: refused at the end of the transfer, and the file stays pending.
  const fake = await makeFile(s.dir, 'fake.mp4', 'jpg', 2000);
  const [d] = await declareFiles([fake]);
  const up = await client.createUpload({ device, files: [d!] });
  await assert.rejects(
    client.sendFile(up.id, 0, await readFile(fake), d!.size, { retryDelays: [] }),
    (e: ApiError) => e.status === 415 && e.code === 'content_mismatch',
  );
  const after = await client.getUpload(up.id);
  assert.equal(after.files[0]!.status, 'pending');
  assert.equal(after.status, 'receiving');
});

test('oversized uploads and transfers get 413 before any byte is stored', async () => {
  const [f] = await declareFiles([await makeFile(s.dir, 'z.mp4', 'mp4', 1000)]);
  const big = await rawPost('/v1/uploads', { device, files: [{ ...f!, size: 2_000_001 }] });
  assert.equal(big.status, 413);
  assert.equal(big.body.error?.code, 'file_too_large');
  const many = await rawPost('/v1/uploads', {
    device,
    files: [1, 2].map((i) => ({ ...f!, name: `p${i}.mp4`, sha256: String(i).repeat(64), size: 1_600_000 })),
  });
  assert.equal(many.status, 413);
  assert.equal(many.body.error?.code, 'upload_too_large');
  // A tus transfer that announces more bytes than the manifest declared is refused.
  const up = await client.createUpload({ device, files: [f!] });
  const res = await fetch(`${s.baseUrl}/v1/files`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${client.token}`,
      'tus-resumable': '1.0.0',
      'upload-length': String(f!.size + 10),
      'upload-metadata': `uploadId ${Buffer.from(up.id).toString('base64')},fileIndex ${Buffer.from('0').toString('base64')}`,
    },
  });
  assert.equal(res.status, 400);
  const tooLong = await fetch(`${s.baseUrl}/v1/files`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${client.token}`,
      'tus-resumable': '1.0.0',
      'upload-length': String(50_000_000),
      'upload-metadata': `uploadId ${Buffer.from(up.id).toString('base64')},fileIndex ${Buffer.from('0').toString('base64')}`,
    },
  });
  assert.equal(tooLong.status, 413);
});

test('a truncated or altered file fails its checksum, is not stored, and can be sent again', async () => {
  const video = await makeFile(s.dir, 'trunc.mp4', 'mp4', 20_000);
  const [d] = await declareFiles([video]);
  const up = await client.createUpload({ device, files: [d!] });
  const bytes = await readFile(video);
  const altered = Buffer.from(bytes);
  altered[altered.length - 1] = (altered[altered.length - 1]! + 1) % 256;
  await assert.rejects(
    client.sendFile(up.id, 0, altered, d!.size, { retryDelays: [] }),
    (e: ApiError) => e.code === 'checksum_mismatch' && e.status === 400,
  );
  assert.equal(await s.blobs.stat(`sha256/${sha256(altered).slice(0, 2)}/${sha256(altered)}`), undefined);
  assert.equal((await client.getUpload(up.id)).files[0]!.status, 'pending');
  await client.sendFile(up.id, 0, bytes, d!.size);
  const done = await client.getUpload(up.id);
  assert.equal(done.status, 'received');
});

test('SQL-looking strings in every field are stored verbatim and harm nothing', async () => {
  const sqlish = "x'); DROP TABLE uploads; --";
  const video = await makeFile(s.dir, 'sql.mp4', 'mp4', 3000);
  const [d] = await declareFiles([video]);
  const up = await client.createUpload({
    device: { make: sqlish, model: `${sqlish}"`, cameraModel: "' OR '1'='1" },
    files: [{ ...d!, name: "Robert'); DROP TABLE students;--.mp4" }],
  });
  const got = await client.getUpload(up.id);
  assert.equal(got.files[0]!.name, "Robert'); DROP TABLE students;--.mp4");
  const [dev] = await s.db
    .sql`select make, model from devices d join uploads u on u.device_id = d.id where u.id = ${up.id}`;
  assert.equal(dev!.make, sqlish);
  const res = await fetch(`${s.baseUrl}/v1/uploads/${encodeURIComponent("1' OR '1'='1")}`, {
    headers: { authorization: `Bearer ${client.token}` },
  });
  assert.equal(res.status, 404);
  assert.ok((await s.db.sql`select count(*) from uploads`).length === 1, 'uploads table still there');
});

test('another contributor can neither see nor write into my upload', async () => {
  const video = await makeFile(s.dir, 'mine.mp4', 'mp4', 3000);
  const [d] = await declareFiles([video]);
  const up = await client.createUpload({ device, files: [d!] });
  const { client: other } = await s.client();
  await assert.rejects(other.getUpload(up.id), (e: ApiError) => e.status === 404);
  await assert.rejects(
    other.sendFile(up.id, 0, await readFile(video), d!.size, { retryDelays: [] }),
    (e: ApiError) => e.status === 404,
  );
  assert.equal((await client.getUpload(up.id)).files[0]!.status, 'pending');
});

test('requests without a token get 401; the OpenAPI description lists the API', async () => {
  const r = await fetch(`${s.baseUrl}/v1/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(r.status, 401);
  const tusNoAuth = await fetch(`${s.baseUrl}/v1/files`, {
    method: 'POST',
    headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' },
  });
  assert.equal(tusNoAuth.status, 401);
  const spec = (await (await fetch(`${s.baseUrl}/openapi.json`)).json()) as {
    openapi: string;
    paths: Record<string, unknown>;
  };
  assert.equal(spec.openapi, '3.1.0');
  for (const p of ['/v1/auth/nonce', '/v1/auth/verify', '/v1/uploads', '/v1/uploads/{id}', '/v1/files']) {
    assert.ok(p in spec.paths, `${p} documented`);
  }
});

test('uploads per hour are limited with 429', async () => {
  const limited = await startTestServer({ uploadsPerHour: 2 });
  try {
    const { client: c } = await limited.client();
    for (let i = 0; i < 2; i++) {
      const [d] = await declareFiles([await makeFile(limited.dir, `r${i}.mp4`, 'mp4', 500)]);
      await c.createUpload({ device, files: [d!] });
    }
    const [d] = await declareFiles([await makeFile(limited.dir, 'r9.mp4', 'mp4', 500)]);
    await assert.rejects(
      c.createUpload({ device, files: [d!] }),
      (e: ApiError) => e.status === 429 && e.code === 'too_many_uploads',
    );
  } finally {
    await limited.close();
  }
});

test('request rate is limited with 429 and a retry hint', async () => {
  const limited = await startTestServer({ rateLimitPerMinute: 5 });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${limited.baseUrl}/healthz`)).status);
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
    assert.ok(statuses.slice(5).every((x) => x === 429));
  } finally {
    await limited.close();
  }
});

void path;
