/**
 * bench:fusion: a generated city (several demo towns side by side, long routes cut into drives, >= 100,000
 * observations) fused upload by upload into a fresh database; prints observations per second, the accuracy against
 * the truth (objects seen by >= 3 drives), and the time to fuse one more drive into the full map. Settings as in
 * test/fusion/fuse-upload.test.ts. Last line: one JSON object.
 */
import { fuseUpload } from '../fusion/index.ts';
import { observedObjects, quantile, scoreFeatures, storeDrives } from '../test/fusion/support/store-drives.ts';
import { type SynthData, synthesize } from '../test/fusion/support/synthetic.ts';
import { createTestDatabase } from '../test/support/db.ts';

const TOWNS = Number(process.env.FUSION_BENCH_TOWNS ?? 28);
const DRIVES = 40;
const db = await createTestDatabase();
try {
  // Towns 3 km apart on a 7-row grid (each its own seed and 10 x 8 street grid), 50 km of driving each, 40 drives.
  const towns: SynthData[] = [];
  for (let k = 0; k < TOWNS; k++) {
    towns.push(
      synthesize({
        seed: 11 + k,
        drives: DRIVES,
        lengthM: 50_000,
        mountYawDeg: 5,
        // A 4K dashcam: signs are detectable (>= 12 px) up to ~70 m, so each pass sees them in more frames.
        size: [3840, 2160],
        intervalM: 2,
        network: { cols: 10, rows: 8 },
        origin: { lat: 47.3769 + 0.027 * (k % 7), lon: 8.5417 + 0.04 * Math.floor(k / 7) },
      }),
    );
  }
  const obsTotal = towns.reduce(
    (s, t) => s + t.drives.reduce((a, d) => a + d.frames.reduce((b, f) => b + f.dets.length, 0), 0),
    0,
  );
  console.log(
    `${TOWNS} towns, ${towns.reduce((s, t) => s + t.objects.length, 0)} objects, ${TOWNS * DRIVES} drives, ${obsTotal} detections`,
  );
  const uploads: string[][] = [];
  for (const t of towns)
    uploads.push(await storeDrives(db.sql, t, { drives: Array.from({ length: DRIVES - 1 }, (_, i) => i) }));
  // Interleave towns as uploads would arrive from a city.
  const order = Array.from({ length: DRIVES - 1 }, (_, i) => uploads.map((u) => u[i] as string)).flat();
  let fused = 0;
  const t0 = performance.now();
  for (const id of order) {
    const r = await fuseUpload({ sql: db.sql }, id);
    fused += (r.output?.observations as number) ?? 0;
  }
  const seconds = (performance.now() - t0) / 1000;
  const obsPerS = fused / seconds;
  console.log(
    `fused ${order.length} uploads, ${fused} observations in ${seconds.toFixed(1)} s: ${obsPerS.toFixed(0)} obs/s`,
  );

  // One more drive per town into the full map.
  const oneDrive: number[] = [];
  for (const t of towns) {
    const [id] = await storeDrives(db.sql, t, { drives: [DRIVES - 1] });
    const s = performance.now();
    await fuseUpload({ sql: db.sql }, id as string);
    oneDrive.push((performance.now() - s) / 1000);
  }
  console.log(
    `one new drive (~1.2 km, ~${Math.round(fused / order.length)} observations) into the full map: median ${quantile(oneDrive, 0.5).toFixed(3)} s, max ${Math.max(...oneDrive).toFixed(3)} s`,
  );

  const errors: number[] = [];
  let features = 0;
  let matched = 0;
  let expected = 0;
  let found = 0;
  for (const t of towns) {
    const seen = observedObjects(
      t,
      t.drives.map((_, i) => i),
    );
    const three = new Set([...seen].filter(([, n]) => n >= 3).map(([id]) => id));
    const objs = t.objects.filter((o) => seen.has(o.id));
    const o0 = objs[0];
    if (!o0) continue;
    // Score this town only: features within its box.
    const s = await scoreFeatures(db.sql, objs, { errorObjects: three, within: 0.012 });
    errors.push(...s.errors);
    features += s.features;
    matched += s.matched;
    expected += objs.length;
    found += Math.round(s.recall * objs.length);
  }
  const out = {
    bench: 'fusion',
    obs_per_s: Math.round(obsPerS),
    median_error_m: Number(quantile(errors, 0.5).toFixed(2)),
    p90_error_m: Number(quantile(errors, 0.9).toFixed(2)),
    precision: Number((matched / features).toFixed(3)),
    recall: Number((found / expected).toFixed(3)),
    observations: fused,
    one_drive_s: Number(quantile(oneDrive, 0.5).toFixed(3)),
  };
  console.log(`objects seen by >= 3 drives: ${errors.length}`);
  console.log(JSON.stringify(out));
} finally {
  await db.drop();
}
