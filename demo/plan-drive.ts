import { invalid, type LocalFrame, localFrame } from '../core/index.ts';
import type { CameraModel } from './camera.ts';
import { buildGraph, type RoadGraph, stronglyConnected } from './drive-graph.ts';
import { type Route, type RouteOptions, walkRoute } from './drive-route.ts';
import {
  addGpsNoise,
  type GpsNoiseOptions,
  type InjectedFaults,
  type NoisyFix,
  type ResolvedGpsNoise,
  resolveGpsNoise,
} from './gps-noise.ts';
import { type PlacedControl, placeObjects } from './place-objects.ts';
import { Rng } from './prng.ts';
import { DEFAULT_ORIGIN, generateNetwork, type NetworkOptions } from './road-network.ts';
import { framePoses, sampleTrueTrack } from './sample-track.ts';
import { type Profile, planMotion, stateAt } from './speed-profile.ts';
import { chooseControls } from './traffic-control.ts';
import type { DemoObject, FramePose, RoadNetwork, TrueSample } from './types.ts';

/** The dashcam: resolution, frame rate and mounting. */
export interface VideoOptions {
  /** Default 1280 (must be even for yuv420p). */
  width?: number;
  /** Default 720 (must be even). */
  height?: number;
  /** Default 30. */
  fps?: number;
  /** Horizontal field of view in degrees; default 115, typical of dashcams. */
  hfovDeg?: number;
  /** Camera yaw relative to the car's heading, degrees, positive to the right; default 0. */
  mountYawDeg?: number;
  /** Camera height above the road, metres; default 1.3 (behind the windscreen). */
  mountHeightM?: number;
  /** Frames rendered concurrently; default 2. */
  concurrency?: number;
  /**
   * Temporal sensor noise added before encoding: the strength of ffmpeg's `noise` filter (0-100, new noise every
   * frame, seeded by the drive's seed); default 0, the flat rendered frames. A real camera's noise and texture are
   * what make its footage cost 8-16 Mbit/s; flat frames encode to ~0.3 Mbit/s at 1080p and decode 3-4x faster.
   */
  grain?: number;
  /**
   * Average bitrate in Mbit/s with the same maximum (a 2 s buffer), like a dashcam's constant-bitrate encoder;
   * default none: constant quality (x264 crf 20).
   */
  bitrateMbps?: number;
  /** Seconds between keyframes (dashcams: about 1); default x264's (at most 250 frames). */
  keyframeIntervalS?: number;
  /**
   * Scatter small light and dark patches over the road and its verges (seeded), as real asphalt and grass have:
   * optical flow needs texture that moves with the ground, which flat paint lacks. Default false (frames as before).
   */
  groundTexture?: boolean;
}

/** Everything that decides a drive's content. Same options and seed, same drive. */
export interface PlanOptions {
  /** PRNG seed (32-bit integer); default 1. */
  seed?: number;
  /** Town centre; default 47.3769 N 8.5417 E (Zurich main station area). */
  origin?: { lat: number; lon: number };
  /** When the drive starts; default 2024-06-01T08:00:00Z. */
  startTime?: string | Date;
  network?: NetworkOptions;
  route?: RouteOptions;
  gps?: GpsNoiseOptions;
  /** The dashcam, or false for telemetry only; default a 1280x720 @ 30 fps camera. */
  video?: VideoOptions | false;
}

/** Camera model plus the mounting and timing the video uses. */
export interface ResolvedVideo extends CameraModel {
  fps: number;
  mountYawDeg: number;
  mountHeightM: number;
  concurrency: number;
  frameCount: number;
  grain: number;
  bitrateMbps: number | undefined;
  keyframeIntervalS: number | undefined;
  groundTexture: boolean;
}

/** A planned drive, fully in memory, before anything is written. */
export interface DemoPlan {
  seed: number;
  startMs: number;
  durationS: number;
  frame: LocalFrame;
  network: RoadNetwork;
  graph: RoadGraph;
  controls: Map<string, PlacedControl>;
  objects: DemoObject[];
  route: Route;
  profile: Profile;
  /** Route distance at the end of the recording. */
  endS: number;
  gps: ResolvedGpsNoise;
  truth: TrueSample[];
  fixes: NoisyFix[];
  injected: InjectedFaults;
  video: ResolvedVideo | undefined;
  frames: FramePose[];
}

/** Default drive start, fixed so a seed alone decides the files. */
export const DEFAULT_START_TIME = '2024-06-01T08:00:00.000Z';

