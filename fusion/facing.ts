/** Facing of a sign from the rays that saw it, and the split of a cluster into objects facing different ways. */
import { bearingOf } from '../core/index.ts';
import type { Observation } from './observe.ts';

/** The bearing a face looks towards: back along the rays that saw it (circular mean), degrees. */
export function facingOf(obs: readonly Observation[]): number {
  let sx = 0;
  let sy = 0;
  for (const o of obs) {
    sx -= Math.sin((o.bearingDeg * Math.PI) / 180);
    sy -= Math.cos((o.bearingDeg * Math.PI) / 180);
  }
  return bearingOf(sx, sy);
}

/** Absolute difference of two bearings, degrees [0, 180]. */
export function angleBetween(a: number, b: number): number {
  return Math.abs(((((a - b) % 360) + 540) % 360) - 180);
}

/**
 * Splits cluster members into groups whose facings agree within `maxDeg` (two stop signs back to back at one
 * junction are two objects). Members without a facing join the first group. Deterministic for a given order.
 */
export function splitByFacing(
  members: readonly number[],
  facing: (i: number) => number | null,
  maxDeg: number,
): number[][] {
  const groups: Array<{ facing: number; members: number[] }> = [];
  const loose: number[] = [];
  for (const i of members) {
    const fi = facing(i);
    if (fi === null) {
      loose.push(i);
      continue;
    }
    const g = groups.find((x) => angleBetween(x.facing, fi) <= maxDeg);
    if (g) g.members.push(i);
    else groups.push({ facing: fi, members: [i] });
  }
  if (groups.length === 0) return [loose];
  (groups[0] as { members: number[] }).members.push(...loose);
  return groups.map((g) => g.members);
}
