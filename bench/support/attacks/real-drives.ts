/**
 * The real recordings of ../shared/data through the same pipeline as the attacks: none of them is an attack, so a
 * quarantine of one that carries GPS is a false alarm of the defences, counted as wrongly quarantined, unless it is a
 * missing-data refusal (see MISSING_DATA). Clips without any GPS cannot earn and must be refused (quarantined for the
 * missing track); that is correct, not counted.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SHARED_DATA } from '../../../test/support/shared-data.ts';
import { type Outcome, openWorld, type WorldOptions } from './world.ts';

/** One real recording: its files under ../shared/data, and whether it carries GPS. */
export interface RealDrive {
  name: string;
  files: string[];
  gps: boolean;
  what: string;
  /** What the uploader states besides the files (KITTI's video has no clock of its own). */
  startTime?: () => string;
}

/** KITTI's recording start: the first line of frames_timestamps.txt, read as UTC (see the drive's README). */
function kittiStart(): string {
  const file = path.join(SHARED_DATA, 'drives/kitti_2011_09_26_drive_0001/frames_timestamps.txt');
  const first = readFileSync(file, 'utf8').split('\n')[0]!.trim();
  return `${first.replace(' ', 'T')}Z`;
}

/** The real recordings with video. */
export const REAL_DRIVES: readonly RealDrive[] = [
  {
    name: 'kitti_2011_09_26_drive_0001',
    files: ['drives/kitti_2011_09_26_drive_0001/video.mp4', 'drives/kitti_2011_09_26_drive_0001/gps.gpx'],
    gps: true,
    what: 'KITTI car, Karlsruhe: 11 s, 107 m, 10 Hz OXTS GPX; startTime from frames_timestamps.txt',
    startTime: kittiStart,
  },
  {
    name: 'kitti_2011_09_26_drive_0001_unhinted',
    files: ['drives/kitti_2011_09_26_drive_0001/video.mp4', 'drives/kitti_2011_09_26_drive_0001/gps.gpx'],
    gps: true,
    what: 'the same KITTI drive uploaded with nothing but its files: the video has no clock, its motion must place it',
  },
  {
    name: 'gopro_max_heromode',
    files: ['video/gopro_max_heromode.mp4'],
    gps: true,
    what: 'GoPro MAX, embedded GPMF GPS5: 10.5 s, moves ~15 m',
  },
  {
    name: 'gopro_hero5_karma',
    files: ['video/gopro_hero5_karma.mp4'],
    gps: true,
    what: 'GoPro HERO5 on a Karma drone, embedded GPMF (GPRI/GLPI, no GPS5): 12 s flight',
  },
  {
    name: 'udacity_solidWhiteRight',
    files: ['video/dashcam_nogps_udacity_solidWhiteRight.mp4'],
    gps: false,
    what: 'Udacity freeway dashcam, no telemetry',
  },
  {
    name: 'udacity_test_video',
    files: ['video/dashcam_nogps_udacity_test_video.mp4'],
    gps: false,
    what: 'Udacity freeway dashcam, 1.5 s, no telemetry',
  },
];

/**
 * Refusals that accuse nothing: under the minimum any drive must have (5 fixes, 100 m: `too_short`), or a video with
 * no clock that its motion could not place confidently (`video_unaligned`: the uploader can state the start time).
 * They hold for every upload, honest or not, so they are counted apart, not as false alarms.
 */
const MISSING_DATA = new Set(['too_short', 'video_unaligned']);

/** A real recording's outcome and how it counts. */
export interface RealDriveResult {
  drive: RealDrive;
  outcome: Outcome;
  /** Quarantined although it carries GPS and is no attack, for a reason that is no missing-data refusal. */
  wronglyQuarantined: boolean;
  /** Carries GPS but was refused only for missing data (too short, no clock that could be placed). */
  missingData: boolean;
  /** Without GPS, yet not refused: it should have been. */
  wronglyAccepted: boolean;
}

/** Runs every real recording through the pipeline, each in a world of its own (one is uploaded twice, hinted or not). */
export async function runRealDrives(opts: WorldOptions = {}): Promise<RealDriveResult[]> {
  const out: RealDriveResult[] = [];
  for (const drive of REAL_DRIVES) {
    const files = drive.files.map((f) => path.join(SHARED_DATA, f));
    const missing = files.find((f) => !existsSync(f));
    if (missing) throw new Error(`missing shared test data ${missing}: clone ../shared beside the project`);
    const world = await openWorld(undefined, opts);
    try {
      const manifest = drive.startTime ? { startTime: drive.startTime() } : {};
      const outcome = await world.upload(await world.contributor(), files, manifest);
      const quarantined = outcome.status === 'quarantined';
      const missingData = drive.gps && quarantined && outcome.reasons.every((r) => MISSING_DATA.has(r));
      out.push({
        drive,
        outcome,
        wronglyQuarantined: drive.gps && quarantined && !missingData,
        missingData,
        wronglyAccepted: !drive.gps && !quarantined,
      });
    } finally {
      await world.close();
    }
  }
  return out;
}
