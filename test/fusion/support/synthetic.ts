/**
 * Synthetic observations with known truth: a demo town (demo), one long seeded route cut into drives, each
 * true object projected into each sampled frame's true camera pose, then perturbed like reality: positions and
 * course from the noisy GPS track, box edge jitter, per-frame misses, small boxes lost, false positives per km.
 */
import { type DemoObject, type DemoPlan, planDrive, projectObjects } from '../../../demo/index.ts';
import { Rng } from '../../../demo/prng.ts';

/** The knobs of the simulation (stated in every accuracy figure). */
export interface SyntheticOptions {
  seed: number;
  /** Number of drives the route is cut into. */
  drives: number;
  /** Route length in metres (all drives together). */
  lengthM: number;
  gps?: { whiteSigmaM?: number; biasSigmaM?: number };
  /** Camera yaw relative to the heading (true and declared), degrees. */
  mountYawDeg?: number;
  /** Per-frame detection probability of an object whose box is >= 12 px tall. */
  recall?: number;
  /**
   * Per-class recall by box height instead of `recall`: [min height px, probability] steps, ascending ('*' for
   * classes not listed); below the first step nothing is detected.
   */
  recallBySizePx?: Record<string, Array<[number, number]>>;
  /** A detected object of class `from` also yields a detection of class `to` on the same box with this probability. */
  confusions?: Array<{ from: string; to: string; rate: number }>;
  falsePositivesPerKm?: number;
  boxJitterPx?: number;
  /** Frames kept every this many metres (ingest's default 4). */
  intervalM?: number;
  /** Objects (ids) gone from drive `fromDrive` on. */
  removed?: { ids: string[]; fromDrive: number };
  origin?: { lat: number; lon: number };
  /** Camera resolution; default 1280 x 720. */
  size?: [number, number];
  network?: { cols?: number; rows?: number };
}

/** A sampled frame as ingest would store it (noisy pose) with its detections. */
export interface SynthFrame {
  t: number;
  lat: number;
  lon: number;
  headingDeg: number;
  speedMps: number;
  dets: Array<{
    class: string;
    score: number;
    box: [number, number, number, number];
    value: string | null;
    truth: string | null;
  }>;
}

/** One drive (upload). */
export interface SynthDrive {
  frames: SynthFrame[];
  lengthM: number;
}

/** A whole synthetic data set. */
export interface SynthData {
  plan: DemoPlan;
  objects: DemoObject[];
  drives: SynthDrive[];
  camera: { width: number; height: number; hfovDeg: number; mountYawDeg: number };
}

/**
 * Detection rates the vision stage really shows on demo frames (test/vision/generated-accuracy.test.ts, 34 frames at
 * 1280x720, see vision/README.md): recall jumps with box height, the COCO model never finds the demo's hydrant, and
 * about half the stop signs it finds also come back as a traffic light; plus scattered false positives.
 */
export const VISION_MEASURED: Pick<SyntheticOptions, 'recallBySizePx' | 'confusions' | 'falsePositivesPerKm'> = {
  recallBySizePx: {
    'regulatory--stop': [
      [12, 0.1],
      [24, 0.9],
    ],
    'regulatory--maximum-speed-limit': [
      [12, 0.5],
      [24, 0.75],
    ],
    'traffic-light': [
      [12, 0.1],
      [24, 0.8],
      [64, 0.95],
    ],
    'fire-hydrant': [],
  },
  confusions: [{ from: 'regulatory--stop', to: 'traffic-light', rate: 0.5 }],
  falsePositivesPerKm: 10,
};

