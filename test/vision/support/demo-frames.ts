/**
 * Demo frames with known truth for the vision accuracy test: a seeded demo drive (demo), a stratified
 * choice of frames so every object class is seen at every box size, each frame rendered by the real renderer and
 * encoded as ingest stores it (JPEG quality 85), with the true objects projected by demo's projectObjects
 * (the projection fusion's synthetic drives use too).
 */
import sharp from 'sharp';
import {
  buildScene,
  type DemoPlan,
  type FramePose,
  frameSvg,
  type ObjectClass,
  type ProjectedObject,
  planDrive,
  projectObjects,
  rasterizeSvg,
} from '../../../demo/index.ts';

/** Box-height bins, pixels: [lower, upper). Fusion's synthetic drives assume detection from 12 px up. */
export const SIZE_BINS = [
  { name: '<12', lo: 0, hi: 12 },
  { name: '12-24', lo: 12, hi: 24 },
  { name: '24-64', lo: 24, hi: 64 },
  { name: '>=64', lo: 64, hi: Number.POSITIVE_INFINITY },
] as const;

/** The bin of a box height. */
export function sizeBin(heightPx: number): string {
  return (SIZE_BINS.find((b) => heightPx >= b.lo && heightPx < b.hi) ?? SIZE_BINS[0]).name;
}

/** One chosen frame: its pose, drive time and every object projected into it. */
export interface DemoFrame {
  pose: FramePose;
  tS: number;
  seen: ProjectedObject[];
}

/** How frames are chosen. */
export interface ChooseOptions {
  /** Frames per (class, size bin) at most. */
  perBucket: number;
  /** Chosen frames keep at least this many seconds apart (no near-duplicates from standing at a stop line). */
  minGapS: number;
}

/**
 * Chooses frames bucket by bucket (class x size bin, size bins from 12 px up): for each bucket the frames showing
 * a detectable object of it, preferring objects not chosen yet, evenly spread over the drive, until the bucket holds
 * `perBucket` sightings (sightings in frames chosen for other buckets count).
 */
export function chooseFrames(plan: DemoPlan, opts: ChooseOptions): DemoFrame[] {
  const cam = plan.video;
  if (!cam) throw new Error('the plan has no camera');
  const all: DemoFrame[] = plan.frames.map((pose) => ({
    pose,
    tS: pose.index / cam.fps,
    seen: projectObjects(cam, pose, plan.objects),
  }));
  const chosen: DemoFrame[] = [];
  const usedObjects = new Set<string>();
  const key = (p: ProjectedObject) => `${p.object.class}|${sizeBin(p.heightPx)}`;
  const have = new Map<string, number>();
  const classes = [...new Set(plan.objects.map((o) => o.class))].sort();
  for (const cls of classes) {
    for (const bin of SIZE_BINS.slice(1)) {
      const k = `${cls}|${bin.name}`;
      const candidates = all.filter((fr) => fr.seen.some((p) => p.detectable && key(p) === k));
      // Evenly spaced over the candidates (deterministic), objects not yet chosen first.
      const order = [...candidates.keys()].sort((a, b) => spread(a, candidates.length) - spread(b, candidates.length));
      const fresh = (fr: DemoFrame) =>
        fr.seen.some((p) => p.detectable && key(p) === k && !usedObjects.has(p.object.id)) ? 0 : 1;
      order.sort((a, b) => fresh(candidates[a]!) - fresh(candidates[b]!));
      for (const i of order) {
        if ((have.get(k) ?? 0) >= opts.perBucket) break;
        const fr = candidates[i]!;
        if (chosen.some((c) => Math.abs(c.tS - fr.tS) < opts.minGapS)) continue;
        chosen.push(fr);
        for (const p of fr.seen) {
          if (!p.detectable) continue;
          usedObjects.add(p.object.id);
          have.set(key(p), (have.get(key(p)) ?? 0) + 1);
        }
      }
    }
  }
  return chosen.sort((a, b) => a.tS - b.tS);
}

/** Bit-reversal-like rank of i among n, so taking the first few spreads them over the drive. */
function spread(i: number, n: number): number {
  let r = 0;
  let lo = 0;
  let hi = n;
  let w = 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    w /= 2;
    if (i >= mid) {
      r += w;
      lo = mid;
    } else hi = mid;
  }
  return r;
}

/** Renders a frame with the demo renderer and encodes it the way ingest stores frames (JPEG, quality 85). */
export async function renderFrameJpeg(plan: DemoPlan, scene: ReturnType<typeof buildScene>, fr: DemoFrame) {
  const cam = plan.video!;
  const { pose } = fr;
  const svg = frameSvg(scene, {
    camera: cam,
    pose: { x: pose.x, y: pose.y, z: pose.heightAboveGround, yawDeg: pose.yaw, pitchDeg: pose.pitch },
    tS: fr.tS,
  });
  const rgba = await rasterizeSvg(svg);
  return sharp(rgba, { raw: { width: cam.width, height: cam.height, channels: 4 } })
    .removeAlpha()
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** Plans the accuracy drive: seed 1, 6 km, camera 1280x720 (the demo default) at 2 fps. */
export function accuracyPlan(): DemoPlan {
  return planDrive({ seed: 1, route: { lengthM: 6000 }, video: { fps: 2, width: 1280, height: 720 } });
}

/** The scene of a plan (ground polygons and objects). */
export function sceneOf(plan: DemoPlan) {
  return buildScene(plan.graph, plan.objects, plan.controls);
}

/** Mapmint classes a detection may carry for a true object of each demo class. */
export const DETECTED_AS: Record<ObjectClass, string> = {
  'regulatory--stop': 'regulatory--stop',
  'traffic-light': 'traffic-light',
  // COCO has no speed-limit class: the round sign is found as a "stop sign" and OCR reading one number makes it one.
  'regulatory--maximum-speed-limit': 'speed-limit',
  'fire-hydrant': 'fire-hydrant',
};
