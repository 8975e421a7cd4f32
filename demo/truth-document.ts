import type { DemoPlan } from './plan-drive.ts';
import type { DemoObject, FramePose, TrueSample } from './types.ts';
import { iso } from './write-track.ts';

/** The contents of `truth.json`: what really happened on the drive. Local x/y are metres east/north of `origin`. */
export interface DemoTruth {
  format: 'mapmint-demo-truth';
  version: 1;
  seed: number;
  origin: { lat: number; lon: number };
  startTime: string;
  durationS: number;
  gps: DemoPlan['gps'];
  camera: {
    width: number;
    height: number;
    fps: number;
    hfovDeg: number;
    mountYawDeg: number;
    mountHeightM: number;
    frameCount: number;
  } | null;
  route: {
    /** OSM way ids in driving order (consecutive repeats merged). */
    wayIds: number[];
    /** The junction-to-junction pieces driven, in order, with the route distance where each begins. */
    segments: Array<{ wayId: number; fromNode: number; toNode: number; lengthM: number; startS: number }>;
    /** Route distance at the start and at the end of the recording, metres. */
    startS: number;
    endS: number;
    lengthM: number;
  };
  stops: DemoPlan['profile']['stops'];
  objects: DemoObject[];
  /** The true antenna track at the GPS rate. */
  track: TrueSample[];
  injected: DemoPlan['injected'];
  /** The true camera pose of every video frame. */
  frames: FramePose[];
}

/** Builds truth.json's document from a plan, numbers rounded so files are compact and stable. */
export function truthDocument(plan: DemoPlan): DemoTruth {
  const { route } = plan;
  const segments: DemoTruth['route']['segments'] = [];
  route.arcs.forEach((arc, k) => {
    const startS = route.arcStartS[k] as number;
    if (startS + arc.length <= route.startS || startS >= plan.endS) return;
    segments.push({
      wayId: arc.edge.way.id,
      fromNode: arc.from,
      toNode: arc.to,
      lengthM: r(arc.length, 2),
      startS: r(startS, 2),
    });
  });
  const wayIds = segments.map((s) => s.wayId).filter((id, k, all) => k === 0 || all[k - 1] !== id);
  const v = plan.video;
  return {
    format: 'mapmint-demo-truth',
    version: 1,
    seed: plan.seed,
    origin: { lat: plan.frame.lat0, lon: plan.frame.lon0 },
    startTime: iso(plan.startMs),
    durationS: r(plan.durationS, 3),
    gps: plan.gps,
    camera: v
      ? {
          width: v.width,
          height: v.height,
          fps: v.fps,
          hfovDeg: v.hfovDeg,
          mountYawDeg: v.mountYawDeg,
          mountHeightM: v.mountHeightM,
          frameCount: v.frameCount,
        }
      : null,
    route: {
      wayIds,
      segments,
      startS: r(route.startS, 2),
      endS: r(plan.endS, 2),
      lengthM: r(plan.endS - route.startS, 2),
    },
    stops: plan.profile.stops
      .filter((s) => s.t <= plan.durationS)
      .map((s) => ({ ...s, s: r(s.s, 2), t: r(s.t, 3), dwellS: r(s.dwellS, 3) })),
    objects: plan.objects.map((o) => ({ ...o, x: r(o.x, 3), y: r(o.y, 3) })),
    track: plan.truth.map((p) => ({
      t: p.t,
      lat: r(p.lat, 9),
      lon: r(p.lon, 9),
      alt: r(p.alt, 3),
      x: r(p.x, 3),
      y: r(p.y, 3),
      speed: r(p.speed, 3),
      heading: r(p.heading, 2),
      s: r(p.s, 3),
    })),
    injected: plan.injected,
    frames: plan.frames.map((f) => ({
      ...f,
      lat: r(f.lat, 9),
      lon: r(f.lon, 9),
      x: r(f.x, 3),
      y: r(f.y, 3),
      alt: r(f.alt, 3),
      heading: r(f.heading, 3),
      yaw: r(f.yaw, 3),
      pitch: r(f.pitch, 3),
    })),
  };
}

function r(v: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}
