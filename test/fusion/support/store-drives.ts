import type { Sql } from '../../../db/index.ts';
import type { DemoObject } from '../../../demo/index.ts';
import { localFrame } from '../../../fusion/index.ts';
import { type SeededDevice, seedDevice, seedUpload } from '../../support/seed.ts';
import type { SynthData, SynthDrive } from './synthetic.ts';

/** Inserts one contributor + device for the data set and one upload per drive; returns the upload ids in order. */
export async function storeDrives(
  sql: Sql,
  data: SynthData,
  opts: { shuffle?: () => number; drives?: number[] } = {},
): Promise<string[]> {
  const device = await seedDevice(sql, { model: 'synthetic', ...data.camera });
  const ids: string[] = [];
  for (const k of opts.drives ?? data.drives.map((_, i) => i))
    ids.push(await storeDrive(sql, device, data.drives[k] as SynthDrive, data, opts.shuffle));
  return ids;
}

async function storeDrive(
  sql: Sql,
  device: SeededDevice,
  drive: SynthDrive,
  data: SynthData,
  shuffle?: () => number,
): Promise<string> {
  const { uploadId: id } = await seedUpload(sql, { device, status: 'processing' });
  const order = drive.frames.map((_, i) => i);
  if (shuffle) order.sort(() => shuffle() - 0.5);
  for (let s = 0; s < order.length; s += 4000) {
    const b = order.slice(s, s + 4000).map((i) => ({ i, f: drive.frames[i]! }));
    const frameIds = await sql<Array<{ id: string; idx: number }>>`
      insert into frames (upload_id, idx, geom, heading_deg, speed_mps, captured_at, blob_key, width, height, quality)
      select ${id}, idx, ST_SetSRID(ST_MakePoint(lon, lat), 4326), h, v, to_timestamp(t / 1000.0), 'synthetic', ${data.camera.width},
        ${data.camera.height}, '{"sharpness": 1, "brightness": 0.5}'
      from unnest(${b.map((x) => x.i)}::int[], ${b.map((x) => x.f.lon)}::float8[], ${b.map((x) => x.f.lat)}::float8[],
        ${b.map((x) => x.f.headingDeg)}::float8[], ${b.map((x) => x.f.speedMps)}::float8[], ${b.map((x) => x.f.t)}::float8[]) as t(idx, lon, lat, h, v, t)
      returning id, idx`;
    const fid = new Map(frameIds.map((r) => [r.idx, r.id]));
    const dets = b.flatMap((x) => x.f.dets.map((det, j) => ({ frame: fid.get(x.i)!, j, det })));
    if (shuffle) dets.sort(() => shuffle() - 0.5);
    if (dets.length === 0) continue;
    await sql`insert into detections (frame_id, model_id, model_version, idx, class, model_class, score, x1, y1, x2, y2, value)
      select f, 'synthetic', '1', j, c, c, s, x1, y1, x2, y2, v
      from unnest(${dets.map((x) => x.frame)}::bigint[], ${dets.map((x) => x.j)}::int[], ${dets.map((x) => x.det.class)}::text[],
        ${dets.map((x) => x.det.score)}::float8[], ${dets.map((x) => x.det.box[0])}::float8[], ${dets.map((x) => x.det.box[1])}::float8[],
        ${dets.map((x) => x.det.box[2])}::float8[], ${dets.map((x) => x.det.box[3])}::float8[],
        ${dets.map((x) => x.det.value) as string[]}::text[]) as t(f, j, c, s, x1, y1, x2, y2, v)`;
  }
  return id;
}

/** Accuracy of the fused map against the truth. */
export interface Score {
  features: number;
  matched: number;
  precision: number;
  recall: number;
  errors: number[];
  median: number;
  p90: number;
}

/** The q-quantile of numbers (linear between ranks); NaN when empty. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
}

/**
 * Matches live features (not rejected or probably removed) to true objects of the same class, nearest first
 * within `maxM`, one to one. Recall counts the `expected` objects; errors are those of `errorObjects` (default all).
 */
export async function scoreFeatures(
  sql: Sql,
  expected: readonly DemoObject[],
  opts: { maxM?: number; errorObjects?: ReadonlySet<string>; within?: number } = {},
): Promise<Score> {
  // With `within` (degrees), only features within that margin of the expected objects' box count (one town of many).
  const m = opts.within ?? 360;
  const lats = expected.map((o) => o.lat);
  const lons = expected.map((o) => o.lon);
  const box = [Math.min(...lons) - m, Math.min(...lats) - m, Math.max(...lons) + m, Math.max(...lats) + m];
  const feats = await sql<Array<{ id: string; class: string; lat: number; lon: number }>>`
    select id, class, ST_Y(geom) as lat, ST_X(geom) as lon from map_features where status in ('candidate', 'confirmed')
      and geom && ST_MakeEnvelope(${box[0]!}, ${box[1]!}, ${box[2]!}, ${box[3]!}, 4326)`;
  const o0 = expected[0];
  const f = localFrame(o0?.lat ?? 0, o0?.lon ?? 0);
  const pairs: Array<{ d: number; fi: number; oi: number }> = [];
  feats.forEach((ft, fi) => {
    const [x, y] = f.toXY(ft.lat, ft.lon);
    expected.forEach((ob, oi) => {
      if (ob.class !== ft.class) return;
      const [ox, oy] = f.toXY(ob.lat, ob.lon);
      const d = Math.hypot(x - ox, y - oy);
      if (d <= (opts.maxM ?? 10)) pairs.push({ d, fi, oi });
    });
  });
  pairs.sort((a, b) => a.d - b.d);
  const usedF = new Set<number>();
  const usedO = new Set<number>();
  const errors: number[] = [];
  for (const p of pairs) {
    if (usedF.has(p.fi) || usedO.has(p.oi)) continue;
    usedF.add(p.fi);
    usedO.add(p.oi);
    if (!opts.errorObjects || opts.errorObjects.has(expected[p.oi]!.id)) errors.push(p.d);
  }
  return {
    features: feats.length,
    matched: usedF.size,
    precision: feats.length ? usedF.size / feats.length : 0,
    recall: expected.length ? usedO.size / expected.length : 0,
    errors,
    median: quantile(errors, 0.5),
    p90: quantile(errors, 0.9),
  };
}

/** Objects detected at least `min` times in each of at least `drives` drives (what fusion can be expected to find). */
export function observedObjects(data: SynthData, drives: readonly number[], min = 3): Map<string, number> {
  const n = new Map<string, number>();
  for (const k of drives) {
    const per = new Map<string, number>();
    for (const fr of data.drives[k]?.frames ?? [])
      for (const d of fr.dets) if (d.truth) per.set(d.truth, (per.get(d.truth) ?? 0) + 1);
    for (const [id, c] of per) if (c >= min) n.set(id, (n.get(id) ?? 0) + 1);
  }
  return n;
}
