/** Change detection of one drive: which features it passed, and which of them changed status or removal. */

import type { LocalFrame } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import { countClear, countSeen, frameGrid, trailingMisses } from './change-detection.ts';
import { REMOVAL_PRIOR, statusOf, updateRemoval } from './combine.ts';
import type { Observation } from './observe.ts';
import { loadPasses, type StoredFeature, type UploadFrame } from './read-features.ts';
import type { FeatureRow } from './write-features.ts';

/** One drive's pass by a feature: frames that should have shown it, and sightings of it. */
export interface Pass {
  expected: number;
  seen: number;
}

/** The drive's passes: every feature it saw, or had at least two clear views of (every frame of the drive counts). */
export function countPasses(
  rows: readonly FeatureRow[],
  seenBy: ReadonlyMap<FeatureRow, number>,
  frames: readonly UploadFrame[],
  observations: readonly Observation[],
  f: LocalFrame,
): Map<FeatureRow, Pass> {
  const grid = frameGrid(frames, f);
  const passes = new Map<FeatureRow, Pass>();
  for (const row of rows) {
    const expected = countClear(row, grid, f);
    const seen = Math.max(seenBy.get(row) ?? 0, countSeen(row, observations, f));
    if (seen > 0 || expected >= 2) passes.set(row, { expected, seen });
  }
  return passes;
}

/**
 * Sets each row's removal probability, misses and status from its whole pass history, in time order (uploads may
 * arrive out of order), and returns the rows to write: all observed or created ones, and missed ones that changed.
 */
export async function judgeChanges(
  tx: Sql,
  rows: readonly FeatureRow[],
  passes: ReadonlyMap<FeatureRow, Pass>,
  byId: ReadonlyMap<number, StoredFeature>,
  at: number,
): Promise<FeatureRow[]> {
  const prior = await loadPasses(
    tx,
    rows.flatMap((r) => (r.id === undefined ? [] : [r.id])),
  );
  const changed: FeatureRow[] = [];
  for (const row of rows) {
    const pass = passes.get(row);
    const e = row.id === undefined ? undefined : byId.get(row.id);
    if (row.reason === 'missed' && !pass) continue;
    const h = [...(row.id === undefined ? [] : (prior.get(row.id) ?? [])), ...(pass ? [{ at, ...pass }] : [])];
    h.sort((a, b) => a.at - b.at);
    row.removal = h.reduce((p, x) => updateRemoval(p, x), REMOVAL_PRIOR);
    row.misses = trailingMisses(h);
    row.status = statusOf({ ...row, votesUp: e?.votesUp ?? 0, votesDown: e?.votesDown ?? 0 });
    if (row.reason === 'missed' && e && e.status === row.status && Math.abs(e.removalProbability - row.removal) < 1e-6)
      continue;
    changed.push(row);
  }
  return changed;
}
