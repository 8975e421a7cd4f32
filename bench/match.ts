/**
 * bench:match — HMM map matching speed and accuracy on generated drives with known truth (demo), covering what
 * issue 6 asks for: many seeded drives with realistic noise (sigma 5-15 m), 1-10 s sampling, gaps and GPS jumps.
 * 48 drives of 10 min, two per condition: white noise 5, 10 or 15 m per axis (plus the generator's 2 m Gauss-Markov
 * bias) x a fix every 1, 2, 5 or 10 s (the 1 Hz track thinned) x clean or faulty (two 45 s outages and three bursts
 * of 1-3 fixes thrown 60 m by multipath). Each drive has its own town (seed).
 * Speed: input fixes per second of matchTrack on one core (graph loaded, sigma_z estimated per drive outside the
 * timing). Accuracy: share of the matched length on the true segments in the true direction, length-weighted;
 * coverage: matched length over the true driven length (a matcher that skips the hard parts scores high accuracy
 * and low coverage).
 * Per drive and per condition on stderr. Last stdout line:
 * {"bench":"match","points_per_s":...,"accuracy":...,"coverage":...,"accuracy_by_noise_m":{...},
 *  "accuracy_by_interval_s":{...},"accuracy_clean":...,"accuracy_faulty":...}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateDrive } from '../demo/index.ts';
import {
  estimateSigmaZ,
  importRoads,
  loadGraph,
  type MatchResult,
  matchTrack,
  type RoadGraph,
  trackBbox,
} from '../roads/index.ts';
import { createScratchDatabase } from './support/scratch-db.ts';

const NOISES_M = [5, 10, 15];
const INTERVALS_S = [1, 2, 5, 10];
const REPEAT = 5;

interface Drive {
  seed: number;
  noiseM: number;
  intervalS: number;
  faulty: boolean;
}

/** Drives per condition, each in its own town. */
const PER_CONDITION = 2;

/** Every condition PER_CONDITION times, seeds 1..48 in a fixed order. */
const DRIVES: Drive[] = Array.from({ length: PER_CONDITION }, (_, r) => r).flatMap((r) =>
  [false, true].flatMap((faulty, f) =>
    INTERVALS_S.flatMap((intervalS, i) =>
      NOISES_M.map((noiseM, n) => ({ seed: 1 + n + 3 * i + 12 * f + 24 * r, noiseM, intervalS, faulty })),
    ),
  ),
);

/** Accumulated figures of a group of drives. */
class Tally {
  right = 0;
  matched = 0;
  truth = 0;
  fixes = 0;
  seconds = 0;
  add(o: { right: number; matched: number; truth: number; fixes: number; seconds: number }): void {
    this.right += o.right;
    this.matched += o.matched;
    this.truth += o.truth;
    this.fixes += o.fixes;
    this.seconds += o.seconds;
  }
  get accuracy(): number {
    return this.matched > 0 ? this.right / this.matched : 0;
  }
  get coverage(): number {
    return this.truth > 0 ? this.matched / this.truth : 0;
  }
  line(): string {
    return (
      `accuracy ${(this.accuracy * 100).toFixed(2)} %, coverage ${(this.coverage * 100).toFixed(1)} %, ` +
      `${Math.round(this.fixes / this.seconds)} fixes/s`
    );
  }
}

const round4 = (x: number): number => Number(x.toFixed(4));

/** Matched length on the true segments in the true direction, metres. */
function rightLength(
  g: RoadGraph,
  r: MatchResult,
  segments: ReadonlyArray<{ wayId: number; fromNode: number; toNode: number }>,
): number {
  const truth = new Set(segments.map((s) => `${s.wayId}/${s.fromNode}/${s.toNode}`));
  let right = 0;
  for (const p of r.subMatches.flatMap((s) => s.pieces)) {
    const gp = g.pieces[p.edge];
    if (!gp) continue;
    const key =
      p.direction === 1 ? `${gp.wayId}/${gp.fromNode}/${gp.toNode}` : `${gp.wayId}/${gp.toNode}/${gp.fromNode}`;
    if (truth.has(key)) right += p.lengthM;
  }
  return right;
}

async function main(): Promise<void> {
  const db = await createScratchDatabase({ prefix: 'mapmint_bench_match' });
  const { sql } = db;
  const dir = mkdtempSync(path.join(tmpdir(), 'mapmint-bench-match-'));
  const all = new Tally();
  const groups = new Map<string, Tally>();
  const group = (key: string): Tally => {
    const t = groups.get(key) ?? new Tally();
    groups.set(key, t);
    return t;
  };
  try {
    for (const d of DRIVES) {
      const drive = await generateDrive({
        outDir: path.join(dir, String(d.seed)),
        seed: d.seed,
        video: false,
        gps: {
          rateHz: 1,
          whiteSigmaM: d.noiseM,
          biasSigmaM: 2,
          ...(d.faulty ? { gaps: { count: 2, durationS: 45 }, jumps: { count: 3, distanceM: 60 } } : {}),
        },
        route: { durationS: 600 },
      });
      const region = `demo-${d.seed}`;
      await importRoads(sql, drive.paths.pbf as string, { region });
      const start = drive.plan.startMs;
      const fixes = drive.plan.fixes.filter((f) => Math.round((f.t - start) / 1000) % d.intervalS === 0);
      const g = await loadGraph(sql, trackBbox(fixes, 500), { region });
      const sigmaZ = estimateSigmaZ(g, fixes);
      const opts = sigmaZ === undefined ? {} : { sigmaZ };
      let r = matchTrack(g, fixes, opts); // warm-up (JIT), not timed
      const t0 = performance.now();
      for (let k = 0; k < REPEAT; k++) r = matchTrack(g, fixes, opts);
      const seconds = (performance.now() - t0) / 1000;
      const o = {
        right: rightLength(g, r, drive.truth.route.segments),
        matched: r.matchedLengthM,
        truth: drive.truth.route.lengthM,
        fixes: fixes.length * REPEAT,
        seconds,
      };
      const one = new Tally();
      one.add(o);
      all.add(o);
      group(`noise ${d.noiseM} m`).add(o);
      group(`every ${d.intervalS} s`).add(o);
      group(d.faulty ? 'gaps+jumps' : 'clean').add(o);
      console.error(
        `seed ${d.seed}: noise ${d.noiseM} m, every ${d.intervalS} s, ${d.faulty ? 'gaps+jumps' : 'clean'}, ` +
          `${fixes.length} fixes, sigma_z ${sigmaZ?.toFixed(1) ?? '-'} m, ${r.stats.outliers} outliers: ${one.line()}`,
      );
    }
  } finally {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [k, t] of groups) console.error(`${k}: ${t.line()}`);
  console.error(`all: ${all.line()}`);
  const by = (keys: number[], label: (k: number) => string): Record<string, number> =>
    Object.fromEntries(keys.map((k) => [String(k), round4(group(label(k)).accuracy)]));
  console.log(
    JSON.stringify({
      bench: 'match',
      points_per_s: Math.round(all.fixes / all.seconds),
      accuracy: round4(all.accuracy),
      coverage: round4(all.coverage),
      accuracy_by_noise_m: by(NOISES_M, (k) => `noise ${k} m`),
      accuracy_by_interval_s: by(INTERVALS_S, (k) => `every ${k} s`),
      accuracy_clean: round4(group('clean').accuracy),
      accuracy_faulty: round4(group('gaps+jumps').accuracy),
    }),
  );
}

await main();
