import { Wallet } from 'ethers';
import sharp from 'sharp';
import type { Sql } from '../../../db/index.ts';
import type { BlobStore } from '../../../storage/index.ts';
import type { UploadStatus } from '../../../uploads/index.ts';
import { seedDevice, seedUpload } from '../../support/seed.ts';

export const FRAME_W = 320;
export const FRAME_H = 180;

/** A contributor (checksummed random wallet unless given) with one device; returns its id, address and device. */
export async function driver(sql: Sql, address = Wallet.createRandom().address) {
  const d = await seedDevice(sql, { address, model: 'fixture' });
  return { id: d.contributorId, address, deviceId: d.deviceId };
}

/** An upload (status `done` unless given) of a driver. */
export async function upload(sql: Sql, who: { id: string; deviceId: string }, status: UploadStatus = 'done') {
  const device = { contributorId: who.id, deviceId: who.deviceId, address: '' };
  return (await seedUpload(sql, { device, status })).uploadId;
}

/** A real JPEG: a horizontal gradient seeded by `shade`, with a red block at the detection box. */
export async function frameJpeg(shade: number): Promise<Buffer> {
  const px = Buffer.alloc(FRAME_W * FRAME_H * 3);
  for (let y = 0; y < FRAME_H; y++)
    for (let x = 0; x < FRAME_W; x++) {
      const i = (y * FRAME_W + x) * 3;
      const inBox = x >= 100 && x < 140 && y >= 40 && y < 80;
      px[i] = inBox ? 220 : (x + shade) % 256;
      px[i + 1] = inBox ? 20 : (y * 2 + shade) % 256;
      px[i + 2] = inBox ? 20 : shade % 256;
    }
  return sharp(px, { raw: { width: FRAME_W, height: FRAME_H, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** A frame of an upload at lon/lat with its stored JPEG; returns the frame id and blob key. */
export async function frame(
  sql: Sql,
  blobs: BlobStore,
  uploadId: string,
  at: { idx: number; lon: number; lat: number; t: string },
): Promise<{ id: number; key: string }> {
  const { key } = await blobs.putBuffer(await frameJpeg(at.idx * 37 + uploadId.charCodeAt(0)));
  const [f] = await sql<{ id: number }[]>`
    insert into frames (upload_id, idx, geom, heading_deg, speed_mps, captured_at, blob_key, width, height, quality)
    values (${uploadId}, ${at.idx}, ST_SetSRID(ST_MakePoint(${at.lon}, ${at.lat}), 4326), 90, 10, ${at.t}, ${key},
      ${FRAME_W}, ${FRAME_H}, '{"sharpness": 1, "brightness": 0.5}')
    returning id::float8 as id`;
  return { id: f!.id, key };
}

/** A detection in a frame (box 100,40 - 140,80); with `crop`, a stored crop JPEG as vision writes one. */
export async function detection(
  sql: Sql,
  blobs: BlobStore,
  frameId: number,
  d: { class: string; score: number; value?: string | null; crop?: boolean; idx?: number },
): Promise<number> {
  let crop: string | null = null;
  if (d.crop) {
    const bytes = await sharp(await frameJpeg(frameId))
      .extract({ left: 92, top: 32, width: 56, height: 56 })
      .jpeg()
      .toBuffer();
    crop = (await blobs.putBuffer(bytes)).key;
  }
  const [r] = await sql<{ id: number }[]>`
    insert into detections (frame_id, model_id, model_version, idx, class, model_class, score, x1, y1, x2, y2, value, crop_blob_key)
    values (${frameId}, 'fixture', '1', ${d.idx ?? 0}, ${d.class}, ${d.class}, ${d.score}, 100, 40, 140, 80,
      ${d.value ?? null}, ${crop})
    returning id::float8 as id`;
  return r!.id;
}

/**
 * A candidate map feature supported by the given detections (one observation each), with version 1 recorded, as
 * fusion writes it.
 */
export async function feature(
  sql: Sql,
  f: {
    class: string;
    value?: string | null;
    lon: number;
    lat: number;
    confidence?: number;
    support: ReadonlyArray<{ detectionId: number; uploadId: string; score: number }>;
  },
): Promise<number> {
  const drives = new Set(f.support.map((s) => s.uploadId)).size;
  const [r] = await sql<{ id: number }[]>`
    insert into map_features (class, value, confidence, status, first_seen_at, last_seen_at, geom, position_sigma_m,
      observation_count, drive_count, mean_score)
    values (${f.class}, ${f.value ?? null}, ${f.confidence ?? 0.5}, 'candidate', '2025-03-01T10:00:00Z',
      '2025-03-02T10:00:00Z', ST_SetSRID(ST_MakePoint(${f.lon}, ${f.lat}), 4326), 2, ${f.support.length}, ${drives},
      ${f.support.reduce((s, x) => s + x.score, 0) / Math.max(1, f.support.length)})
    returning id::float8 as id`;
  const id = r!.id;
  for (const s of f.support) {
    await sql`insert into feature_observations (detection_id, feature_id, upload_id, captured_at, camera_lon, camera_lat,
        bearing_deg, bearing_sigma_deg, range_m, range_sigma_m, position_sigma_m, score, value)
      values (${s.detectionId}, ${id}, ${s.uploadId}, '2025-03-01T10:00:00Z', ${f.lon - 0.0002}, ${f.lat}, 90, 2, 15, 3, 3,
        ${s.score}, ${f.value ?? null})`;
  }
  await sql`insert into map_feature_versions (feature_id, version, valid_from, class, value, status, confidence,
      removal_probability, geom, upload_id, reason)
    select id, version, now(), class, value, status, confidence, removal_probability, geom, null, 'fixture'
    from map_features where id = ${id}`;
  return id;
}

/** One drive past a stop sign at lon/lat: an upload with two frames, each with a stored-crop detection. */
export async function drivePast(
  sql: Sql,
  blobs: BlobStore,
  who: { id: string; deviceId: string },
  at: { lon: number; lat: number; cls?: string; score?: number },
) {
  const uploadId = await upload(sql, who);
  const dets: Array<{ detectionId: number; uploadId: string; score: number; frameId: number }> = [];
  for (let i = 0; i < 2; i++) {
    const fr = await frame(sql, blobs, uploadId, {
      idx: i,
      lon: at.lon - 0.0003 + i * 0.0001,
      lat: at.lat,
      t: `2025-03-01T10:00:0${i}Z`,
    });
    const score = (at.score ?? 0.8) - i * 0.05;
    dets.push({
      detectionId: await detection(sql, blobs, fr.id, { class: at.cls ?? 'regulatory--stop', score, crop: true }),
      uploadId,
      score,
      frameId: fr.id,
    });
  }
  return { uploadId, dets };
}
