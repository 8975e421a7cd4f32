/**
 * The demo drive generator: a synthetic town, a drive through it with a noisy GPS track and a rendered dashcam
 * video, and the ground truth of it all. Deterministic for a seed; needs no download (ffmpeg and osmium from the
 * system, sharp from npm).
 */
export type { CameraModel, CameraPose } from './camera.ts';
export { cameraTransform, focalPx, projectCamera } from './camera.ts';
export type { RouteOptions } from './drive-route.ts';
export type { DemoDrive, DemoDriveOptions, DemoFile, DemoFileRole, DemoManifest } from './generate-drive.ts';
export { generateDrive } from './generate-drive.ts';
export type { GpsNoiseOptions, InjectedFaults } from './gps-noise.ts';
export type { DemoPlan, PlanOptions, VideoOptions } from './plan-drive.ts';
export { DEFAULT_START_TIME, planDrive } from './plan-drive.ts';
export { type ProjectedObject, projectedBox, projectObjects } from './project-objects.ts';
export { buildScene, frameSvg, OBJECT_RANGE_M, rasterizeSvg } from './render-frame.ts';
export { DEFAULT_ORIGIN, type NetworkOptions } from './road-network.ts';
export { runTool } from './run-tool.ts';
export { signalState } from './traffic-control.ts';
export type { DemoTruth } from './truth-document.ts';
export type * from './types.ts';
export { toGpx } from './write-track.ts';
