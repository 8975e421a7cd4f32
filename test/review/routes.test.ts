/** The review and public feature/image endpoints over HTTP, through the real Fastify app and PostgreSQL. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { grantReviewer } from '../../review/index.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { detection, drivePast, driver, FRAME_H, FRAME_W, feature, frame, upload } from './support/fixture.ts';

let srv: TestServer;
let open: TestServer;
before(async () => {
  srv = await startTestServer({ reviewQuorum: 2 });
  open = await startTestServer({ openReview: true });
});
after(async () => {
  await srv.close();
  await open.close();
});

/** A signed-in wallet of `s` with a raw fetch that sends its bearer token. */
async function user(s: TestServer, roles: 'none' | 'reviewer' | 'senior' = 'none') {
  const { client, wallet } = await s.client();
  if (roles !== 'none') await grantReviewer(s.db.sql, wallet.address, { senior: roles === 'senior' });
  const [c] = await s.db.sql<{ id: string; device: string }[]>`
    select c.id, (select id from devices where contributor_id = c.id limit 1) as device
    from contributors c where address = ${wallet.address}`;
  const call = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${s.baseUrl}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${client.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  return { address: wallet.address, id: c!.id, call };
}

async function candidateOn(s: TestServer, owner: { id: string; deviceId: string }, lon: number) {
  const a = await drivePast(s.db.sql, s.blobs, owner, { lon, lat: 42.51 });
  const b = await drivePast(s.db.sql, s.blobs, owner, { lon, lat: 42.51 });
  return {
    id: await feature(s.db.sql, { class: 'regulatory--stop', lon, lat: 42.51, support: [...a.dets, ...b.dets] }),
    a,
    b,
  };
}

const errorCode = async (r: Response) => ((await r.json()) as { error: { code: string } }).error.code;

test('GET /v1/me carries roles; the queue needs a signed-in reviewer', async () => {
  const plain = await user(srv);
  const me = (await (await plain.call('GET', '/v1/me')).json()) as { roles: string[]; address: string };
  assert.deepEqual(me.roles, []);
  const q = await plain.call('GET', '/v1/review/queue');
  assert.equal(q.status, 403);
  assert.equal(await errorCode(q), 'not_reviewer');
  const anon = await fetch(`${srv.baseUrl}/v1/review/queue`);
  assert.equal(anon.status, 401);
  const senior = await user(srv, 'senior');
  const sm = (await (await senior.call('GET', '/v1/me')).json()) as { roles: string[] };
  assert.deepEqual(sm.roles, ['reviewer', 'senior']);
  // Open review (the local demo): every signed-in wallet reviews, and /v1/me says so.
  const anyone = await user(open);
  assert.deepEqual(((await (await anyone.call('GET', '/v1/me')).json()) as { roles: string[] }).roles, ['reviewer']);
  assert.equal((await anyone.call('GET', '/v1/review/queue?limit=5')).status, 200);
});

test('voting over HTTP: 200 settle, 403 own_capture, 404, 409 already_voted and settled, 400 bad bodies', async () => {
  const owner = await driver(srv.db.sql);
  const f = await candidateOn(srv, owner, 1.61);
  const r1 = await user(srv, 'reviewer');
  const r2 = await user(srv, 'reviewer');
  const r3 = await user(srv, 'reviewer');

  const q = (await (await r1.call('GET', '/v1/review/queue?limit=50')).json()) as {
    items: Array<{ kind: string; id: number; crops: Array<{ url: string; frameUrl: string }> }>;
    classes: string[];
  };
  const item = q.items.find((i) => i.kind === 'feature' && i.id === f.id);
  assert.ok(item, 'feature in the queue');
  assert.ok(q.classes.includes('traffic-light'));

  const first = await r1.call('POST', `/v1/review/feature/${f.id}`, { decision: 'confirm' });
  assert.equal(first.status, 200);
  assert.deepEqual(await first.json(), {
    item: { kind: 'feature', id: f.id },
    vote: { decision: 'confirm', class: 'regulatory--stop', value: null },
    settled: false,
    outcome: null,
    escalated: false,
  });
  const again = await r1.call('POST', `/v1/review/feature/${f.id}`, { decision: 'confirm' });
  assert.equal(again.status, 409);
  assert.equal(await errorCode(again), 'already_voted');
  for (const [body, code] of [
    [{ decision: 'relabel' }, 'class_required'],
    [{ decision: 'relabel', class: 'not-a-class' }, 'unknown_class'],
    [{ decision: 'maybe' }, 'invalid_request'],
    [{ decision: 'reject', value: 'x' }, 'label_not_allowed'],
  ] as const) {
    const r = await r2.call('POST', `/v1/review/feature/${f.id}`, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(await errorCode(r), code);
  }
  assert.equal((await r2.call('POST', `/v1/review/thing/${f.id}`, { decision: 'confirm' })).status, 400);
  const missing = await r2.call('POST', '/v1/review/feature/987654321', { decision: 'confirm' });
  assert.equal(missing.status, 404);
  assert.equal(await errorCode(missing), 'not_found');

  const second = await r2.call('POST', `/v1/review/feature/${f.id}`, { decision: 'confirm' });
  assert.equal(second.status, 200);
  const s = (await second.json()) as { settled: boolean; outcome: { by: string } };
  assert.equal(s.settled, true);
  assert.equal(s.outcome.by, 'agreement');
  const late = await r3.call('POST', `/v1/review/feature/${f.id}`, { decision: 'reject' });
  assert.equal(late.status, 409);
  assert.equal(await errorCode(late), 'settled');

  // The driver whose drives made the feature signs in and is granted the role: still not theirs to review.
  const own = await user(srv, 'reviewer');
  const mine = await driver(srv.db.sql, own.address);
  const g = await candidateOn(srv, mine, 1.62);
  const r = await own.call('POST', `/v1/review/feature/${g.id}`, { decision: 'confirm' });
  assert.equal(r.status, 403);
  assert.equal(await errorCode(r), 'own_capture');
  const ownQ = (await (await own.call('GET', '/v1/review/queue?limit=100')).json()) as { items: Array<{ id: number }> };
  assert.ok(!ownQ.items.some((i) => i.id === g.id));

  const stats = await r1.call('GET', '/v1/review/stats');
  assert.deepEqual(await stats.json(), { votes: 1, settled: 1, agreed: 1, credits: (2n * 10n ** 16n).toString() });
  const plain = await user(srv);
  assert.equal((await plain.call('POST', `/v1/review/feature/${g.id}`, { decision: 'confirm' })).status, 403);
});

test('feature detail and the blurred frame and crop images, with ETag and 304', async () => {
  const owner = await driver(srv.db.sql);
  const f = await candidateOn(srv, owner, 1.63);
  const res = await fetch(`${srv.baseUrl}/v1/features/${f.id}`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as Record<string, unknown> & {
    frames: Array<{ detectionId: number; frameUrl: string; cropUrl: string; capturedAt: string }>;
  };
  assert.deepEqual(Object.keys(body).sort(), [
    'class',
    'confidence',
    'drives',
    'firstSeenAt',
    'frames',
    'id',
    'lastSeenAt',
    'lat',
    'lon',
    'observations',
    'status',
    'value',
    'votesDown',
    'votesUp',
  ]);
  assert.equal(body.id, f.id);
  assert.equal(body.observations, 4);
  assert.equal(body.drives, 2);
  assert.equal(body.frames.length, 4);
  assert.equal((await fetch(`${srv.baseUrl}/v1/features/987654321`)).status, 404);

  // The frame: exactly the stored (blurred) bytes, a real JPEG.
  const fr = body.frames[0]!;
  const img = await fetch(`${srv.baseUrl}${fr.frameUrl}`);
  assert.equal(img.status, 200);
  assert.equal(img.headers.get('content-type'), 'image/jpeg');
  assert.match(img.headers.get('cache-control') ?? '', /immutable/);
  const etag = img.headers.get('etag');
  assert.match(etag ?? '', /^"[0-9a-f]{64}"$/);
  const bytes = Buffer.from(await img.arrayBuffer());
  const [row] = await srv.db.sql<{ key: string; pub: string }[]>`
    select fr.blob_key as key, fr.public_id as pub from detections d join frames fr on fr.id = d.frame_id
    where d.id = ${fr.detectionId}`;
  assert.equal(fr.frameUrl, `/v1/frames/${row!.pub}/image`);
  assert.ok(bytes.equals(await srv.blobs.getBuffer(row!.key)));
  const meta = await sharp(bytes).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', FRAME_W, FRAME_H]);
  const cached = await fetch(`${srv.baseUrl}${fr.frameUrl}`, { headers: { 'if-none-match': etag! } });
  assert.equal(cached.status, 304);
  assert.equal(cached.headers.get('etag'), etag);
  assert.equal((await cached.arrayBuffer()).byteLength, 0);
  assert.equal((await fetch(`${srv.baseUrl}${fr.frameUrl}`, { headers: { 'if-none-match': '"other"' } })).status, 200);

  // The stored crop.
  const crop = await fetch(`${srv.baseUrl}${fr.cropUrl}`);
  assert.equal(crop.status, 200);
  assert.equal(crop.headers.get('content-type'), 'image/jpeg');
  const cm = await sharp(Buffer.from(await crop.arrayBuffer())).metadata();
  assert.deepEqual([cm.format, cm.width, cm.height], ['jpeg', 56, 56]);
  const cropTag = crop.headers.get('etag')!;
  assert.equal((await fetch(`${srv.baseUrl}${fr.cropUrl}`, { headers: { 'if-none-match': cropTag } })).status, 304);

  // A detection stored without a crop: cut from its blurred frame (box 40x40 padded by 20 % each side).
  const u = await upload(srv.db.sql, owner);
  const plainFrame = await frame(srv.db.sql, srv.blobs, u, {
    idx: 0,
    lon: 1.64,
    lat: 42.51,
    t: '2025-03-01T10:00:00Z',
  });
  const bare = await detection(srv.db.sql, srv.blobs, plainFrame.id, { class: 'fire-hydrant', score: 0.4 });
  const [bp] = await srv.db.sql<{ id: string }[]>`select public_id as id from detections where id = ${bare}`;
  const cut = await fetch(`${srv.baseUrl}/v1/detections/${bp!.id}/crop`);
  assert.equal(cut.status, 200);
  const cutMeta = await sharp(Buffer.from(await cut.arrayBuffer())).metadata();
  assert.deepEqual([cutMeta.format, cutMeta.width, cutMeta.height], ['jpeg', 56, 56]);

  // Unknown ids, frames without a stored image, and quarantined uploads answer 404.
  const unknown = '00000000-0000-4000-8000-000000000000';
  assert.equal((await fetch(`${srv.baseUrl}/v1/frames/${unknown}/image`)).status, 404);
  assert.equal((await fetch(`${srv.baseUrl}/v1/detections/${unknown}/crop`)).status, 404);
  assert.equal((await fetch(`${srv.baseUrl}/v1/frames/abc/image`)).status, 404);
  const q = await upload(srv.db.sql, owner, 'quarantined');
  const qf = await frame(srv.db.sql, srv.blobs, q, { idx: 0, lon: 1.65, lat: 42.51, t: '2025-03-01T10:00:00Z' });
  const [qp] = await srv.db.sql<{ id: string }[]>`select public_id as id from frames where id = ${qf.id}`;
  assert.equal((await fetch(`${srv.baseUrl}/v1/frames/${qp!.id}/image`)).status, 404);
});
