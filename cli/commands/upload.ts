import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { canonicalTimeZone, invalid } from '../../core/index.ts';
import type { MapmintClient, Mount, UploadManifest, UploadView } from '../../sdk/index.ts';
import { loadDeviceKey, uploadFiles } from '../../sdk/node.ts';
import { reasonHint } from '../../uploads/index.ts';
import { type DriveGroup, describeGrouping, groupDrives, scanFolders } from '../drive-folder.ts';
import { emit, type GlobalFlags, log, progressLines } from '../output.ts';
import { fileTransferMemory } from '../upload-state.ts';
import { deviceKeyFile } from './device.ts';
import { DEFAULT_SERVER, describeUpload, signedInClient } from './uploads.ts';

/** The options of `upload`. */
interface UploadFlags {
  server: string;
  keystore?: string;
  make: string;
  model: string;
  hfov?: number;
  mount?: string;
  mountYaw?: number;
  startTime?: string;
  timeOffset?: number;
  timezone?: string;
  splitGap: number;
  chunkSize: number;
  dryRun?: boolean;
  wait?: boolean;
}

/** The clock settings of a manifest from the flags: --time-offset seconds, --timezone as its canonical IANA name. */
export function timingFlags(o: { startTime?: string; timeOffset?: number; timezone?: string }) {
  const out: Pick<UploadManifest, 'startTime' | 'timeOffsetMs' | 'timezone'> = {};
  if (o.startTime) out.startTime = o.startTime;
  if (o.timeOffset !== undefined) {
    if (!Number.isFinite(o.timeOffset) || Math.abs(o.timeOffset) > 86_400) {
      throw invalid('invalid_time_offset', '--time-offset takes seconds between -86400 and 86400');
    }
    out.timeOffsetMs = Math.round(o.timeOffset * 1000);
  }
  if (o.timezone !== undefined) {
    const zone = canonicalTimeZone(o.timezone);
    if (!zone) {
      throw invalid(
        'invalid_timezone',
        `--timezone ${JSON.stringify(o.timezone)} is not an IANA time zone: ${reasonHint({ code: 'invalid_timezone' })}`,
      );
    }
    out.timezone = zone;
  }
  return out;
}

/** The camera flags `upload` and `ingest` share. */
export function withCameraFlags(cmd: Command): Command {
  return cmd
    .option('--make <make>', 'camera make', 'unknown')
    .option('--model <model>', 'camera model', 'unknown')
    .option('--hfov <deg>', 'horizontal field of view in degrees', Number);
}

/** The clock flags `upload`, `ingest` and `inspect` share (read by timingFlags). */
export function withClockFlags(cmd: Command): Command {
  return cmd
    .option('--start-time <iso>', 'recording start time, when the files do not carry it')
    .option(
      '--time-offset <seconds>',
      "the video's start minus the track's first fix, seconds (positive: the video started later); overrides every clock",
      Number,
    )
    .option('--timezone <iana>', "the time zone the camera's clock is set to, for cameras that write local time");
}

/** The manifest of every upload of this run, without its files. */
function baseManifest(o: UploadFlags): Omit<UploadManifest, 'files'> {
  return {
    device: {
      make: o.make,
      model: o.model,
      ...(o.hfov !== undefined ? { hfovDeg: o.hfov } : {}),
      // The server checks the value against the manifest schema and answers 400 naming it.
      ...(o.mount ? { mount: o.mount as Mount } : {}),
      ...(o.mountYaw !== undefined ? { mountYawDeg: o.mountYaw } : {}),
    },
    ...timingFlags(o),
  };
}

/** The drives to upload: the files given as one drive, or each folder's clips grouped by time. */
async function plan(
  paths: string[],
  timezone: string | undefined,
  splitGapMin: number,
): Promise<{ drives: DriveGroup[]; grouped: boolean }> {
  const dirs = await Promise.all(paths.map(async (p) => (await stat(p).catch(() => undefined))?.isDirectory()));
  if (!dirs.some(Boolean)) {
    return { drives: [{ clips: [], startMs: undefined, endMs: undefined, bytes: 0, files: paths }], grouped: false };
  }
  const scan = await scanFolders(paths, timezone);
  const drives = groupDrives(scan.clips, splitGapMin * 60_000);
  // On stderr, also with --json: the driver sees how the card was cut before the first byte is sent.
  log(describeGrouping(drives, scan.skipped));
  for (const [i, d] of drives.entries()) {
    const seen = new Map<string, string>();
    for (const file of d.files) {
      const other = seen.get(path.basename(file));
      // A manifest names files by base name: two of one name in a drive would be refused by the server.
      if (other) {
        throw invalid(
          'duplicate_clip_name',
          `drive ${i + 1} has two files named ${path.basename(file)} (${other} and ${file}): upload those folders separately`,
        );
      }
      seen.set(path.basename(file), file);
    }
  }
  return { drives, grouped: true };
}

