/**
 * The named attacks. Each runs in a world of its own (world.ts): the uploads that set the scene first (an honest
 * contributor's drive that is later copied, a device's earlier drive), then the attack upload, whose verdict and
 * tokens are the scenario's result. Every attack's streets are ones the town's roads hold, so an attack that got
 * through would earn: nothing here earns zero only for lack of a road.
 */
import path from 'node:path';
import type { SuiteDrives } from './drives.ts';
import { writeGpx } from './drives.ts';
import {
  blackVideo,
  reencodedVideo,
  retimed,
  retimedVideo,
  shifted,
  shiftOntoOtherStreets,
  staticVideo,
  stretched,
} from './forge.ts';
import type { Outcome, World } from './world.ts';

/** The scenario names, in the order the suite runs them. */
export const ATTACK_NAMES = [
  'black_video_synthetic_gpx',
  'static_video_synthetic_gpx',
  'real_video_foreign_track',
  'own_track_shifted',
  'own_track_time_warped',
  'replay_reencoded',
  'device_key_two_contributors',
  'device_key_two_places',
  'retimed_copy',
] as const;

/** One attack's name. */
export type AttackName = (typeof ATTACK_NAMES)[number];

/** What a scenario hands back: the uploads that set the scene (each must be honest and earn) and the attack's. */
export interface ScenarioRun {
  setup: Outcome[];
  attack: Outcome;
}

/** A named attack: what the attacker does, and how it is played. */
export interface Scenario {
  name: AttackName;
  what: string;
  run(world: World, drives: SuiteDrives, dir: string): Promise<ScenarioRun>;
}

const DAY_MS = 86_400_000;
const video = (d: SuiteDrives, startMs = d.honest.startMs) => ({
  width: 320,
  height: 180,
  fps: 10,
  durationS: d.honest.durationS,
  startMs,
});

/** The honest drive, uploaded unaltered by `who`. */
const honestUpload = (w: World, d: SuiteDrives, who: Awaited<ReturnType<World['contributor']>>) =>
  w.upload(who, [d.honest.video, d.honest.track.file]);

/** Every attack of issue 18, by name. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'black_video_synthetic_gpx',
    what: 'a made-up GPX on real streets (realistic noise) with a black video of the same length',
    async run(w, d, dir) {
      const mp4 = await blackVideo(path.join(dir, 'black.mp4'), video(d));
      return { setup: [], attack: await w.upload(await w.contributor(), [mp4, d.synthetic.file]) };
    },
  },
  {
    name: 'static_video_synthetic_gpx',
    what: 'the same made-up GPX with one real street frame held for the whole video',
    async run(w, d, dir) {
      const mp4 = await staticVideo(d.honest.video, 3, path.join(dir, 'static.mp4'), video(d));
      return { setup: [], attack: await w.upload(await w.contributor(), [mp4, d.synthetic.file]) };
    },
  },
  {
    name: 'real_video_foreign_track',
    what: "drive A's video with drive B's track (another route through the same town, the same time)",
    async run(w, d) {
      return { setup: [], attack: await w.upload(await w.contributor(), [d.honest.video, d.foreign.file]) };
    },
  },
  {
    name: 'own_track_shifted',
    what: 'the honest video with its own track moved junction-to-junction onto other streets',
    async run(w, d, dir) {
      const s = shiftOntoOtherStreets(d.honest.track.points, d.plan.network);
      const gpx = await writeGpx(
        path.join(dir, 'shifted.gpx'),
        shifted(d.honest.track.points, s.frame, s.east, s.north),
      );
      return { setup: [], attack: await w.upload(await w.contributor(), [d.honest.video, gpx.file]) };
    },
  },
  {
    name: 'own_track_time_warped',
    what: 'the honest video with its own track on a clock stretched by 1.25 (the same path, driven slower on paper)',
    async run(w, d, dir) {
      const gpx = await writeGpx(path.join(dir, 'warped.gpx'), stretched(d.honest.track.points, 1.25));
      return { setup: [], attack: await w.upload(await w.contributor(), [d.honest.video, gpx.file]) };
    },
  },
  {
    name: 'replay_reencoded',
    what: "contributor 1's drive, re-encoded at 150 kbit/s by contributor 2 and uploaded with its track",
    async run(w, d, dir) {
      const original = await honestUpload(w, d, await w.contributor());
      const mp4 = await reencodedVideo(d.honest.video, 150, path.join(dir, 'reencoded.mp4'), d.honest.startMs);
      return { setup: [original], attack: await w.upload(await w.contributor(), [mp4, d.honest.track.file]) };
    },
  },
  {
    name: 'device_key_two_contributors',
    what: "contributor 1's device key copied to contributor 2, who registers it and uploads another drive signed by it",
    async run(w, d) {
      const owner = await w.contributor();
      const original = await honestUpload(w, d, owner);
      const other = await w.contributor(owner.signer);
      return { setup: [original], attack: await w.upload(other, [d.foreign.video, d.foreign.file]) };
    },
  },
  {
    name: 'device_key_two_places',
    what: 'one contributor and device key, two drives more than 1.2 km apart at the same moments',
    async run(w, d) {
      const who = await w.contributor();
      const original = await honestUpload(w, d, who);
      return { setup: [original], attack: await w.upload(who, [d.far.video, d.far.file]) };
    },
  },
  {
    name: 'retimed_copy',
    what: "contributor 1's drive copied by contributor 2, video and track re-timed 3 days later (track jittered 0.5 m)",
    async run(w, d, dir) {
      const original = await honestUpload(w, d, await w.contributor());
      const later = d.honest.startMs + 3 * DAY_MS;
      const mp4 = await retimedVideo(d.honest.video, path.join(dir, 'retimed.mp4'), later);
      const gpx = await writeGpx(path.join(dir, 'retimed.gpx'), retimed(d.honest.track.points, 3 * DAY_MS));
      return { setup: [original], attack: await w.upload(await w.contributor(), [mp4, gpx.file]) };
    },
  },
];
