import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, test } from 'node:test';
import type { Wallet } from 'ethers';
import { distributor, operatorSigner, providerFor, saveDeployment, startLocalChain } from '../../chain/index.ts';
import type { DemoDrive } from '../../demo/index.ts';
import { bookUpload, closeEpoch, DEFAULT_REWARDS, publishEpoch, verifyClaim } from '../../rewards/index.ts';
import { claimRewards, type MapmintClient } from '../../sdk/index.ts';
import { uploadFiles } from '../../sdk/node.ts';
import { type DemoPipeline, processed, useDemoPipeline } from '../support/demo-pipeline.ts';
import type { TestServer } from '../support/server.ts';

const pipeline = useDemoPipeline();
const redrive: DemoPipeline['redrive'] = (...args) => pipeline.redrive(...args);
let s: TestServer;
let drive: DemoDrive;
before(async () => {
  await pipeline.ready;
  ({ s, drive } = pipeline);
});
const device = { make: 'mapmint', model: 'demo', hfovDeg: 115, mount: 'windshield' as const };

let a: { client: MapmintClient; address: string; uploadId: string; wallet: Wallet };

test('a validated drive is matched onto the imported roads, covers them, and books first-coverage rewards', async () => {
  const { client, wallet } = await s.client();
  const up = await uploadFiles(client, [drive.paths.video!, drive.paths.gpx], { device });
  const u = await processed(client, up.id);
  assert.equal(u.status, 'done', JSON.stringify(u.reasons));
  a = { client, address: wallet.address, uploadId: up.id, wallet };
  // The match follows the true route: most matched length lies on the ways the drive really took.
  const trueWays = new Set(drive.truth.route.wayIds);
  const rows = await s.db
    .sql`select m.length_m, r.way_id from upload_matches m join road_segments r on r.id = m.segment_id
                              where m.upload_id = ${up.id}`;
  const total = rows.reduce((x, r) => x + r.length_m, 0);
  const onTrue = rows.filter((r) => trueWays.has(Number(r.way_id))).reduce((x, r) => x + r.length_m, 0);
  assert.ok(total > 100, `matched ${total} m`);
  assert.ok(onTrue / total > 0.85, `share on the true ways ${onTrue / total}`);
  const ledger = await s.db
    .sql`select rule, amount::text, multipliers, segment_id from ledger_entries where upload_id = ${up.id}`;
  assert.ok(ledger.length > 0);
  assert.ok(ledger.every((l) => l.rule === 'first_coverage' && BigInt(l.amount) > 0n));
  // Unsigned (no device key): every entry carries the unsigned multiplier beside the other factors.
  assert.deepEqual(Object.keys(ledger[0]!.multipliers).sort(), ['demand', 'quality', 'reputation', 'rule', 'unsigned']);
  assert.ok(ledger.every((l) => l.multipliers.unsigned === DEFAULT_REWARDS.unsignedMultiplier));
  // The video films the whole drive: every counted piece has frames along it and earned once.
  const [cov] = await s.db.sql`select count(*)::int as n from coverage where upload_id = ${up.id} and counted`;
  assert.equal(ledger.length, cov!.n, 'every counted piece earned once');
});

test('booking again pays nothing twice; the ledger is append-only', async () => {
  const again = await bookUpload(
    { sql: s.db.sql, blobs: s.blobs, queue: s.queue },
    a.uploadId,
    DEFAULT_REWARDS,
    'another-job',
  );
  assert.equal(again.skipped, true);
  const [before] = await s.db.sql`select count(*)::int as n from ledger_entries`;
  await s.db
    .sql`insert into ledger_entries (epoch_id, contributor_id, kind, upload_id, segment_id, rule, base_amount, multipliers, amount)
                 select epoch_id, contributor_id, kind, upload_id, segment_id, rule, base_amount, multipliers, amount
                 from ledger_entries limit 1 on conflict do nothing`;
  const [afterRows] = await s.db.sql`select count(*)::int as n from ledger_entries`;
  assert.equal(afterRows!.n, before!.n);
  await assert.rejects(s.db.sql`update ledger_entries set amount = amount * 2`, /append-only/);
  await assert.rejects(s.db.sql`delete from ledger_entries`, /append-only/);
});

test('another contributor re-driving the same roads in the freshness window earns nothing', async () => {
  const { client } = await s.client();
  const up = await uploadFiles(client, [drive.paths.video!, await redrive('redrive.csv', 7)], { device });
  const u = await processed(client, up.id);
  assert.equal(u.status, 'done', JSON.stringify(u.reasons));
  const [cov] = await s.db.sql`select count(*)::int as n from coverage where upload_id = ${up.id} and counted`;
  assert.ok(cov!.n > 0, 'it did cover the roads');
  const [l] = await s.db.sql`select count(*)::int as n from ledger_entries where upload_id = ${up.id}`;
  assert.equal(l!.n, 0);
});

