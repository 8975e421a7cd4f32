/** The feature rows one fusion run writes: re-estimated from all observations, new, or stored ones checked for a miss. */

import type { Sql } from '../db/index.ts';
import type { Tracklet } from './associate.ts';
import { classGeometry } from './classes.ts';
import { confidenceOf, estimateFeature, REMOVAL_PRIOR } from './combine.ts';
import type { Observation } from './observe.ts';
import { loadObservations, nearestRoads, type StoredFeature } from './read-features.ts';
import { snapRoadside } from './snap-roadside.ts';
import type { FeatureRow } from './write-features.ts';

/** The rows of the features a drive observed or created, how many of its observations each got, and which. */
export interface EstimatedRows {
  rows: FeatureRow[];
  seenBy: Map<FeatureRow, number>;
  links: Array<{ row: FeatureRow; obs: Observation[] }>;
}

/** Re-estimates touched features from all their observations (stored and new); estimates new ones. */
export async function estimateRows(
  tx: Sql,
  joins: ReadonlyMap<number, Tracklet[]>,
  fresh: readonly Tracklet[][],
  byId: ReadonlyMap<number, StoredFeature>,
): Promise<EstimatedRows> {
  const stored = await loadObservations(tx, [...joins.keys()]);
  const out: EstimatedRows = { rows: [], seenBy: new Map(), links: [] };
  const add = (row: FeatureRow, obs: Observation[]): void => {
    out.rows.push(row);
    out.seenBy.set(row, obs.length);
    out.links.push({ row, obs });
  };
  for (const [id, tls] of joins) {
    const e = byId.get(id) as StoredFeature;
    const obs = tls.flatMap((t) => t.observations);
    add(featureRow([...(stored.get(id) ?? []), ...obs], e, 'observed'), obs);
  }
  for (const tls of fresh) {
    const obs = tls.flatMap((t) => t.observations);
    add(featureRow(obs, undefined, 'created'), obs);
  }
  return out;
}

/** The stored features the drive did not observe, as rows to check for a miss. */
export function unobservedRows(existing: readonly StoredFeature[], joins: ReadonlyMap<number, unknown>): FeatureRow[] {
  return existing
    .filter((e) => !joins.has(e.id) && e.status !== 'rejected')
    .map((e) => ({ ...e, removal: e.removalProbability, reason: 'missed' }));
}

/** Pushes roadside features that landed on the carriageway of their nearest road to its edge. */
export async function snapAll(tx: Sql, rows: FeatureRow[]): Promise<void> {
  const side = rows.filter((r) => classGeometry(r.class)?.roadside);
  const roads = await nearestRoads(tx, side, 15);
  side.forEach((r, i) => {
    const road = roads[i];
    if (!road) return;
    const s = snapRoadside(r, road);
    r.lat = s.lat;
    r.lon = s.lon;
  });
}

function featureRow(obs: Observation[], e: StoredFeature | undefined, reason: string): FeatureRow {
  const est = estimateFeature(obs);
  const votesUp = e?.votesUp ?? 0;
  const votesDown = e?.votesDown ?? 0;
  const confidence = confidenceOf({ ...est, votesUp, votesDown });
  return {
    ...(e ? { id: e.id } : {}),
    // A settled review relabel outranks the detectors.
    class: e?.relabel ? e.relabel.class : est.class,
    value: e?.relabel ? e.relabel.value : est.value,
    confidence,
    status: 'candidate',
    firstSeen: est.firstSeen,
    lastSeen: est.lastSeen,
    lat: est.lat,
    lon: est.lon,
    sigmaM: est.sigmaM,
    facingDeg: est.facingDeg,
    observationCount: est.observationCount,
    driveCount: est.driveCount,
    meanScore: est.meanScore,
    removal: REMOVAL_PRIOR,
    misses: 0,
    reason,
  };
}
