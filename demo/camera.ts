/** Pinhole camera of the demo dashcam. */
export interface CameraModel {
  width: number;
  height: number;
  /** Horizontal field of view, degrees. */
  hfovDeg: number;
}

/** Where the camera is and where it looks, in the local east/north/up frame (z = height above the road). */
export interface CameraPose {
  x: number;
  y: number;
  z: number;
  /** Bearing of the optical axis, degrees clockwise from north. */
  yawDeg: number;
  /** Pitch of the optical axis, degrees, positive up. */
  pitchDeg: number;
}

const RAD = Math.PI / 180;

/** Focal length in pixels of a pinhole with this horizontal field of view. */
export function focalPx(cam: CameraModel): number {
  return cam.width / 2 / Math.tan((cam.hfovDeg / 2) * RAD);
}

/** A world-to-camera transform: right (x), up (y) and forward (z) metres of a local point, for one pose. */
export function cameraTransform(pose: CameraPose): (x: number, y: number, z: number) => [number, number, number] {
  const sy = Math.sin(pose.yawDeg * RAD);
  const cy = Math.cos(pose.yawDeg * RAD);
  const sp = Math.sin(pose.pitchDeg * RAD);
  const cp = Math.cos(pose.pitchDeg * RAD);
  // Axes in east/north/up: forward = (sy cp, cy cp, sp), right = (cy, -sy, 0), up = right x forward.
  const fwd = [sy * cp, cy * cp, sp] as const;
  const right = [cy, -sy, 0] as const;
  const up = [-sy * sp, -cy * sp, cp] as const;
  return (x, y, z) => {
    const dx = x - pose.x;
    const dy = y - pose.y;
    const dz = z - pose.z;
    return [
      dx * right[0] + dy * right[1] + dz * right[2],
      dx * up[0] + dy * up[1] + dz * up[2],
      dx * fwd[0] + dy * fwd[1] + dz * fwd[2],
    ];
  };
}

/** Pixel coordinates (u right, v down, origin top-left corner) of a camera-frame point in front of the camera. */
export function projectCamera(cam: CameraModel, f: number, p: readonly [number, number, number]): [number, number] {
  return [cam.width / 2 + (f * p[0]) / p[2], cam.height / 2 - (f * p[1]) / p[2]];
}
