import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../storage/index.ts';
import { encodeVideo } from './encode-video.ts';
import { type DemoPlan, type PlanOptions, planDrive } from './plan-drive.ts';
import { buildScene, frameSvg, rasterizeSvg } from './render-frame.ts';
import { type DemoTruth, truthDocument } from './truth-document.ts';
import { osmXmlToPbf, toOsmXml, toRoadsGeoJson } from './write-osm.ts';
import { iso, toCsv, toGpx } from './write-track.ts';

/** Options of {@link generateDrive}: the plan's options plus where and how to write. */
export interface DemoDriveOptions extends PlanOptions {
  /** Output folder; created if missing, files in it overwritten. */
  outDir: string;
  /** Also write roads.osm.pbf with osmium; default true. */
  pbf?: boolean;
  /** Binaries; default `ffmpeg` and `osmium` from PATH. */
  ffmpeg?: string;
  osmium?: string;
  /** Progress of the video render. */
  onFrame?: (done: number, total: number) => void;
}

/** Role of a file in the demo folder. */
export type DemoFileRole = 'video' | 'telemetry' | 'track' | 'truth' | 'roads';

/** One file listed in manifest.json. */
export interface DemoFile {
  path: string;
  role: DemoFileRole;
  mediaType: string;
  bytes: number;
  sha256: string;
  description: string;
}

/** The contents of manifest.json. */
export interface DemoManifest {
  format: 'mapmint-demo-manifest';
  version: 1;
  name: string;
  seed: number;
  startTime: string;
  durationS: number;
  device: {
    make: string;
    model: string;
    horizontalFovDeg: number;
    mountYawDeg: number;
    mountHeightM: number;
    width: number;
    height: number;
    fps: number;
  } | null;
  files: DemoFile[];
}

/** What {@link generateDrive} wrote and measured. */
export interface DemoDrive {
  outDir: string;
  manifest: DemoManifest;
  truth: DemoTruth;
  /** Absolute paths by file name. */
  paths: {
    manifest: string;
    truth: string;
    gpx: string;
    csv: string;
    osm: string;
    geojson: string;
    pbf?: string;
    video?: string;
  };
  /** Video render and encode speed, when a video was made. */
  render?: { frames: number; seconds: number; fps: number };
  plan: DemoPlan;
}

/**
 * Generates a synthetic drive with known ground truth into `outDir`: roads.osm (+ .osm.pbf, .geojson), track.gpx,
 * track.csv, truth.json, drive.mp4 and manifest.json. Deterministic for a seed, except the MP4's encoder bytes.
 */
