/**
 * Accuracy of the matcher on synthetic drives with known truth (demo): many seeds, receiver noise of 5-15 m
 * white plus a 2 m Gauss-Markov bias, fixes every 1-10 s, and GPS jumps. Score: share of the matched length that lies
 * on the truth's junction-to-junction segments, driven in the truth's direction.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { generateDrive } from '../../demo/index.ts';
import {
  estimateSigmaZ,
  importRoads,
  loadGraph,
  type MatchResult,
  matchTrack,
  type RoadGraph,
  trackBbox,
} from '../../roads/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let db: TestDatabase;
let dir: string;
before(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'mapmint-match-'));
});
after(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

const SEEDS = Array.from({ length: 16 }, (_, i) => i + 1);

/** Share of the matched length on the true segments in the true direction; never against a oneway. */
function accuracy(
  g: RoadGraph,
  r: MatchResult,
  segments: ReadonlyArray<{ wayId: number; fromNode: number; toNode: number }>,
) {
  const truth = new Set(segments.map((s) => `${s.wayId}/${s.fromNode}/${s.toNode}`));
  let right = 0;
  for (const p of r.subMatches.flatMap((s) => s.pieces)) {
    const gp = g.pieces[p.edge];
    assert.ok(gp);
    assert.ok(gp.oneway === 0 || gp.oneway === p.direction, `piece ${p.pieceId} driven against its oneway`);
    const key =
      p.direction === 1 ? `${gp.wayId}/${gp.fromNode}/${gp.toNode}` : `${gp.wayId}/${gp.toNode}/${gp.fromNode}`;
    if (truth.has(key)) right += p.lengthM;
  }
  return right / r.matchedLengthM;
}

test('generated drives: >= 99 % of the matched length on the true segments on average, >= 97 % each', async (t) => {
  const scores: number[] = [];
  const paperScores: number[] = [];
  for (const seed of SEEDS) {
    const noise = 5 + (seed % 3) * 5;
    const everyS = [1, 2, 5, 10][seed % 4] as number;
    const drive = await generateDrive({
      outDir: path.join(dir, String(seed)),
      seed,
      video: false,
      gps: { rateHz: 1, whiteSigmaM: noise, biasSigmaM: 2 },
      route: { durationS: 300 },
    });
    const region = `demo-${seed}`;
    await importRoads(db.sql, drive.paths.pbf as string, { region });
    const fixes = drive.plan.fixes.filter((_, i) => i % everyS === 0);
    const g = await loadGraph(db.sql, trackBbox(fixes, 500), { region });
    const score = (sigmaZ: number | undefined): number => {
      const r = matchTrack(g, fixes, sigmaZ === undefined ? {} : { sigmaZ });
      assert.ok(
        r.matchedLengthM > 0.5 * (drive.truth.route.endS - drive.truth.route.startS),
        'most of the drive matched',
      );
      return accuracy(g, r, drive.truth.route.segments);
    };
    // sigma_z estimated from the data (Newson & Krumm 2009 section 4.1, course-aware); and the paper's fixed 4.07 m.
    const s = score(estimateSigmaZ(g, fixes));
    scores.push(s);
    paperScores.push(score(undefined));
    t.diagnostic(`seed ${seed} noise ${noise} m every ${everyS} s: ${(s * 100).toFixed(1)} %`);
  }
  const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
  t.diagnostic(
    `mean ${(mean(scores) * 100).toFixed(1)} % (min ${(Math.min(...scores) * 100).toFixed(1)} %) with estimated sigma_z; ` +
      `${(mean(paperScores) * 100).toFixed(1)} % with sigma_z = 4.07 m`,
  );
  // Before the course term, edge-based U-turn penalty and outlier handling (issue 6): mean 98.2 %, worst 86.5 %.
  assert.ok(mean(scores) >= 0.99, `mean accuracy ${mean(scores)}`);
  assert.ok(Math.min(...scores) >= 0.97, `worst drive ${Math.min(...scores)}`);
});

test('15 m of noise at 1 Hz with stops and GPS jumps: >= 98 % each, no extra length, sigma_z estimated', async (t) => {
  // The paper's matcher scored 74-82 % here and matched 1.35-1.8x the driven length (U-turn detours at stops and
  // jumps), and its nearest-road sigma_z estimate came out 13-19 % low.
  const trueSigma = Math.hypot(15, 2);
  for (const seed of [17, 18, 19, 20]) {
    const drive = await generateDrive({
      outDir: path.join(dir, String(seed)),
      seed,
      video: false,
      gps: { rateHz: 1, whiteSigmaM: 15, biasSigmaM: 2, jumps: { count: 3, distanceM: 60 } },
      route: { durationS: 600 },
    });
    const region = `demo-${seed}`;
    await importRoads(db.sql, drive.paths.pbf as string, { region });
    const fixes = drive.plan.fixes;
    const g = await loadGraph(db.sql, trackBbox(fixes, 500), { region });
    const sigmaZ = estimateSigmaZ(g, fixes);
    assert.ok(sigmaZ !== undefined && Math.abs(sigmaZ / trueSigma - 1) < 0.1, `seed ${seed}: sigma_z ${sigmaZ}`);
    const r = matchTrack(g, fixes, { sigmaZ });
    const a = accuracy(g, r, drive.truth.route.segments);
    const ratio = r.matchedLengthM / drive.truth.route.lengthM;
    t.diagnostic(
      `seed ${seed}: ${(a * 100).toFixed(1)} %, matched/driven ${ratio.toFixed(3)}, ${r.stats.outliers} outliers`,
    );
    assert.ok(a >= 0.98, `seed ${seed}: accuracy ${a}`);
    assert.ok(ratio > 0.9 && ratio < 1.1, `seed ${seed}: matched ${ratio} of the driven length`);
  }
});