/** Uploads each drive in turn with its own progress line, resuming files a killed run left half sent. */
async function sendDrives(
  client: MapmintClient,
  drives: DriveGroup[],
  o: UploadFlags,
  f: GlobalFlags,
): Promise<UploadView[]> {
  const me = await client.get<{ address: string }>('/v1/me');
  const memory = fileTransferMemory(client.baseUrl, me.address);
  // Signed by this machine's device key when `mapmint device register` made one.
  const signer = await loadDeviceKey(deviceKeyFile());
  const base = baseManifest(o);
  const labels = drives.map((_, i) => (drives.length > 1 ? `drive ${i + 1}/${drives.length}` : 'uploading'));
  const bars = progressLines(f, labels);
  const started = Date.now();
  const out: UploadView[] = [];
  try {
    for (const [i, d] of drives.entries()) {
      const up = await uploadFiles(client, d.files, base, {
        memory,
        signer,
        send: { chunkSize: Math.round(o.chunkSize * 1024 * 1024) },
        onProgress: (e) => bars.update(i, e.sent, e.total, e.file),
      });
      out.push(up);
    }
  } finally {
    bars.stop();
  }
  for (const up of out) {
    // The same files declared again return the earlier upload: flags given now do not change a finished one.
    if (Date.parse(up.createdAt) < started && (up.status === 'quarantined' || up.status === 'done')) {
      log(`upload ${up.id} has these files already and is ${up.status}; this run changed nothing about it`);
    }
  }
  if (!o.wait) return out;
  return Promise.all(out.map((u) => client.waitFor(u.id, (x) => x.status !== 'receiving' && x.status !== 'received')));
}

/** `upload <paths...>`: files as one drive, or camera folders as one upload per drive. */
export function registerUpload(program: Command, flags: () => GlobalFlags): void {
  const cmd = program
    .command('upload <paths...>')
    .description(
      "upload a drive resumably: files as one drive, or a camera's folder (SD card) as one upload per drive, clips grouped by time",
    )
    .option('-s, --server <url>', 'server URL (default MAPMINT_SERVER or http://127.0.0.1:8787)', DEFAULT_SERVER)
    .option('--keystore <file>', 'encrypted wallet keystore (password in MAPMINT_KEYSTORE_PASSWORD)');
  withClockFlags(withCameraFlags(cmd))
    .option('--mount <mount>', 'windshield, dashboard, roof, handlebar, helmet, handheld, other')
    .option('--mount-yaw <deg>', 'camera yaw relative to the vehicle heading', Number)
    .option('--split-gap <minutes>', 'folders: start a new drive after a pause longer than this', Number, 5)
    .option('--chunk-size <MB>', 'bytes per request: smaller loses less on a flaky link', Number, 8)
    .option('--dry-run', 'folders: print how the clips group into drives, upload nothing')
    .option('--wait', 'wait until processing leaves the received state')
    .action(async (paths: string[], o: UploadFlags) => {
      const f = flags();
      if (!(o.splitGap >= 0) || !(o.chunkSize > 0))
        throw invalid('invalid_option', '--split-gap and --chunk-size take positive numbers');
      // Bad flags are refused before a whole SD card is read.
      const timing = timingFlags(o);
      const { drives, grouped } = await plan(paths, timing.timezone, o.splitGap);
      if (o.dryRun) {
        emit(
          f,
          { drives: drives.map((d) => summary(d)) },
          () => `${drives.length} drive(s); nothing uploaded (--dry-run)`,
        );
        return;
      }
      const client = await signedInClient(o.server, o.keystore);
      const uploads = await sendDrives(client, drives, o, f);
      if (!grouped) {
        const up = uploads[0]!;
        emit(f, up, () => describeUpload(up));
        return;
      }
      emit(f, { drives: drives.map((d, i) => ({ ...summary(d), upload: uploads[i] })) }, () =>
        uploads.map((u, i) => `drive ${i + 1}: ${describeUpload(u)}`).join('\n'),
      );
    });
}

/** A drive as --json shows it. */
function summary(d: DriveGroup) {
  return {
    start: d.startMs === undefined ? null : new Date(d.startMs).toISOString(),
    end: d.endMs === undefined ? null : new Date(d.endMs).toISOString(),
    bytes: d.bytes,
    clips: d.clips.map((c) => ({
      video: path.basename(c.video),
      sidecars: c.sidecars.map((s) => path.basename(s)),
      start: c.startMs === undefined ? null : new Date(c.startMs).toISOString(),
      timeFrom: c.timeFrom,
    })),
  };
}
