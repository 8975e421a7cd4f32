/** Voting, settlement, fusion and ledger effects against the real PostgreSQL/PostGIS (fixtures: support/fixture.ts). */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { MapmintError } from '../../core/errors.ts';
import { reviewFeature } from '../../fusion/index.ts';
import {
  bookReviewCredits,
  castVote,
  grantReviewer,
  type Reviewer,
  reviewConfigFromEnv,
  reviewQueue,
  reviewStats,
  type VoteResult,
} from '../../review/index.ts';
import { epochAt, rewardConfigFromEnv } from '../../rewards/index.ts';
import { LocalBlobStore } from '../../storage/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { detection, drivePast, driver, feature, frame, upload } from './support/fixture.ts';

let db: TestDatabase;
let dir: string;
let blobs: LocalBlobStore;
const review = reviewConfigFromEnv({ quorum: 2, detectionBelow: 0.6, creditWei: 10n ** 16n, seniorMultiplier: 2 });
const rewards = rewardConfigFromEnv();
const cfg = { review, rewards };

before(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-review-'));
  blobs = new LocalBlobStore(path.join(dir, 'blobs'));
});
after(async () => {
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

/** A new wallet granted reviewer (and optionally senior) through the same call the CLI uses. */
async function reviewerNamed(senior = false): Promise<Reviewer & { address: string }> {
  const d = await driver(db.sql);
  const r = await grantReviewer(db.sql, d.address, { senior });
  return { contributorId: d.id, roles: r.roles, address: d.address };
}

/** A candidate stop sign seen by two drives of one driver; returns its id and the driver. */
let lonSeed = 1.5;
async function candidate(opts: { cls?: string; value?: string | null } = {}) {
  const owner = await driver(db.sql);
  lonSeed += 0.01;
  const lon = lonSeed;
  const a = await drivePast(db.sql, blobs, owner, { lon, lat: 42.5 });
  const b = await drivePast(db.sql, blobs, owner, { lon, lat: 42.5 });
  const id = await feature(db.sql, {
    class: opts.cls ?? 'regulatory--stop',
    value: opts.value ?? null,
    lon,
    lat: 42.5,
    support: [...a.dets, ...b.dets],
  });
  return { id, owner, lon, drives: [a, b] };
}

async function rejectsWith(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (e: unknown) => e instanceof MapmintError && e.code === code);
}

const ledgerOf = (contributorId: string) =>
  db.sql<{ amount: string; rule: string; epoch_id: number; review_id: number; multipliers: { senior: number } }[]>`
    select amount::text, rule, epoch_id, review_id::float8 as review_id, multipliers from ledger_entries
    where contributor_id = ${contributorId} and kind = 'review' order by id`;

test('the queue holds candidate features and doubtful lone detections, never my own captures', async () => {
  const f = await candidate();
  const me = await reviewerNamed();
  // My own drive past another sign, fused into a feature with another driver's drive: I must not review it.
  const other = await driver(db.sql);
  const mine = await drivePast(
    db.sql,
    blobs,
    { id: me.contributorId, deviceId: (await driver(db.sql)).deviceId },
    {
      lon: 1.9,
      lat: 42.5,
    },
  );
  const theirs = await drivePast(db.sql, blobs, other, { lon: 1.9, lat: 42.5 });
  const shared = await feature(db.sql, {
    class: 'regulatory--stop',
    lon: 1.9,
    lat: 42.5,
    support: [...mine.dets, ...theirs.dets],
  });
  // Lone detections of another driver: one doubtful (queued), one confident (not), one of a context class (not).
  const u = await upload(db.sql, other);
  const fr = await frame(db.sql, blobs, u, { idx: 0, lon: 1.95, lat: 42.5, t: '2025-03-01T10:00:00Z' });
  const doubtful = await detection(db.sql, blobs, fr.id, { class: 'fire-hydrant', score: 0.4, crop: true, idx: 0 });
  const confident = await detection(db.sql, blobs, fr.id, { class: 'fire-hydrant', score: 0.9, idx: 1 });
  const car = await detection(db.sql, blobs, fr.id, { class: 'object--vehicle--car', score: 0.3, idx: 2 });
  // A doubtful detection of my own.
  const myFrame = await frame(db.sql, blobs, mine.uploadId, {
    idx: 9,
    lon: 1.96,
    lat: 42.5,
    t: '2025-03-01T10:00:09Z',
  });
  const myDoubtful = await detection(db.sql, blobs, myFrame.id, { class: 'fire-hydrant', score: 0.3 });

  const q = await reviewQueue(db.sql, me, { limit: 100, config: review });
  const keys = q.items.map((i) => `${i.kind}:${i.id}`);
  assert.ok(keys.includes(`feature:${f.id}`), 'candidate feature queued');
  assert.ok(keys.includes(`detection:${doubtful}`), 'doubtful lone detection queued');
  for (const k of [`feature:${shared}`, `detection:${myDoubtful}`])
    assert.ok(!keys.includes(k), `${k} is (partly) my own capture`);
  for (const k of [`detection:${confident}`, `detection:${car}`]) assert.ok(!keys.includes(k), `${k} not queued`);
  for (const d of [...mine.dets, ...theirs.dets, ...f.drives[0]!.dets])
    assert.ok(
      !keys.includes(`detection:${d.detectionId}`),
      'detections supporting a feature are reviewed as the feature',
    );
  // Features come before detections.
  const lastFeature = keys.findLastIndex((k) => k.startsWith('feature:'));
  const firstDetection = keys.findIndex((k) => k.startsWith('detection:'));
  assert.ok(lastFeature < firstDetection, keys.join(' '));

  const item = q.items.find((i) => i.kind === 'feature' && i.id === f.id)!;
  assert.equal(item.class, 'regulatory--stop');
  assert.equal(item.status, 'candidate');
  assert.equal(item.escalated, false);
  assert.equal(item.votes, 0);
  assert.ok(Math.abs(item.lon! - f.lon) < 1e-9 && Math.abs(item.lat! - 42.5) < 1e-9);
  // Four supporting detections over two drives: each drive's best first.
  assert.equal(item.crops.length, 4);
  const best = f.drives.map((d) => d.dets[0]!.detectionId).sort();
  assert.deepEqual(
    item.crops
      .slice(0, 2)
      .map((c) => c.detectionId)
      .sort(),
    best,
  );
  // Images by public id (README "Privacy"), never the serial the vote addresses.
  const [pub] = await db.sql<{ id: string }[]>`
    select public_id as id from detections where id = ${item.crops[0]!.detectionId}`;
  assert.equal(item.crops[0]!.url, `/v1/detections/${pub!.id}/crop`);
  assert.match(item.crops[0]!.frameUrl, /^\/v1\/frames\/[0-9a-f-]{36}\/image$/);
  assert.ok(item.crops[0]!.capturedAt && item.crops[0]!.uploadId);
  assert.ok(q.classes.includes('regulatory--stop') && q.classes.includes('speed-limit'));
  assert.ok(!q.classes.includes('object--vehicle--car'));
  const det = q.items.find((i) => i.kind === 'detection' && i.id === doubtful)!;
  assert.equal(det.status, 'detection');
  assert.equal(det.crops.length, 1);
  assert.equal(det.crops[0]!.detectionId, doubtful);

  // The owner of the feature's drives cannot vote on it either.
  await rejectsWith(
    castVote(
      db.sql,
      { contributorId: f.owner.id, roles: ['reviewer'] },
      { kind: 'feature', id: f.id },
      {
        decision: 'confirm',
      },
      cfg,
    ),
    'own_capture',
  );
  await rejectsWith(
    castVote(db.sql, me, { kind: 'detection', id: myDoubtful }, { decision: 'reject' }, cfg),
    'own_capture',
  );
  // Once I voted, the item leaves my queue but stays in others'.
  await castVote(db.sql, me, { kind: 'feature', id: f.id }, { decision: 'confirm' }, cfg);
  const after = await reviewQueue(db.sql, me, { limit: 100, config: review });
  assert.ok(!after.items.some((i) => i.kind === 'feature' && i.id === f.id));
  const someoneElse = await reviewerNamed();
  const theirsQ = await reviewQueue(db.sql, someoneElse, { limit: 100, config: review });
  assert.equal(theirsQ.items.find((i) => i.kind === 'feature' && i.id === f.id)?.votes, 1);
});

test('two agreeing votes settle: feature confirmed, new version, dirty area, one credit per vote', async () => {
  const f = await candidate();
  const r1 = await reviewerNamed();
  const r2 = await reviewerNamed();
  const v1 = await castVote(db.sql, r1, { kind: 'feature', id: f.id }, { decision: 'confirm' }, cfg);
  assert.deepEqual(v1, {
    item: { kind: 'feature', id: f.id },
    vote: { decision: 'confirm', class: 'regulatory--stop', value: null },
    settled: false,
    outcome: null,
    escalated: false,
  });
  const [still] = await db.sql`select status, version, votes_up from map_features where id = ${f.id}`;
  assert.deepEqual({ ...still }, { status: 'candidate', version: 1, votes_up: 0 }, 'one vote changes nothing yet');
  const v2 = await castVote(db.sql, r2, { kind: 'feature', id: f.id }, { decision: 'confirm' }, cfg);
  assert.equal(v2.settled, true);
  assert.deepEqual(v2.outcome, { decision: 'confirm', class: 'regulatory--stop', value: null, by: 'agreement' });
  const [m] = await db.sql`select status, version, votes_up, votes_down from map_features where id = ${f.id}`;
  assert.deepEqual({ ...m }, { status: 'confirmed', version: 2, votes_up: 2, votes_down: 0 });
  const versions = await db.sql`select version, status, reason, valid_to is null as current
    from map_feature_versions where feature_id = ${f.id} order by version`;
  assert.deepEqual(
    versions.map((v) => [v.version, v.status, v.reason, v.current]),
    [
      [1, 'candidate', 'fixture', false],
      [2, 'confirmed', 'review:confirm', true],
    ],
  );
  const dirty = await db.sql<
    { bbox: number[] }[]
  >`select bbox from tile_dirty_areas where reason = ${`review:${f.id}`}`;
  assert.equal(dirty.length, 1);
  const [w, s, e, n] = dirty[0]!.bbox as [number, number, number, number];
  assert.ok(w < f.lon && f.lon < e && s < 42.5 && 42.5 < n, 'dirty area covers the feature');
  const epoch = epochAt(new Date(), rewards).id;
  for (const r of [r1, r2]) {
    const l = await ledgerOf(r.contributorId);
    assert.equal(l.length, 1);
    assert.deepEqual(
      { amount: l[0]!.amount, rule: l[0]!.rule, epoch: l[0]!.epoch_id, senior: l[0]!.multipliers.senior },
      { amount: (10n ** 16n).toString(), rule: 'review_agreed', epoch, senior: 1 },
    );
  }
  const [o] =
    await db.sql`select status, decision, settled_by from review_outcomes where item_kind = 'feature' and item_id = ${f.id}`;
  assert.deepEqual({ ...o }, { status: 'settled', decision: 'confirm', settled_by: 'agreement' });
  // Settled: a third reviewer gets 409, and the settled item is out of every queue.
  const r3 = await reviewerNamed(true);
  await rejectsWith(castVote(db.sql, r3, { kind: 'feature', id: f.id }, { decision: 'reject' }, cfg), 'settled');
  const q = await reviewQueue(db.sql, r3, { limit: 100, config: review });
  assert.ok(!q.items.some((i) => i.kind === 'feature' && i.id === f.id));
});

test('a disagreement escalates to seniors only; one senior vote settles it and pays the agreeing votes', async () => {
  const f = await candidate();
  const [a, b, c] = [await reviewerNamed(), await reviewerNamed(), await reviewerNamed()];
  const senior = await reviewerNamed(true);
  await castVote(db.sql, a, { kind: 'feature', id: f.id }, { decision: 'confirm' }, cfg);
  const vb = await castVote(db.sql, b, { kind: 'feature', id: f.id }, { decision: 'reject' }, cfg);
  assert.equal(vb.escalated, true);
  assert.equal(vb.settled, false);
  // Reviewers no longer see it, seniors see it first.
  assert.ok(!(await reviewQueue(db.sql, c, { limit: 100, config: review })).items.some((i) => i.id === f.id));
  const sq = await reviewQueue(db.sql, senior, { limit: 100, config: review });
  assert.deepEqual(
    { kind: sq.items[0]?.kind, id: sq.items[0]?.id, escalated: sq.items[0]?.escalated, votes: sq.items[0]?.votes },
    { kind: 'feature', id: f.id, escalated: true, votes: 2 },
  );
  await rejectsWith(castVote(db.sql, c, { kind: 'feature', id: f.id }, { decision: 'reject' }, cfg), 'senior_required');
  const vs = await castVote(db.sql, senior, { kind: 'feature', id: f.id }, { decision: 'reject' }, cfg);
  assert.deepEqual(vs.outcome, { decision: 'reject', class: 'regulatory--stop', value: null, by: 'senior' });
  assert.equal(vs.escalated, false);
  const [m] = await db.sql`select status, votes_up, votes_down from map_features where id = ${f.id}`;
  assert.deepEqual({ ...m }, { status: 'rejected', votes_up: 0, votes_down: 2 });
  assert.equal((await ledgerOf(a.contributorId)).length, 0, 'the outvoted reviewer earns nothing');
  assert.equal((await ledgerOf(c.contributorId)).length, 0);
  assert.deepEqual(
    (await ledgerOf(b.contributorId)).map((l) => [l.amount, l.multipliers.senior]),
    [[(10n ** 16n).toString(), 1]],
  );
  assert.deepEqual(
    (await ledgerOf(senior.contributorId)).map((l) => [l.amount, l.multipliers.senior]),
    [[(2n * 10n ** 16n).toString(), 2]],
  );
  const stats = await reviewStats(db.sql, senior.contributorId);
  assert.deepEqual(stats, { votes: 1, settled: 1, agreed: 1, credits: (2n * 10n ** 16n).toString() });
  assert.deepEqual(await reviewStats(db.sql, a.contributorId), { votes: 1, settled: 1, agreed: 0, credits: '0' });
});

test('a settled relabel changes class and value in map_features and its versions, and marks the tiles dirty', async () => {
  const f = await candidate();
  const r1 = await reviewerNamed();
  const r2 = await reviewerNamed();
  const label = { decision: 'relabel' as const, class: 'speed-limit', value: '50' };
  const v1 = await castVote(db.sql, r1, { kind: 'feature', id: f.id }, label, cfg);
  assert.deepEqual(v1.vote, { decision: 'relabel', class: 'speed-limit', value: '50' });
  const v2 = await castVote(db.sql, r2, { kind: 'feature', id: f.id }, label, cfg);
  assert.deepEqual(v2.outcome, { decision: 'relabel', class: 'speed-limit', value: '50', by: 'agreement' });
  const [m] = await db.sql`select class, value, status, version from map_features where id = ${f.id}`;
  assert.deepEqual({ ...m }, { class: 'speed-limit', value: '50', status: 'confirmed', version: 2 });
  const vs = await db.sql`select version, class, value, reason from map_feature_versions where feature_id = ${f.id}
    order by version`;
  assert.deepEqual(
    vs.map((v) => [v.version, v.class, v.value, v.reason]),
    [
      [1, 'regulatory--stop', null, 'fixture'],
      [2, 'speed-limit', '50', 'review:relabel'],
    ],
  );
  const [d] = await db.sql`select count(*)::int as n from tile_dirty_areas where reason = ${`review:${f.id}`}`;
  assert.equal(d!.n, 1);
  // Relabels to different values disagree and escalate; relabelling to the current label is refused.
  const g = await candidate({ cls: 'speed-limit', value: '30' });
  await rejectsWith(
    castVote(
      db.sql,
      r1,
      { kind: 'feature', id: g.id },
      { decision: 'relabel', class: 'speed-limit', value: '30' },
      cfg,
    ),
    'relabel_unchanged',
  );
  await rejectsWith(
    castVote(db.sql, r1, { kind: 'feature', id: g.id }, { decision: 'relabel', class: 'lamp-post' }, cfg),
    'unknown_class',
  );
  await rejectsWith(
    castVote(db.sql, r1, { kind: 'feature', id: g.id }, { decision: 'relabel' }, cfg),
    'class_required',
  );
  await castVote(
    db.sql,
    r1,
    { kind: 'feature', id: g.id },
    { decision: 'relabel', class: 'speed-limit', value: '50' },
    cfg,
  );
  const e = await castVote(
    db.sql,
    r2,
    { kind: 'feature', id: g.id },
    { decision: 'relabel', class: 'speed-limit', value: '60' },
    cfg,
  );
  assert.equal(e.escalated, true);
  const [gm] = await db.sql`select class, value, version from map_features where id = ${g.id}`;
  assert.deepEqual({ ...gm }, { class: 'speed-limit', value: '30', version: 1 });
});

test('credits are booked once: a repeated vote is refused and re-booking pays nothing twice', async () => {
  const f = await candidate();
  const r1 = await reviewerNamed();
  const r2 = await reviewerNamed();
  await castVote(db.sql, r1, { kind: 'feature', id: f.id }, { decision: 'confirm' }, cfg);
  await rejectsWith(castVote(db.sql, r1, { kind: 'feature', id: f.id }, { decision: 'confirm' }, cfg), 'already_voted');
  await rejectsWith(castVote(db.sql, r1, { kind: 'feature', id: f.id }, { decision: 'reject' }, cfg), 'already_voted');
  await castVote(db.sql, r2, { kind: 'feature', id: f.id }, { decision: 'confirm' }, cfg);
  const before = await ledgerOf(r1.contributorId);
  assert.equal(before.length, 1);
  // A retried settlement (same votes booked again) inserts nothing: one entry per vote, enforced by the database.
  const votes = await db.sql<{ id: number; reviewer_id: string }[]>`
    select id::float8 as id, reviewer_id from reviews where item_kind = 'feature' and item_id = ${f.id}`;
  const again = await db.sql.begin((tx) =>
    bookReviewCredits(
      tx as never,
      votes.map((v) => ({ reviewId: v.id, contributorId: v.reviewer_id, settledEscalation: false })),
      cfg,
    ),
  );
  assert.equal(again, 0);
  assert.equal((await ledgerOf(r1.contributorId)).length, 1);
  const [n] = await db.sql`select count(*)::int as n from ledger_entries l join reviews r on r.id = l.review_id
    where r.item_kind = 'feature' and r.item_id = ${f.id}`;
  assert.equal(n!.n, 2);
  // Votes are append-only, like the ledger.
  await assert.rejects(db.sql`update reviews set decision = 'reject' where item_id = ${f.id}`, /append-only/);
  await assert.rejects(db.sql`delete from reviews where item_id = ${f.id}`, /append-only/);
});

test('concurrent votes on one item settle it exactly once', async () => {
  const f = await candidate();
  const rs = await Promise.all([1, 2, 3, 4, 5].map(() => reviewerNamed()));
  const results = await Promise.allSettled(
    rs.map((r) => castVote(db.sql, r, { kind: 'feature', id: f.id }, { decision: 'confirm' }, cfg)),
  );
  const ok = results
    .filter((r): r is PromiseFulfilledResult<VoteResult> => r.status === 'fulfilled')
    .map((r) => r.value);
  const refused = results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => (r.reason as MapmintError).code);
  assert.equal(ok.length, 2, JSON.stringify(refused));
  assert.equal(ok.filter((v) => v.settled).length, 1);
  assert.deepEqual(refused, ['settled', 'settled', 'settled']);
  const [m] = await db.sql`select votes_up, version from map_features where id = ${f.id}`;
  assert.deepEqual({ ...m }, { votes_up: 2, version: 2 });
  const [n] = await db.sql`select count(*)::int as n from ledger_entries l join reviews r on r.id = l.review_id
    where r.item_kind = 'feature' and r.item_id = ${f.id}`;
  assert.equal(n!.n, 2);
});

