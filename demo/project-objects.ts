import { type CameraModel, cameraTransform, focalPx, projectCamera } from './camera.ts';
import { OBJECT_RANGE_M } from './render-frame.ts';
import type { DemoObject, FramePose } from './types.ts';

/** Where a true object appears in one frame. */
export interface ProjectedObject {
  object: DemoObject;
  /** Pixel centre of the face (u right, v down). */
  u: number;
  v: number;
  /** Face box size in pixels: height from the face height, width foreshortened by the viewing angle. */
  widthPx: number;
  heightPx: number;
  /** Distance along the optical axis, metres. */
  depthM: number;
  /** Ground distance from the camera, metres. */
  distanceM: number;
  /** Angle between the face's facing bearing and the bearing from the object to the camera, degrees (0 = head-on). */
  faceOffDeg: number;
  /** Whole face box inside the frame (the centre horizontally, the full height vertically). */
  inFrame: boolean;
  /** What a detector can be expected to find: in frame and seen from the front (hydrants from any side). */
  detectable: boolean;
}

const RAD = Math.PI / 180;

/** Box of a projected object, pixels: centred on the face, widthPx x heightPx. */
export function projectedBox(p: ProjectedObject): { x1: number; y1: number; x2: number; y2: number } {
  return { x1: p.u - p.widthPx / 2, y1: p.v - p.heightPx / 2, x2: p.u + p.widthPx / 2, y2: p.v + p.heightPx / 2 };
}

/**
 * Projects the true objects into one frame's true camera pose: every object within the renderer's range
 * (OBJECT_RANGE_M) at least 1 m in front of the camera, in input order. Faces turned more than 80 degrees away
 * (seen edge-on or from behind) are not `detectable`; hydrants have no face and are seen from every side.
 */
export function projectObjects(cam: CameraModel, pose: FramePose, objects: readonly DemoObject[]): ProjectedObject[] {
  const f = focalPx(cam);
  const toCam = cameraTransform({
    x: pose.x,
    y: pose.y,
    z: pose.heightAboveGround,
    yawDeg: pose.yaw,
    pitchDeg: pose.pitch,
  });
  const out: ProjectedObject[] = [];
  for (const obj of objects) {
    const dx = pose.x - obj.x;
    const dy = pose.y - obj.y;
    if (dx * dx + dy * dy > OBJECT_RANGE_M * OBJECT_RANGE_M) continue;
    const p = toCam(obj.x, obj.y, obj.height);
    if (p[2] < 1) continue;
    const toCamBearing = Math.atan2(dx, dy) / RAD;
    const faceOffDeg = Math.abs(wrap(toCamBearing - obj.facing));
    const hydrant = obj.class === 'fire-hydrant';
    const [u, v] = projectCamera(cam, f, p);
    const heightPx = (f * obj.size[1]) / p[2];
    const widthPx = ((f * obj.size[0]) / p[2]) * (hydrant ? 1 : Math.max(0.2, Math.cos(faceOffDeg * RAD)));
    const inFrame = !(u < 0 || u > cam.width || v - heightPx / 2 < 0 || v + heightPx / 2 > cam.height);
    out.push({
      object: obj,
      u,
      v,
      widthPx,
      heightPx,
      depthM: p[2],
      distanceM: Math.sqrt(dx * dx + dy * dy),
      faceOffDeg,
      inFrame,
      detectable: inFrame && (hydrant || faceOffDeg <= 80),
    });
  }
  return out;
}

function wrap(d: number): number {
  return ((((d + 180) % 360) + 360) % 360) - 180;
}
