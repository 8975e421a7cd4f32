/**
 * Cross-drive association: a drive's tracklets join the stored features near them (PostGIS DBSCAN per class, split
 * by facing), or found new ones.
 */

import type { LocalFrame } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import type { Tracklet } from './associate.ts';
import { classGeometry } from './classes.ts';
import { estimateFeature } from './combine.ts';
import { facingOf, splitByFacing } from './facing.ts';
import { clusterPoints, loadObservations, type StoredFeature } from './read-features.ts';

/** Where a drive's tracklets went: onto stored features (by id), or into groups that make new features. */
export interface Joins {
  joins: Map<number, Tracklet[]>;
  fresh: Tracklet[][];
}

/** Options of {@link joinTracklets}. */
export interface JoinOptions {
  /** DBSCAN distance for joining tracklets and features of one class, metres. */
  clusterEpsM: number;
  /** Tracklets whose facing differs more than this from a group's are another object, degrees. */
  facingSplitDeg: number;
}

/** One stored feature or one new tracklet, as the clustering sees it. */
type Item = ({ feature: StoredFeature } | { tracklet: Tracklet }) & {
  facing: number | null;
  cls: string;
  lat: number;
  lon: number;
};

/** Clusters stored features with the drive's tracklets and assigns each tracklet to its nearest feature, or to new. */
export async function joinTracklets(
  tx: Sql,
  existing: readonly StoredFeature[],
  tracklets: readonly Tracklet[],
  f: LocalFrame,
  opts: JoinOptions,
): Promise<Joins> {
  const items = await clusterItems(tx, existing, tracklets);
  const xy = items.map((it) => f.toXY(it.lat, it.lon));
  const cids = await clusterPoints(
    tx,
    items.map((it, i) => ({ x: (xy[i] as [number, number])[0], y: (xy[i] as [number, number])[1], class: it.cls })),
    opts.clusterEpsM,
  );
  const clusters = new Map<number, number[]>();
  cids.forEach((c, i) => {
    clusters.set(c, [...(clusters.get(c) ?? []), i]);
  });
  const joins = new Map<number, Tracklet[]>();
  const fresh: Tracklet[][] = [];
  for (const members of clusters.values()) {
    if (!members.some((i) => items[i] && 'tracklet' in (items[i] as object))) continue;
    for (const group of splitByFacing(members, (i) => items[i]?.facing ?? null, opts.facingSplitDeg)) {
      const feats = group.filter((i) => 'feature' in (items[i] as object));
      const tls = group.filter((i) => 'tracklet' in (items[i] as object));
      if (feats.length === 0) {
        fresh.push(tls.map((i) => (items[i] as { tracklet: Tracklet }).tracklet));
        continue;
      }
      for (const ti of tls) {
        const [tx0, ty0] = xy[ti] as [number, number];
        const near = feats.reduce((a, b) => (dist2(xy[a], tx0, ty0) <= dist2(xy[b], tx0, ty0) ? a : b));
        const id = (items[near] as { feature: StoredFeature }).feature.id;
        joins.set(id, [...(joins.get(id) ?? []), (items[ti] as { tracklet: Tracklet }).tracklet]);
      }
    }
  }
  return { joins, fresh };
}

/** Stored features first, then tracklets, each with the class and facing it clusters under. */
async function clusterItems(
  tx: Sql,
  existing: readonly StoredFeature[],
  tracklets: readonly Tracklet[],
): Promise<Item[]> {
  // A relabelled feature keeps attracting what the detectors call it: cluster it under its evidence class.
  const relabelled = existing.filter((e) => e.relabel !== null).map((e) => e.id);
  const evidence = await loadObservations(tx, relabelled);
  const evidenceClass = (e: StoredFeature): string => {
    const obs = evidence.get(e.id);
    return e.relabel && obs && obs.length > 0 ? estimateFeature(obs).class : e.class;
  };
  return [
    ...existing.map((e) => ({
      feature: e,
      facing: classGeometry(evidenceClass(e))?.faced ? e.facingDeg : null,
      cls: evidenceClass(e),
      lat: e.lat,
      lon: e.lon,
    })),
    ...tracklets.map((t) => ({
      tracklet: t,
      facing: classGeometry(t.class)?.faced ? facingOf(t.observations) : null,
      cls: t.class,
      lat: t.lat,
      lon: t.lon,
    })),
  ];
}

function dist2(p: [number, number] | undefined, x: number, y: number): number {
  return p ? (p[0] - x) ** 2 + (p[1] - y) ** 2 : Number.POSITIVE_INFINITY;
}