test('lone detections settle too (no map change) and the role is required', async () => {
  const other = await driver(db.sql);
  const u = await upload(db.sql, other);
  const fr = await frame(db.sql, blobs, u, { idx: 0, lon: 2.2, lat: 42.5, t: '2025-03-01T10:00:00Z' });
  const d = await detection(db.sql, blobs, fr.id, { class: 'traffic-light', score: 0.3 });
  const nobody = await driver(db.sql);
  await rejectsWith(
    castVote(
      db.sql,
      { contributorId: nobody.id, roles: [] },
      { kind: 'detection', id: d },
      { decision: 'reject' },
      cfg,
    ),
    'not_reviewer',
  );
  await rejectsWith(
    castVote(db.sql, await reviewerNamed(), { kind: 'detection', id: 987654321 }, { decision: 'reject' }, cfg),
    'not_found',
  );
  const [r1, r2] = [await reviewerNamed(), await reviewerNamed()];
  await castVote(db.sql, r1, { kind: 'detection', id: d }, { decision: 'reject' }, cfg);
  const v = await castVote(db.sql, r2, { kind: 'detection', id: d }, { decision: 'reject' }, cfg);
  assert.deepEqual(v.outcome, { decision: 'reject', class: 'traffic-light', value: null, by: 'agreement' });
  assert.equal((await ledgerOf(r2.contributorId)).length, 1);
});

test("fusion's one-vote reviewFeature still works on its own transaction", async () => {
  const f = await candidate();
  assert.equal((await reviewFeature(db.sql, f.id, 'reject'))?.status, 'rejected');
  const [m] = await db.sql`select votes_down, version from map_features where id = ${f.id}`;
  assert.deepEqual({ ...m }, { votes_down: 1, version: 2 });
  assert.equal(await reviewFeature(db.sql, 987654321, 'confirm'), undefined);
});
