/**
 * Data for the browser tests, written through the real code where the pipeline allows it: road pieces, drives and
 * frames from the tiler's seeded synthetic city (test/tiler/support/dataset.ts), booked by the real rewards code,
 * tiles from the real tiler. Two steps stand in for stages the tests do not run: coverage/upload_matches rows for
 * the road pieces whose midpoint lies within 10 m of each accepted track (what roads.match writes), and map features with supporting
 * detections (what vision + fusion write), whose frames and crops are JPEGs drawn with sharp: a street scene with
 * the sign painted in, and the crop cut from it as vision's saveCrop does (box padded by 20 %).
 */

import sharp from 'sharp';
import type { Sql } from '../../../db/index.ts';
import type { StageContext } from '../../../queue/index.ts';
import { bookUpload, DEFAULT_REWARDS } from '../../../rewards/index.ts';
import type { BlobStore } from '../../../storage/index.ts';
import { buildTiles } from '../../../tiler/index.ts';
import { insertDrives, insertSegments, syntheticCity } from '../../tiler/support/dataset.ts';

/** What the seeded data contains, for the tests' assertions. */
export interface WebData {
  uploads: { accepted: string[]; quarantined: string };
  /** Candidate features waiting for review, in insertion order. */
  candidates: { id: number; class: string; value: string | null; lon: number; lat: number }[];
  confirmed: { id: number; lon: number; lat: number };
  /** Low-score detections that support no feature (review items of kind `detection`). */
  loneDetections: number[];
  center: [number, number];
}

const W = 960;
const H = 540;

/** The SVG of a sign class, drawn into a `size`-pixel square. */
function signSvg(cls: string, value: string | null, size: number): string {
  const r = size / 2;
  if (cls === 'regulatory--stop') {
    const pts = Array.from({ length: 8 }, (_, i) => {
      const a = Math.PI / 8 + (i * Math.PI) / 4;
      return `${r + r * 0.95 * Math.cos(a)},${r + r * 0.95 * Math.sin(a)}`;
    }).join(' ');
    return `<polygon points="${pts}" fill="#c8102e" stroke="#fff" stroke-width="${size / 20}"/>
      <text x="${r}" y="${r + size / 9}" font-size="${size / 3.6}" font-family="sans-serif" font-weight="bold" fill="#fff" text-anchor="middle">STOP</text>`;
  }
  if (cls === 'speed-limit') {
    return `<circle cx="${r}" cy="${r}" r="${r * 0.95}" fill="#fff" stroke="#c8102e" stroke-width="${size / 9}"/>
      <text x="${r}" y="${r + size / 7}" font-size="${size / 2.6}" font-family="sans-serif" font-weight="bold" fill="#111" text-anchor="middle">${value ?? ''}</text>`;
  }
  if (cls === 'traffic-light') {
    return `<rect x="${r * 0.5}" y="0" width="${r}" height="${size}" rx="${size / 10}" fill="#222"/>
      ${['#e33', '#eb3', '#3c3'].map((c, i) => `<circle cx="${r}" cy="${size * (0.2 + 0.3 * i)}" r="${size / 9}" fill="${c}"/>`).join('')}`;
  }
  return `<rect x="${size * 0.3}" y="${size * 0.1}" width="${size * 0.4}" height="${size * 0.85}" rx="${size / 8}" fill="#b42318"/>`;
}

