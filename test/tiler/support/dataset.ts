/**
 * Tiler test data written straight into the real schema: a small fixed dataset for the golden files (hand-placed
 * coordinates in Andorra la Vella, fixed UUIDs and times) and a seeded synthetic city for browser tests and the
 * benchmark (a jittered street grid cut into ~100 m pieces, drives along it, frames along the drives).
 */
import type { Sql } from '../../../db/index.ts';
import { mulberry32 } from '../../support/prng.ts';
import { seedDevice, seedUpload } from '../../support/seed.ts';

type LonLat = [number, number];

/** A road piece to insert. */
export interface SegmentRow {
  id: string;
  coords: LonLat[];
  class: string;
  name: string | null;
}

/** A drive: one upload with its track and frames. */
export interface DriveRow {
  uploadId: string;
  coords: LonLat[];
  startedAt: Date;
  frames: { lon: number; lat: number; heading: number; capturedAt: Date }[];
}

const wkt = (c: LonLat[]) => `LINESTRING(${c.map(([x, y]) => `${x} ${y}`).join(',')})`;
const metres = (a: LonLat, b: LonLat) => {
  const k = 111_320;
  return Math.hypot((b[0] - a[0]) * k * Math.cos((a[1] * Math.PI) / 180), (b[1] - a[1]) * k);
};
const lengthOf = (c: LonLat[]) => c.slice(1).reduce((sum, p, i) => sum + metres(c[i]!, p), 0);

/** Insert road pieces (batched: one statement per 10,000). */
export async function insertSegments(sql: Sql, rows: readonly SegmentRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 10_000) {
    const b = rows.slice(i, i + 10_000);
    await sql`
      insert into road_segments (id, region, way_id, from_node, to_node, piece_index, piece_count, source, target,
        geom, length_m, class, name, oneway, cost, reverse_cost, content_hash)
      select id, 'test', n, n, n + 1, 0, 1, n, n + 1, ST_GeomFromText(w, 4326), len, cls, nm, 0, len, len, id
      from unnest(${b.map((r) => r.id)}::text[], ${b.map((r) => wkt(r.coords))}::text[],
        ${b.map((r) => lengthOf(r.coords))}::float8[], ${b.map((r) => r.class)}::text[],
        ${b.map((r) => r.name) as string[]}::text[]) with ordinality as t(id, w, len, cls, nm, n)`;
  }
}

/** Insert drives: one contributor and device own them all; uploads, tracks (with M = Unix seconds), frames. */
export async function insertDrives(sql: Sql, drives: readonly DriveRow[]): Promise<void> {
  const device = await seedDevice(sql);
  for (const drive of drives) {
    const t0 = drive.startedAt.getTime() / 1000;
    const m = drive.coords.map(([x, y], i) => `${x} ${y} ${t0 + i}`).join(',');
    const endedAt = new Date(drive.startedAt.getTime() + (drive.coords.length - 1) * 1000);
    await seedUpload(sql, { device, id: drive.uploadId, status: 'done' });
    await sql`insert into tracks (upload_id, geom, source_format, point_count, length_m, started_at, ended_at,
        points_blob_key, fingerprint, segments)
      values (${drive.uploadId}, ST_GeomFromText(${`LINESTRING M(${m})`}, 4326), 'gpx', ${drive.coords.length},
        ${lengthOf(drive.coords)}, ${drive.startedAt}, ${endedAt}, 'k', '{}', 1)`;
    const f = drive.frames;
    // Public ids derived from upload and index (not random as in production), so golden tiles stay reproducible.
    await sql`insert into frames (upload_id, idx, geom, heading_deg, captured_at, blob_key, width, height, quality,
        public_id)
      select ${drive.uploadId}, i - 1, ST_SetSRID(ST_MakePoint(lon, lat), 4326), h, at, 'k', 1920, 1080,
        '{"sharpness": 1, "brightness": 0.5}', md5(${drive.uploadId} || ':' || (i - 1))::uuid
      from unnest(${f.map((p) => p.lon)}::float8[], ${f.map((p) => p.lat)}::float8[],
        ${f.map((p) => p.heading)}::float8[], ${f.map((p) => p.capturedAt.toISOString())}::text[]::timestamptz[])
        with ordinality as t(lon, lat, h, at, i)`;
  }
}

/**
 * A fixed stand-in for the coverage summary, shaped as the layer source expects. The real `segment_coverage` is a
 * view over coverage and the ledger (tested end to end in test/rewards); a table takes its place here so the golden
 * tiles have fixed values. Map features go into fusion's real `map_features` table.
 */
export async function useFixedCoverage(sql: Sql): Promise<void> {
  await sql`drop view if exists segment_coverage`;
  await sql`create table segment_coverage (segment_id text primary key, last_covered_at timestamptz not null,
    drives int not null, novel boolean not null)`;
}

const O: LonLat = [1.5211, 42.5063];
const at = (dx: number, dy: number): LonLat => [
  Number((O[0] + dx / (111_320 * Math.cos((O[1] * Math.PI) / 180))).toFixed(7)),
  Number((O[1] + dy / 111_320).toFixed(7)),
];

