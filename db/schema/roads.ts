import { bigint, doublePrecision, index, integer, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';

import { lineString4326, point4326 } from './types.ts';

/**
 * Vertices of the routable road graph: OSM junction/end nodes (their OSM id, positive) and the cut points between
 * pieces of one segment (negative ids hashed from the piece key, so they are stable across imports too).
 */
export const roadNodes = pgTable(
  'road_nodes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey(),
    geom: point4326('geom').notNull(),
  },
  (t) => [index('road_nodes_geom').using('gist', t.geom)],
);

/**
 * Road pieces (roads/import-roads.ts): drivable OSM ways split at junctions into segments, then cut into pieces of at
 * most ~100 m. They are the graph's edges (source/target/cost/reverse_cost, as pgRouting expects) and the unit that
 * coverage and rewards count. Vanished pieces are retired, never deleted, so coverage history keeps its targets.
 */
export const roadSegments = pgTable(
  'road_segments',
  {
    /** Hash of (way id, from node, to node, piece index): unchanged segments keep their ids across imports. */
    id: text('id').primaryKey(),
    /** Which extract the piece came from (e.g. 'andorra'); retiring only looks at pieces of the same region. */
    region: text('region').notNull(),
    wayId: bigint('way_id', { mode: 'number' }).notNull(),
    /** OSM node ids at the ends of the junction-to-junction segment (in the way's node order). */
    fromNode: bigint('from_node', { mode: 'number' }).notNull(),
    toNode: bigint('to_node', { mode: 'number' }).notNull(),
    pieceIndex: integer('piece_index').notNull(),
    pieceCount: integer('piece_count').notNull(),
    /** Graph vertices (road_nodes.id) at the start and end of this piece's geometry. */
    source: bigint('source', { mode: 'number' }).notNull(),
    target: bigint('target', { mode: 'number' }).notNull(),
    geom: lineString4326('geom').notNull(),
    lengthM: doublePrecision('length_m').notNull(),
    /** OSM highway=* value. */
    class: text('class').notNull(),
    name: text('name'),
    ref: text('ref'),
    /** 0 both ways, 1 only along the geometry, -1 only against it. */
    oneway: smallint('oneway').notNull(),
    /** Metres along / against the geometry; -1 where that direction is closed (pgRouting's convention). */
    cost: doublePrecision('cost').notNull(),
    reverseCost: doublePrecision('reverse_cost').notNull(),
    /** Hash of geometry and attributes: an import rewrites a piece only when this changes. */
    contentHash: text('content_hash').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    retiredAt: timestamp('retired_at', { withTimezone: true }),
  },
  (t) => [
    index('road_segments_geom').using('gist', t.geom),
    index('road_segments_region').on(t.region),
    index('road_segments_source').on(t.source),
    index('road_segments_target').on(t.target),
    index('road_segments_way').on(t.wayId),
  ],
);