export async function generateDrive(opts: DemoDriveOptions): Promise<DemoDrive> {
  const plan = planDrive(opts);
  const outDir = path.resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const at = (name: string): string => path.join(outDir, name);
  const startTime = iso(plan.startMs);
  const paths: DemoDrive['paths'] = {
    manifest: at('manifest.json'),
    truth: at('truth.json'),
    gpx: at('track.gpx'),
    csv: at('track.csv'),
    osm: at('roads.osm'),
    geojson: at('roads.geojson'),
  };
  await writeRoads(
    plan,
    paths,
    startTime,
    (opts.pbf ?? true) ? { pbf: at('roads.osm.pbf'), osmium: opts.osmium } : null,
  );
  await writeFile(paths.gpx, toGpx(plan.fixes, { name: `mapmint demo drive ${plan.seed}` }));
  await writeFile(paths.csv, toCsv(plan.fixes));
  const truth = truthDocument(plan);
  await writeFile(paths.truth, `${JSON.stringify(truth)}\n`);
  let render: DemoDrive['render'];
  if (plan.video) {
    paths.video = at('drive.mp4');
    render = await renderVideo(plan, plan.video, paths.video, startTime, opts);
  }
  const files = await describeFiles(outDir, plan, paths);
  const manifest = manifestOf(plan, startTime, truth.durationS, files);
  await writeFile(paths.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  return { outDir, manifest, truth, paths, ...(render ? { render } : {}), plan };
}

/** The street network as OSM XML and GeoJSON, and as PBF (with osmium) when `pbf` is given. */
async function writeRoads(
  plan: DemoPlan,
  paths: DemoDrive['paths'],
  startTime: string,
  pbf: { pbf: string; osmium: string | undefined } | null,
): Promise<void> {
  await writeFile(paths.osm, toOsmXml(plan.network, startTime.replace(/\.\d{3}Z$/, 'Z')));
  await writeFile(paths.geojson, `${JSON.stringify(toRoadsGeoJson(plan.network))}\n`);
  if (pbf) {
    paths.pbf = pbf.pbf;
    await osmXmlToPbf(paths.osm, pbf.pbf, pbf.osmium);
  }
}

/** Renders every planned frame of the scene and encodes them into the MP4; returns the render speed. */
async function renderVideo(
  plan: DemoPlan,
  video: NonNullable<DemoPlan['video']>,
  output: string,
  startTime: string,
  opts: DemoDriveOptions,
): Promise<NonNullable<DemoDrive['render']>> {
  const scene = buildScene(plan.graph, plan.objects, plan.controls, video.groundTexture ? plan.seed : undefined);
  const result = await encodeVideo({
    output,
    width: video.width,
    height: video.height,
    fps: video.fps,
    frameCount: video.frameCount,
    creationTime: startTime,
    concurrency: video.concurrency,
    grain: video.grain,
    seed: plan.seed,
    ...(video.bitrateMbps !== undefined ? { bitrateMbps: video.bitrateMbps } : {}),
    ...(video.keyframeIntervalS !== undefined
      ? { keyframeInterval: Math.round(video.keyframeIntervalS * video.fps) }
      : {}),
    ...(opts.ffmpeg ? { ffmpeg: opts.ffmpeg } : {}),
    renderFrame: (i) => {
      const pose = plan.frames[i];
      if (!pose) throw new RangeError(`no pose for frame ${i}`);
      const svg = frameSvg(scene, {
        camera: video,
        pose: { x: pose.x, y: pose.y, z: pose.heightAboveGround, yawDeg: pose.yaw, pitchDeg: pose.pitch },
        tS: i / video.fps,
      });
      return rasterizeSvg(svg);
    },
    onFrame: (i) => opts.onFrame?.(i + 1, video.frameCount),
  });
  return { ...result, fps: result.frames / result.seconds };
}

/** The manifest's file list, in a fixed order: each file's role, media type, size and SHA-256. */
async function describeFiles(outDir: string, plan: DemoPlan, paths: DemoDrive['paths']): Promise<DemoFile[]> {
  const files: DemoFile[] = [];
  const add = async (name: string, meta: Omit<DemoFile, 'path' | 'bytes' | 'sha256'>): Promise<void> => {
    const { sha256, size } = await sha256File(path.join(outDir, name));
    files.push({ path: name, ...meta, bytes: size, sha256 });
  };
  const video = plan.video;
  if (video)
    await add('drive.mp4', {
      role: 'video',
      mediaType: 'video/mp4',
      description:
        `H.264 dashcam video, ${video.width}x${video.height} @ ${video.fps} fps` +
        (video.grain > 0 ? `, sensor noise ${video.grain}` : '') +
        (video.bitrateMbps !== undefined ? `, ${video.bitrateMbps} Mbit/s` : '') +
        (video.keyframeIntervalS !== undefined ? `, a keyframe every ${video.keyframeIntervalS} s` : '') +
        ', creation_time = startTime',
    });
  await add('track.gpx', {
    role: 'telemetry',
    mediaType: 'application/gpx+xml',
    description: `GPX 1.1 noisy GPS track at ${plan.gps.rateHz} Hz (speed/course in Garmin TrackPointExtension v2)`,
  });
  await add('track.csv', {
    role: 'track',
    mediaType: 'text/csv',
    description: 'the same noisy fixes as CSV: time,lat,lon,alt,speed,heading,hdop,satellites',
  });
  await add('truth.json', {
    role: 'truth',
    mediaType: 'application/json',
    description: 'ground truth: true track, route ways, objects, stops, per-frame camera poses',
  });
  await add('roads.osm', {
    role: 'roads',
    mediaType: 'application/vnd.openstreetmap.data+xml',
    description: 'the town street network as OSM XML',
  });
  if (paths.pbf)
    await add('roads.osm.pbf', {
      role: 'roads',
      mediaType: 'application/vnd.openstreetmap.data+pbf',
      description: 'the same network as OSM PBF (osmium cat)',
    });
  await add('roads.geojson', {
    role: 'roads',
    mediaType: 'application/geo+json',
    description: 'the same network as GeoJSON',
  });
  return files;
}

/** The contents of manifest.json. */
function manifestOf(plan: DemoPlan, startTime: string, durationS: number, files: DemoFile[]): DemoManifest {
  const video = plan.video;
  return {
    format: 'mapmint-demo-manifest',
    version: 1,
    name: `mapmint demo drive ${plan.seed}`,
    seed: plan.seed,
    startTime,
    durationS,
    device: video
      ? {
          make: 'mapmint',
          model: 'demo-dashcam',
          horizontalFovDeg: video.hfovDeg,
          mountYawDeg: video.mountYawDeg,
          mountHeightM: video.mountHeightM,
          width: video.width,
          height: video.height,
          fps: video.fps,
        }
      : null,
    files,
  };
}