/** A blurred-looking street frame with the sign at `box`, and the review crop cut from it. */
export async function frameWithSign(
  cls: string,
  value: string | null,
  box: { x: number; y: number; size: number },
  seed: number,
): Promise<{ frame: Buffer; crop: Buffer }> {
  const hue = (seed * 47) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl(${hue},45%,78%)"/><stop offset="1" stop-color="#eef"/></linearGradient></defs>
    <rect width="${W}" height="${H}" fill="url(#sky)"/>
    <rect y="${H * 0.55}" width="${W}" height="${H * 0.45}" fill="#6b6f76"/>
    <polygon points="${W * 0.45},${H * 0.55} ${W * 0.55},${H * 0.55} ${W * 0.9},${H} ${W * 0.1},${H}" fill="#4a4d52"/>
    <rect x="${W * 0.49}" y="${H * 0.6}" width="${W * 0.02}" height="${H * 0.4}" fill="#eee"/>
    <rect x="${box.x + box.size / 2 - 3}" y="${box.y + box.size}" width="6" height="${H * 0.55 - box.y}" fill="#888"/>
    <g transform="translate(${box.x},${box.y})">${signSvg(cls, value, box.size)}</g>
  </svg>`;
  const frame = await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
  const pad = Math.round(box.size * 0.2);
  const left = Math.max(0, box.x - pad);
  const top = Math.max(0, box.y - pad);
  const crop = await sharp(frame)
    .extract({
      left,
      top,
      width: Math.min(W - left, box.size + 2 * pad),
      height: Math.min(H - top, box.size + 2 * pad),
    })
    .jpeg({ quality: 90 })
    .toBuffer();
  return { frame, crop };
}

const CANDIDATES: { class: string; value: string | null }[] = [
  { class: 'regulatory--stop', value: null },
  { class: 'speed-limit', value: '50' },
  { class: 'traffic-light', value: null },
  { class: 'regulatory--stop', value: null },
  { class: 'fire-hydrant', value: null },
];

/** Seeds roads, the driver's drives (two accepted, one quarantined), coverage, rewards, features, and tiles. */
export async function seedWebData(
  ctx: { sql: Sql; blobs: BlobStore; tilesDir: string },
  driverContributorId: string,
): Promise<WebData> {
  const { sql, blobs } = ctx;
  const city = syntheticCity({ segments: 900, frames: 360, drives: 3, seed: 23 });
  await insertSegments(sql, city.segments);
  await insertDrives(sql, city.drives);
  const [a, b, q] = city.drives.map((d) => d.uploadId) as [string, string, string];
  const accepted = { verdict: 'accepted', reasons: [], stats: {} };
  await sql`update uploads set contributor_id = ${driverContributorId}, validation = ${sql.json(accepted)}
            where id in ${sql([a, b])}`;
  const reason = {
    code: 'gps_teleport',
    message: 'the GPS position jumps 480 m in 1 s at 01:00:12: the track cannot be trusted',
  };
  await sql`update uploads set contributor_id = ${driverContributorId}, status = 'quarantined',
              reasons = ${sql.json([reason])},
              validation = ${sql.json({ verdict: 'rejected', reasons: [{ ...reason, severity: 'error' }], stats: {} })}
            where id = ${q}`;

  // Stand-in for roads.match: the pieces whose midpoint is within 10 m of each accepted track, in driving order.
  for (const id of [a, b]) {
    await sql`
      with m as (
        select s.id as segment_id, s.length_m, t.started_at,
          row_number() over (order by ST_LineLocatePoint(ST_Force2D(t.geom), ST_Centroid(s.geom)), s.id) as seq
        from tracks t join road_segments s
          on ST_DWithin(ST_LineInterpolatePoint(s.geom, 0.5)::geography, ST_Force2D(t.geom)::geography, 10)
        where t.upload_id = ${id})
      insert into upload_matches (upload_id, seq, sub_match, segment_id, direction, from_frac, to_frac, length_m,
        entered_at, exited_at)
      select ${id}, seq, 0, segment_id, 1, 0, 1, length_m, started_at + seq * interval '5 s',
        started_at + (seq + 1) * interval '5 s' from m`;
    await sql`insert into coverage (upload_id, segment_id, fraction, covered_at, counted)
      select upload_id, segment_id, 0.95, entered_at, true from upload_matches where upload_id = ${id}`;
    const stage = { sql, blobs, queue: { send: async () => null } } as unknown as StageContext;
    await bookUpload(stage, id, DEFAULT_REWARDS);
  }

  // Features beside drive frames, each seen in three frames (two from one drive, one from the other when it can).
  const frames = await sql<{ id: number; upload_id: string; lon: number; lat: number; heading: number; at: Date }[]>`
    select id::float8 as id, upload_id, ST_X(geom) as lon, ST_Y(geom) as lat, heading_deg as heading, captured_at as at
    from frames where upload_id in ${sql([a, b])} order by upload_id, idx`;
  const byDrive = [frames.filter((f) => f.upload_id === a), frames.filter((f) => f.upload_id === b)];
  const candidates: WebData['candidates'] = [];
  let seed = 1;
  const addDetection = async (
    frame: (typeof frames)[number],
    cls: string,
    value: string | null,
    score: number,
  ): Promise<number> => {
    const size = 70 + ((seed * 13) % 50);
    const box = { x: 560 + ((seed * 37) % 250), y: 90 + ((seed * 23) % 120), size };
    const img = await frameWithSign(cls, value, box, seed++);
    const frameKey = (await blobs.putBuffer(img.frame)).key;
    const cropKey = (await blobs.putBuffer(img.crop)).key;
    await sql`update frames set blob_key = ${frameKey}, width = ${W}, height = ${H} where id = ${frame.id}`;
    const [d] = await sql<{ id: number }[]>`
      insert into detections (frame_id, model_id, model_version, idx, class, model_class, score, x1, y1, x2, y2, value,
        crop_blob_key)
      values (${frame.id}, 'web-test', '1', 0, ${cls}, ${cls}, ${score}, ${box.x}, ${box.y}, ${box.x + size},
        ${box.y + size}, ${value}, ${cropKey})
      returning id::float8 as id`;
    return d!.id;
  };
  const placeFeature = async (k: number, cls: string, value: string | null, status: string, confidence: number) => {
    const drive = byDrive[k % 2]!;
    const i = Math.min(drive.length - 3, 15 + k * 17);
    const f0 = drive[i]!;
    // 8 m to the right of the camera (heading + 90 degrees).
    const rad = ((f0.heading + 90) * Math.PI) / 180;
    const lon = f0.lon + (8 * Math.sin(rad)) / (111_320 * Math.cos((f0.lat * Math.PI) / 180));
    const lat = f0.lat + (8 * Math.cos(rad)) / 111_320;
    const [feat] = await sql<{ id: number }[]>`
      insert into map_features (class, value, confidence, status, first_seen_at, last_seen_at, geom, position_sigma_m,
        observation_count, drive_count, mean_score)
      values (${cls}, ${value}, ${confidence}, ${status}, ${f0.at}, ${f0.at}, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326),
        1.5, 3, 1, ${confidence}) returning id::float8 as id`;
    for (const f of [drive[i]!, drive[i + 1]!, drive[i + 2]!]) {
      const det = await addDetection(f, cls, value, 0.55 + 0.1 * ((seed % 4) / 4));
      await sql`insert into feature_observations (detection_id, feature_id, upload_id, captured_at, camera_lon,
          camera_lat, bearing_deg, bearing_sigma_deg, range_m, range_sigma_m, position_sigma_m, score, value)
        values (${det}, ${feat!.id}, ${f.upload_id}, ${f.at}, ${f.lon}, ${f.lat}, ${f.heading + 90}, 3, 8, 2, 1.5, 0.6,
          ${value})`;
    }
    await sql`insert into map_feature_versions (feature_id, version, valid_from, class, value, status, confidence,
        removal_probability, geom, upload_id, reason)
      select id, 1, first_seen_at, class, value, status, confidence, 0, geom, ${f0.upload_id}, 'test seed'
      from map_features where id = ${feat!.id}`;
    return { id: feat!.id, lon, lat };
  };
  for (const [k, c] of CANDIDATES.entries()) {
    const p = await placeFeature(k, c.class, c.value, 'candidate', 0.62 - k * 0.03);
    candidates.push({ ...p, class: c.class, value: c.value });
  }
  const confirmed = await placeFeature(CANDIDATES.length, 'regulatory--stop', null, 'confirmed', 0.93);
  const loneDetections = [
    await addDetection(byDrive[0]![40]!, 'regulatory--stop', null, 0.41),
    await addDetection(byDrive[1]![40]!, 'speed-limit', '30', 0.38),
  ];
  await buildTiles(sql, { out: ctx.tilesDir, minZoom: 10, maxZoom: 16, workers: 2 });
  const f = byDrive[0]![15]!;
  return {
    uploads: { accepted: [a, b], quarantined: q },
    candidates,
    confirmed,
    loneDetections,
    center: [f.lon, f.lat],
  };
}