/** Plans a drive in memory: town, objects, route, motion, true and noisy tracks, camera poses. Pure and seeded. */
export function planDrive(opts: PlanOptions = {}): DemoPlan {
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw invalid('demo_seed', `seed must be a 32-bit unsigned integer, got ${seed}`);
  const origin = opts.origin ?? DEFAULT_ORIGIN;
  if (!(Math.abs(origin.lat) < 80 && Math.abs(origin.lon) <= 180))
    throw invalid('demo_origin', 'origin must be within 80 deg of the equator', { origin });
  const startMs = new Date(opts.startTime ?? DEFAULT_START_TIME).getTime();
  if (!Number.isFinite(startMs)) throw invalid('demo_start_time', `startTime is not a date: ${String(opts.startTime)}`);
  const gps = resolveGpsNoise(opts.gps);
  if (!(gps.rateHz >= 1 && gps.rateHz <= 10))
    throw invalid('demo_gps_rate', `gps.rateHz must be within 1..10, got ${gps.rateHz}`);
  if (gps.whiteSigmaM < 0 || gps.biasSigmaM < 0 || gps.biasCorrelationS <= 0)
    throw invalid('demo_gps_noise', 'GPS sigmas must be >= 0 and the correlation time > 0', { gps });
  const durationS = opts.route?.durationS;
  if (durationS !== undefined && !(durationS > 0 && durationS <= 3600))
    throw invalid('demo_duration', `route.durationS must be within (0, 3600], got ${durationS}`);
  const lengthM = opts.route?.lengthM;
  if (lengthM !== undefined && !(lengthM > 0 && lengthM <= 50_000))
    throw invalid('demo_length', `route.lengthM must be within (0, 50000], got ${lengthM}`);

  // One stream per subsystem, forked in a fixed order, so e.g. the camera's options never shift the GPS noise.
  const master = new Rng(seed);
  const [netRng, controlRng, objectRng, routeRng, motionRng, gpsRng, cameraRng] = Array.from({ length: 7 }, () =>
    master.fork(),
  ) as [Rng, Rng, Rng, Rng, Rng, Rng, Rng];

  const frame = localFrame(origin.lat, origin.lon);
  const network = generateNetwork(netRng, origin, opts.network);
  const graph = buildGraph(network);
  if (!stronglyConnected(graph))
    throw invalid('demo_network', 'the generated town is not drivable without U-turns; try other network options', {
      seed,
    });
  const { controls, objects } = placeObjects(objectRng, graph, frame, chooseControls(controlRng, graph));
  const routeSeed = opts.route?.seed;
  if (routeSeed !== undefined && !(Number.isInteger(routeSeed) && routeSeed >= 0 && routeSeed <= 0xffffffff))
    throw invalid('demo_route_seed', `route.seed must be a 32-bit unsigned integer, got ${routeSeed}`);
  const route = walkRoute(routeSeed === undefined ? routeRng : new Rng(routeSeed), graph, controls, opts.route ?? {});
  const profile = planMotion(motionRng, route);
  const driveS = lengthM !== undefined ? profile.durationS : Math.min(durationS ?? 60, profile.durationS);
  const truth = sampleTrueTrack(route, profile, frame, { startMs, durationS: driveS, rateHz: gps.rateHz });
  const { fixes, injected } = addGpsNoise(gpsRng, truth, frame, gps);

  const video = opts.video === false ? undefined : resolveVideo(opts.video ?? {}, driveS);
  const frames = video
    ? framePoses(route, profile, frame, cameraRng, {
        startMs,
        fps: video.fps,
        frameCount: video.frameCount,
        mountYawDeg: video.mountYawDeg,
        heightM: video.mountHeightM,
      })
    : [];
  return {
    seed,
    startMs,
    durationS: driveS,
    frame,
    network,
    graph,
    controls,
    objects,
    route,
    profile,
    endS: stateAt(profile, driveS).s,
    gps,
    truth,
    fixes,
    injected,
    video,
    frames,
  };
}

function resolveVideo(v: VideoOptions, durationS: number): ResolvedVideo {
  const out = {
    width: v.width ?? 1280,
    height: v.height ?? 720,
    fps: v.fps ?? 30,
    hfovDeg: v.hfovDeg ?? 115,
    mountYawDeg: v.mountYawDeg ?? 0,
    mountHeightM: v.mountHeightM ?? 1.3,
    concurrency: v.concurrency ?? 2,
    frameCount: 0,
    grain: v.grain ?? 0,
    bitrateMbps: v.bitrateMbps,
    keyframeIntervalS: v.keyframeIntervalS,
    groundTexture: v.groundTexture ?? false,
  };
  if (
    !(
      Number.isInteger(out.width) &&
      Number.isInteger(out.height) &&
      out.width % 2 === 0 &&
      out.height % 2 === 0 &&
      out.width >= 32 &&
      out.height >= 32 &&
      out.width <= 3840 &&
      out.height <= 2160
    )
  ) {
    throw invalid(
      'demo_video_size',
      `video size must be even integers within 32..3840 x 32..2160, got ${out.width}x${out.height}`,
    );
  }
  if (!(out.fps >= 1 && out.fps <= 60))
    throw invalid('demo_video_fps', `video.fps must be within 1..60, got ${out.fps}`);
  if (!(out.hfovDeg >= 20 && out.hfovDeg <= 150))
    throw invalid('demo_video_fov', `video.hfovDeg must be within 20..150 (a pinhole), got ${out.hfovDeg}`);
  if (!(Math.abs(out.mountYawDeg) <= 90))
    throw invalid('demo_video_yaw', `video.mountYawDeg must be within -90..90, got ${out.mountYawDeg}`);
  if (!(out.grain >= 0 && out.grain <= 100))
    throw invalid('demo_video_grain', `video.grain must be within 0..100, got ${out.grain}`);
  if (out.bitrateMbps !== undefined && !(out.bitrateMbps >= 0.05 && out.bitrateMbps <= 200))
    throw invalid('demo_video_bitrate', `video.bitrateMbps must be within 0.05..200, got ${out.bitrateMbps}`);
  if (out.keyframeIntervalS !== undefined && !(out.keyframeIntervalS > 0 && out.keyframeIntervalS <= 60))
    throw invalid(
      'demo_video_keyframes',
      `video.keyframeIntervalS must be within (0, 60], got ${out.keyframeIntervalS}`,
    );
  // Frames at t = i / fps for every t strictly inside the drive, so the video never outlasts the track.
  out.frameCount = Math.max(1, Math.ceil(durationS * out.fps - 1e-9));
  return out;
}
