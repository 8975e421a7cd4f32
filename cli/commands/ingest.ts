import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import {
  countFrames,
  type DriveFile,
  loadDrive,
  sampleUpload,
  validateTrack,
  validateUpload,
  verifyUpload,
} from '../../ingest/index.ts';
import { declareFiles, describeFile } from '../../sdk/node.ts';
import { acceptFile, createUpload, ensureContributor, getUpload, reasonHint } from '../../uploads/index.ts';
import { openRuntime, sharedPrivacy } from '../../worker/index.ts';
import { emit, type GlobalFlags, progressBar } from '../output.ts';
import { localWallet } from '../wallet.ts';
import { timingFlags, withCameraFlags, withClockFlags } from './upload.ts';
import { describeUpload } from './uploads.ts';

/** The files given on the command line as a drive: roles from their names, `--track` as the sidecar track. */
function driveFiles(files: string[], track?: string): DriveFile[] {
  const all = track ? [...files, track] : files;
  return all.map((f) => ({
    path: f,
    name: path.basename(f),
    role: f === track ? 'track' : describeFile(f).role,
  }));
}

/** A one-screen summary of an inspection. */
function describeInspection(r: Awaited<ReturnType<typeof inspect>>): string {
  const t = r.track;
  const lines = [
    `track from ${r.trackFrom} (${t.format}): ${t.points} points, ${t.start} .. ${t.end}`,
    `  bbox ${t.bbox.map((x) => x.toFixed(6)).join(', ')}, length ${Math.round(t.lengthM)} m`,
    ...r.videos.map(
      (v) =>
        `video ${v.name}: ${v.durationS.toFixed(1)} s, ${v.fps.toFixed(2)} fps, ${v.width}x${v.height}, t0 ${v.t0} (${v.alignedBy})`,
    ),
    `verdict: ${r.verdict}`,
    ...r.reasons.flatMap((f) => {
      const hint = f.severity === 'reject' ? reasonHint(f) : undefined;
      return [`  [${f.severity}] ${f.code}: ${f.message}`, ...(hint ? [`    what to do: ${hint}`] : [])];
    }),
  ];
  return lines.join('\n');
}

/** Parses and validates without storing anything. */
async function inspect(files: string[], o: ClockFlags & { track?: string }) {
  const drive = await loadDrive(driveFiles(files, o.track), timingFlags(o));
  const pts = drive.track.points;
  const video = drive.videos[0]
    ? { startMs: drive.videos[0].align.t0Ms, durationS: drive.videos[0].probe.durationS }
    : undefined;
  const report = validateTrack(drive.track, video ? { video } : {});
  const lats = pts.map((p) => p.lat);
  const lons = pts.map((p) => p.lon);
  const times = pts.map((p) => p.t).filter(Number.isFinite);
  // reduce, not Math.min(...xs): a spread of 130,000+ values (a 2-hour 18 Hz GoPro track) overflows the stack.
  const min = (xs: number[]) => xs.reduce((a, b) => Math.min(a, b));
  const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b));
  return {
    trackFrom: drive.trackFrom,
    track: {
      format: drive.track.format,
      points: pts.length,
      start: times.length ? new Date(min(times)).toISOString() : null,
      end: times.length ? new Date(max(times)).toISOString() : null,
      bbox: pts.length ? [min(lons), min(lats), max(lons), max(lats)] : [],
      lengthM: report.stats.lengthM,
    },
    videos: drive.videos.map((v) => ({
      name: v.name,
      durationS: v.probe.durationS,
      fps: v.probe.fps,
      width: v.probe.width,
      height: v.probe.height,
      t0: new Date(v.align.t0Ms).toISOString(),
      alignedBy: v.align.source,
    })),
    verdict: report.verdict,
    reasons: report.reasons,
    stats: report.stats,
  };
}

/** `inspect` and `ingest`. */
export function registerIngest(program: Command, flags: () => GlobalFlags): void {
  withClockFlags(
    program
      .command('inspect <files...>')
      .description('parse and validate a drive (video, track, images) without storing anything; prints the verdict')
      .option('--track <file>', 'sidecar track (GPX, NMEA, CSV, JSON) for the video or images'),
  ).action(async (files: string[], o: ClockFlags & { track?: string }) => {
    const r = await inspect(files, o);
    emit(flags(), r, () => describeInspection(r));
  });
  withClockFlags(
    withCameraFlags(
      program
        .command('ingest <files...>')
        .description(
          'run the whole ingest locally (store, verify, validate, sample frames) on a video or images; later steps wait for a worker',
        )
        .option('--track <file>', 'sidecar track (GPX, NMEA, CSV, JSON) for the video or images'),
    ),
  ).action(async (files: string[], o: IngestFlags) => ingestLocally(files, o, flags()));
}