test('the same device in two places at once is quarantined, and the contributor loses reputation', async () => {
  const [r0] = await s.db.sql`select reputation from contributors where address = ${a.address}`;
  const elsewhere = await redrive('elsewhere.csv', 8, { bearing: 45, m: 5000 });
  const up = await uploadFiles(a.client, [drive.paths.video!, elsewhere], { device });
  const u = await processed(a.client, up.id);
  assert.equal(u.status, 'quarantined');
  assert.ok(
    u.reasons.some((r) => r.code === 'device_conflict'),
    JSON.stringify(u.reasons.map((r) => r.code)),
  );
  const [r1] = await s.db.sql`select reputation from contributors where address = ${a.address}`;
  assert.ok(r1!.reputation < r0!.reputation, `${r1!.reputation} < ${r0!.reputation}`);
});

test('closing the epoch gives a Merkle root over cumulative totals; closing again gives the same root', async () => {
  const out = path.join(s.dir, 'epochs');
  const first = await closeEpoch(s.db.sql, DEFAULT_REWARDS, { outDir: out });
  assert.ok(first.root?.startsWith('0x'));
  assert.equal(first.alreadyClosed, false);
  const second = await closeEpoch(s.db.sql, DEFAULT_REWARDS, { epoch: first.epoch, outDir: out });
  assert.equal(second.root, first.root);
  assert.equal(second.alreadyClosed, true);
  const [sum] = await s.db
    .sql`select sum(l.amount)::text as total from ledger_entries l join contributors c on c.id = l.contributor_id
                               where c.address = ${a.address}`;
  const proofs = JSON.parse(await readFile(first.proofsFile!, 'utf8')) as {
    root: string;
    claims: Record<string, { cumulativeAmount: string; proof: string[] }>;
  };
  const claim = proofs.claims[a.address]!;
  assert.equal(claim.cumulativeAmount, sum!.total);
  assert.ok(
    verifyClaim(first.root!, a.address, { cumulativeAmount: BigInt(claim.cumulativeAmount), proof: claim.proof }),
  );
  // The API shows the same to the contributor, and coverage as GeoJSON.
  const me = (await (
    await fetch(`${s.baseUrl}/v1/me/rewards`, { headers: { authorization: `Bearer ${a.client.token}` } })
  ).json()) as {
    cumulativeWei: string;
    claim: { root: string; cumulative: string };
  };
  assert.equal(me.cumulativeWei, sum!.total);
  assert.equal(me.claim.root, first.root);
  const pts = drive.truth.track;
  const lats = pts.map((p) => p.lat);
  const lons = pts.map((p) => p.lon);
  const bbox = [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)].join(',');
  const geo = (await (await fetch(`${s.baseUrl}/v1/coverage?bbox=${bbox}`)).json()) as {
    features: { properties: { drives: number; lastCoveredAt: string | null } }[];
  };
  assert.ok(geo.features.some((f) => f.properties.drives >= 2 && f.properties.lastCoveredAt));
  assert.equal((await fetch(`${s.baseUrl}/v1/coverage?bbox=0,0,5,5`)).status, 400);
});

test('the closed epoch is published on a real EVM (idempotently) and the contributor claims through the SDK', async () => {
  const [e] = await s.db
    .sql`select id, total_cumulative::text as total from epochs where status = 'closed' and root is not null`;
  process.env.MAPMINT_DEPLOYMENT = path.join(s.dir, 'deployment.json');
  const local = await startLocalChain({ port: 0 });
  try {
    await saveDeployment(local.info);
    const d = distributor(local.info, await operatorSigner(local.info));
    const first = await publishEpoch(s.db.sql, d, e!.id);
    assert.equal(first.status, 'published');
    assert.equal((await publishEpoch(s.db.sql, d, e!.id)).status, 'already-published');
    await local.fund(a.address);
    const wallet = a.wallet.connect(providerFor(local.info));
    const claimed = await claimRewards(a.client, wallet);
    assert.equal(claimed.status, 'claimed');
    const [mine] = await s.db
      .sql`select sum(l.amount)::text as total from ledger_entries l join contributors c on c.id = l.contributor_id
                                  where c.address = ${a.address}`;
    assert.equal(claimed.status === 'claimed' && claimed.amountWei, mine!.total);
    const again = await claimRewards(a.client, wallet);
    assert.equal(again.status, 'nothing-to-claim');
  } finally {
    await local.close();
    delete process.env.MAPMINT_DEPLOYMENT;
  }
});