/** The golden dataset: 4 road pieces and 2 drives (4 frames each) within ~500 m, 2 more pieces ~2.3 km away. */
export function goldenDataset(): { segments: SegmentRow[]; drives: DriveRow[] } {
  const segments: SegmentRow[] = [
    { id: 'seg-a', coords: [at(0, 0), at(100, 0)], class: 'residential', name: 'Carrer Major' },
    { id: 'seg-b', coords: [at(100, 0), at(180, 20), at(260, 0)], class: 'residential', name: 'Carrer Major' },
    { id: 'seg-c', coords: [at(100, 0), at(100, 120)], class: 'primary', name: null },
    { id: 'seg-d', coords: [at(-200, -150), at(-80, -150), at(0, 0)], class: 'tertiary', name: 'Avinguda' },
    { id: 'seg-e', coords: [at(1500, 1800), at(1600, 1800)], class: 'secondary', name: 'Carretera' },
    { id: 'seg-f', coords: [at(1600, 1800), at(1620, 1900)], class: 'service', name: null },
  ];
  const start = new Date('2025-03-01T10:00:00Z');
  const drive = (uploadId: string, pts: LonLat[], minutes: number): DriveRow => ({
    uploadId,
    coords: pts,
    startedAt: new Date(start.getTime() + minutes * 60_000),
    frames: pts.slice(0, 4).map(([lon, lat], i) => ({
      lon,
      lat,
      heading: 90 + 7.5 * i,
      capturedAt: new Date(start.getTime() + minutes * 60_000 + i * 1500 + 250),
    })),
  });
  const drives = [
    drive('00000000-0000-4000-8000-000000000001', [at(-5, 2), at(40, 3), at(95, 2), at(150, 10), at(255, 3)], 0),
    drive('00000000-0000-4000-8000-000000000002', [at(98, -5), at(101, 40), at(99, 80), at(100, 118)], 30),
  ];
  return { segments, drives };
}

/** Rows for the stand-in coverage and feature tables of the golden dataset. */
export async function insertGoldenCoverageAndFeatures(sql: Sql): Promise<void> {
  await sql`insert into segment_coverage values ('seg-a', '2025-03-01T10:00:00Z', 2, true),
    ('seg-c', '2025-02-14T08:00:00Z', 1, false)`;
  const [lon, lat] = at(60, 8);
  await sql`insert into map_features (id, class, value, confidence, status, first_seen_at, last_seen_at, geom,
      position_sigma_m, observation_count, drive_count, mean_score)
    values (1, 'sign', 'stop', 0.875, 'confirmed', '2025-03-01T10:30:00Z', '2025-03-01T10:30:00Z',
      ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), 1, 3, 2, 0.8)`;
}

/** Options of the synthetic city. */
export interface CityOptions {
  segments: number;
  frames: number;
  drives: number;
  seed: number;
  /** Centre of the city; default Milan. */
  center?: LonLat;
}

/** A seeded synthetic city: `segments` street pieces on a jittered grid, `drives` drives carrying `frames` frames. */
export function syntheticCity(o: CityOptions): { segments: SegmentRow[]; drives: DriveRow[] } {
  const rnd = mulberry32(o.seed);
  const c = o.center ?? [9.19, 45.4642];
  const kx = 111_320 * Math.cos((c[1] * Math.PI) / 180);
  const ll = (x: number, y: number): LonLat => [c[0] + x / kx, c[1] + y / 111_320];
  // Streets every `gap` metres both ways over a square of side `side`, cut into 100 m pieces.
  const gap = 80;
  const piece = 100;
  const side = Math.ceil(Math.sqrt((o.segments * gap * piece) / 2) / piece) * piece;
  const lines = Math.floor(side / gap);
  const segments: SegmentRow[] = [];
  const classes = ['residential', 'residential', 'residential', 'tertiary', 'secondary', 'primary'];
  for (let i = 0; i < lines && segments.length < o.segments; i++) {
    const cls = classes[Math.floor(rnd() * classes.length)]!;
    for (const dir of [0, 1]) {
      for (let p = 0; p * piece < side && segments.length < o.segments; p++) {
        const u0 = p * piece - side / 2;
        const v = i * gap - side / 2;
        const mid = u0 + piece / 2 + (rnd() - 0.5) * 20;
        const wob = (rnd() - 0.5) * 6;
        const pts: [number, number][] = [
          [u0, v],
          [mid, v + wob],
          [u0 + piece, v],
        ];
        segments.push({
          id: `s${segments.length}`,
          coords: pts.map(([a, b]) => (dir === 0 ? ll(a, b) : ll(b, a))),
          class: cls,
          name: `Via ${i}`,
        });
      }
    }
  }
  const drives: DriveRow[] = [];
  const perDrive = Math.ceil(o.frames / o.drives);
  for (let d = 0; d < o.drives; d++) {
    const coords: LonLat[] = [];
    let x = (rnd() - 0.5) * side * 0.8;
    let y = (rnd() - 0.5) * side * 0.8;
    let heading = Math.floor(rnd() * 4) * 90;
    const frames: DriveRow['frames'] = [];
    const startedAt = new Date(Date.UTC(2025, 2, 1) + d * 3_600_000);
    for (let k = 0; k < perDrive && d * perDrive + k < o.frames; k++) {
      if (rnd() < 0.03) heading = (heading + (rnd() < 0.5 ? 90 : 270)) % 360;
      x = Math.max(-side / 2, Math.min(side / 2, x + 10 * Math.sin((heading * Math.PI) / 180)));
      y = Math.max(-side / 2, Math.min(side / 2, y + 10 * Math.cos((heading * Math.PI) / 180)));
      const [lon, lat] = ll(x + (rnd() - 0.5) * 3, y + (rnd() - 0.5) * 3);
      coords.push([lon, lat]);
      frames.push({ lon, lat, heading, capturedAt: new Date(startedAt.getTime() + k * 1000) });
    }
    if (coords.length < 2) break;
    const id = `00000000-0000-4000-9000-${String(d + 1).padStart(12, '0')}`;
    drives.push({ uploadId: id, coords, startedAt, frames });
  }
  return { segments, drives };
}
