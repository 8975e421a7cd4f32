/**
 * bench:match — HMM map matching speed and accuracy on generated drives (ingest/demo, seeds 1..12, 10 min each at
 * 1 Hz, 5-15 m white noise plus 2 m bias). Speed: input fixes per second of matchTrack on one core (graph already
 * loaded, sigma_z estimated per drive outside the timing). Accuracy: share of matched length on the true segments in
 * the true direction, length-weighted over all drives.
 * Last stdout line: {"bench":"match","points_per_s":...,"accuracy":...}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateDrive } from '../ingest/demo/index.ts';
import { estimateSigmaZ, importRoads, loadGraph, matchTrack, trackBbox } from '../roads/index.ts';
import { createScratchDatabase } from './support/scratch-db.ts';

const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);
const REPEAT = 5;

async function main(): Promise<void> {
  const db = await createScratchDatabase({ prefix: 'mapmint_bench_match' });
  const { sql } = db;
  const dir = mkdtempSync(path.join(tmpdir(), 'mapmint-bench-match-'));
  let points = 0;
  let seconds = 0;
  let right = 0;
  let matched = 0;
  try {
    for (const seed of SEEDS) {
      const noise = 5 + (seed % 3) * 5;
      const drive = await generateDrive({
        outDir: path.join(dir, String(seed)),
        seed,
        video: false,
        gps: { rateHz: 1, whiteSigmaM: noise, biasSigmaM: 2 },
        route: { durationS: 600 },
      });
      const region = `demo-${seed}`;
      await importRoads(sql, drive.paths.pbf as string, { region });
      const fixes = drive.plan.fixes;
      const g = await loadGraph(sql, trackBbox(fixes, 500), { region });
      const sigmaZ = estimateSigmaZ(g, fixes);
      const opts = sigmaZ === undefined ? {} : { sigmaZ };
      let r = matchTrack(g, fixes, opts); // warm-up (JIT), not timed
      const t0 = performance.now();
      for (let k = 0; k < REPEAT; k++) r = matchTrack(g, fixes, opts);
      seconds += (performance.now() - t0) / 1000;
      points += fixes.length * REPEAT;
      const truth = new Set(drive.truth.route.segments.map((s) => `${s.wayId}/${s.fromNode}/${s.toNode}`));
      let ok = 0;
      for (const p of r.subMatches.flatMap((s) => s.pieces)) {
        const gp = g.pieces[p.edge];
        if (!gp) continue;
        const key =
          p.direction === 1 ? `${gp.wayId}/${gp.fromNode}/${gp.toNode}` : `${gp.wayId}/${gp.toNode}/${gp.fromNode}`;
        if (truth.has(key)) ok += p.lengthM;
      }
      right += ok;
      matched += r.matchedLengthM;
      console.log(
        `seed ${seed}: ${fixes.length} fixes, noise ${noise} m, accuracy ${((ok / r.matchedLengthM) * 100).toFixed(1)} %`,
      );
    }
  } finally {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    JSON.stringify({
      bench: 'match',
      points_per_s: Math.round(points / seconds),
      accuracy: Number((right / matched).toFixed(4)),
    }),
  );
}

await main();