/** The clock flags `inspect` and `ingest` share with `upload`. */
type ClockFlags = Parameters<typeof timingFlags>[0];

/** The options of `ingest`. */
interface IngestFlags extends ClockFlags {
  track?: string;
  make: string;
  model: string;
  hfov?: number;
}

type Runtime = Awaited<ReturnType<typeof openRuntime>>;
type Ctx = Pick<Runtime, 'sql' | 'blobs' | 'queue'>;

/** Creates an upload as the local wallet, stores its files, and runs verify, validate and sample on it. */
async function ingestLocally(files: string[], o: IngestFlags, f: GlobalFlags): Promise<void> {
  const all = o.track ? [...files, o.track] : files;
  const rt = await openRuntime();
  const tmp = await mkdtemp(path.join(tmpdir(), 'mapmint-ingest-'));
  try {
    const { who, upload, declared } = await createLocalUpload(rt, all, o);
    const ctx = { sql: rt.sql, blobs: rt.blobs, queue: rt.queue };
    await storeFiles(ctx, upload, { all, declared, tmp });
    await verifyUpload(ctx, upload.id);
    await validateUpload(ctx, upload.id);
    await sampleWithProgress(ctx, upload.id);
    const u = await getUpload(rt.sql, who, upload.id);
    const n = await countFrames(rt.sql, upload.id);
    emit(f, { ...u, frames: n }, () => `${describeUpload(u as never)}\n  frames: ${n}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await rt.close();
  }
}

/** The local wallet as a contributor, and an upload of the files with no size or rate limits. */
async function createLocalUpload(rt: Runtime, all: string[], o: IngestFlags) {
  const wallet = await localWallet();
  const who = { contributorId: await ensureContributor(rt.sql, wallet.address), address: wallet.address };
  const declared = (await declareFiles(all)).map((d, i) => (all[i] === o.track ? { ...d, role: 'track' as const } : d));
  const { upload } = await createUpload(
    rt.sql,
    who,
    {
      device: { make: o.make, model: o.model, ...(o.hfov ? { hfovDeg: o.hfov } : {}) },
      ...timingFlags(o),
      files: declared,
    },
    {
      maxFileBytes: Number.MAX_SAFE_INTEGER,
      maxUploadBytes: Number.MAX_SAFE_INTEGER,
      maxFiles: 100_000,
      uploadsPerHour: 1e9,
    },
  );
  return { who, upload, declared };
}

/** Copies each file not yet received into the scratch folder and hands it to the upload as if it came over tus. */
async function storeFiles(
  ctx: Ctx,
  upload: Awaited<ReturnType<typeof createLocalUpload>>['upload'],
  d: { all: string[]; declared: Array<{ contentType: string }>; tmp: string },
): Promise<void> {
  for (const f of upload.files) {
    if (f.status === 'received') continue;
    const copy = path.join(d.tmp, String(f.idx));
    await copyFile(d.all[f.idx]!, copy);
    await acceptFile(
      ctx,
      {
        uploadId: upload.id,
        idx: f.idx,
        size: f.size,
        sha256: f.sha256,
        contentType: d.declared[f.idx]!.contentType,
        status: f.status,
      },
      copy,
    );
  }
}

/** Samples frames with a progress bar; a quarantined upload has no sampling step to run. */
async function sampleWithProgress(ctx: Ctx, uploadId: string): Promise<void> {
  const bar = progressBar('sampling', ' s of video');
  let started = false;
  const privacy = await sharedPrivacy();
  await sampleUpload(ctx, uploadId, undefined, {
    beforeStore: privacy.beforeStore,
    onProgress: (p) => {
      if (!started) {
        bar.start(Math.ceil(p.total), 0, { detail: '' });
        started = true;
      }
      bar.update(Math.round(p.done));
    },
  })
    .catch((err: unknown) => {
      // A quarantined upload has no sampling step to run; anything else is an error.
      if ((err as { code?: string }).code !== 'bad_transition') throw err;
    })
    .finally(() => bar.stop());
}
