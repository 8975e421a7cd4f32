/**
 * The small generated drive the end-to-end ingest tests share: 25 s from a stop sign, GPS at 5 Hz, a 320x180 10 fps
 * video (fast to decode, enough frames to sample), and no road extract.
 */
import path from 'node:path';
import { type DemoDrive, generateDrive } from '../../demo/index.ts';

/** The demo device the tests declare for it. */
export const SMALL_DRIVE_DEVICE = { make: 'mapmint', model: 'demo', hfovDeg: 115, mount: 'windshield' as const };

/** Renders the small drive for `seed` into `dir`/drive. */
export function smallDrive(dir: string, seed: number): Promise<DemoDrive> {
  return generateDrive({
    outDir: path.join(dir, 'drive'),
    seed,
    pbf: false,
    route: { durationS: 25, start: 'stop-sign' },
    gps: { rateHz: 5 },
    video: { width: 320, height: 180, fps: 10 },
  });
}