/** Generates the drives of one town (deterministic for the options). */
export function synthesize(o: SyntheticOptions): SynthData {
  const mountYawDeg = o.mountYawDeg ?? 0;
  const plan = planDrive({
    seed: o.seed,
    ...(o.origin ? { origin: o.origin } : {}),
    ...(o.network ? { network: o.network } : {}),
    route: { lengthM: o.lengthM },
    gps: { whiteSigmaM: o.gps?.whiteSigmaM ?? 3, biasSigmaM: o.gps?.biasSigmaM ?? 2 },
    video: { fps: 5, mountYawDeg, width: o.size?.[0] ?? 1280, height: o.size?.[1] ?? 720 },
  });
  const cam = plan.video as NonNullable<DemoPlan['video']>;
  const rng = new Rng(o.seed * 7919 + 17);
  const recall = o.recall ?? 0.8;
  const jitter = o.boxJitterPx ?? 1.5;
  const fpPerM = (o.falsePositivesPerKm ?? 3) / 1000;
  const classes = [...new Set(plan.objects.map((x) => x.class))].sort();
  const fixes = plan.fixes;
  const total = plan.frames.length;
  const drives: SynthDrive[] = Array.from({ length: o.drives }, () => ({ frames: [], lengthM: 0 }));
  let lastX = Number.NaN;
  let lastY = Number.NaN;
  let k = 0;
  for (const pose of plan.frames) {
    const d = Math.min(o.drives - 1, Math.floor((pose.index / total) * o.drives));
    const drive = drives[d] as SynthDrive;
    const step = Math.hypot(pose.x - lastX, pose.y - lastY);
    if (step < (o.intervalM ?? 4)) continue;
    lastX = pose.x;
    lastY = pose.y;
    if (Number.isFinite(step) && step < 50) drive.lengthM += step;
    // Noisy pose: the GPS error interpolated at the frame time, the course of the nearest fix.
    while (k + 1 < fixes.length && (fixes[k + 1] as (typeof fixes)[0]).t <= pose.t) k++;
    const a = fixes[k] as (typeof fixes)[0];
    const b = fixes[Math.min(k + 1, fixes.length - 1)] as (typeof fixes)[0];
    const w = b.t > a.t ? Math.min(1, Math.max(0, (pose.t - a.t) / (b.t - a.t))) : 0;
    const ex = a.errorEast + w * (b.errorEast - a.errorEast);
    const ey = a.errorNorth + w * (b.errorNorth - a.errorNorth);
    const [lat, lon] = plan.frame.toLatLon(pose.x + ex, pose.y + ey);
    const courseErr = (a.heading ?? pose.heading) - headingAt(plan, a.t);
    const headingDeg = (((pose.heading + wrap(courseErr)) % 360) + 360) % 360;
    const speedMps = (a.speed ?? 0) + w * ((b.speed ?? 0) - (a.speed ?? 0));
    const frame: SynthFrame = { t: pose.t, lat, lon, headingDeg, speedMps, dets: [] };
    for (const seen of projectObjects(cam, pose, plan.objects)) {
      const obj = seen.object;
      if (o.removed && d >= o.removed.fromDrive && o.removed.ids.includes(obj.id)) continue;
      if (!seen.detectable) continue;
      const { u, v, heightPx: h, widthPx: wpx } = seen;
      const steps = o.recallBySizePx?.[obj.class] ?? o.recallBySizePx?.['*'];
      const pDetect = steps
        ? steps.reduce((p, [min, q]) => (h >= min ? q : p), 0)
        : h >= 12
          ? recall
          : h < 8
            ? 0
            : (recall * (h - 8)) / 4;
      if (!rng.chance(pDetect)) continue;
      const box: [number, number, number, number] = [
        clamp(u - wpx / 2 + rng.normal(jitter), 0, cam.width),
        clamp(v - h / 2 + rng.normal(jitter), 0, cam.height),
        clamp(u + wpx / 2 + rng.normal(jitter), 0, cam.width),
        clamp(v + h / 2 + rng.normal(jitter), 0, cam.height),
      ];
      const value = obj.value === undefined ? null : String(obj.value);
      frame.dets.push({ class: obj.class, score: rng.uniform(0.55, 0.95), box, value, truth: obj.id });
      for (const c of o.confusions ?? []) {
        if (c.from === obj.class && rng.chance(c.rate))
          frame.dets.push({ class: c.to, score: rng.uniform(0.3, 0.6), box: [...box], value: null, truth: null });
      }
    }
    if (Number.isFinite(step) && step < 50 && rng.chance(fpPerM * step)) {
      const h = rng.uniform(10, 40);
      const u = rng.uniform(h, cam.width - h);
      const v = rng.uniform(h, cam.height / 2);
      const cls = classes[rng.int(0, classes.length - 1)] as string;
      frame.dets.push({
        class: cls,
        score: rng.uniform(0.3, 0.7),
        box: [u - h / 3, v - h / 2, u + h / 3, v + h / 2],
        value: null,
        truth: null,
      });
    }
    drive.frames.push(frame);
  }
  return {
    plan,
    objects: plan.objects,
    drives,
    camera: { width: cam.width, height: cam.height, hfovDeg: cam.hfovDeg, mountYawDeg },
  };
}

/** True heading at a time, from the true track (for the course error of a fix). */
function headingAt(plan: DemoPlan, t: number): number {
  const i = Math.min(plan.truth.length - 1, Math.max(0, Math.round((t - plan.startMs) / (1000 / plan.gps.rateHz))));
  return (plan.truth[i] as DemoPlan['truth'][0]).heading;
}

function wrap(d: number): number {
  return ((((d + 180) % 360) + 360) % 360) - 180;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
