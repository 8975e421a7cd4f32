/**
 * The layer schema: the one table that says which vector layers the tiles carry, at which zooms, with which fields,
 * and where each layer's rows come from. Tile SQL, tile enumeration, archive metadata and the map style are all
 * derived from it, so adding a layer or a source table is one entry here.
 */

/** MVT attribute types as TileJSON's `vector_layers.fields` names them. */
export type FieldType = 'String' | 'Number' | 'Boolean';

/** One way of reading a layer's rows; the first source of a layer whose tables all exist is used. */
export interface LayerSource {
  /** Tables or views the source reads (schema `public`); the source applies only when every one exists. */
  tables: string[];
  /** The FROM clause (with joins). */
  from: string;
  /**
   * A FROM clause that lists the same geometries without the attribute joins (which can only repeat rows, not drop
   * them), for the queries that need geometries only: candidate tiles and the data extent. Default `from`.
   */
  geomFrom?: string;
  /** Optional WHERE condition (without the tile filter, which is added). */
  where?: string;
  /** The geometry column (SRID 4326, GiST-indexed): tile filters test it with && so the index is used. */
  geom: string;
  /** The geometry drawn, when it differs from `geom` (a part of it, e.g. a track minus privacy zones); default `geom`. */
  draw?: string;
  /** SQL expression per field of the layer; fields missing from a table are constants (NULL, 0, false). */
  attributes: Record<string, string>;
}

/**
 * A condition on a layer's rows at low zooms (generalisation: zoomed out, a tile carries only the rows that matter
 * there, so it stays light for clients and quick to re-render). At zoom z the first entry with `z <= maxzoom` applies;
 * above the last entry's `maxzoom` every row is drawn.
 */
export interface ZoomFilter {
  /** Highest zoom the condition applies at. */
  maxzoom: number;
  /**
   * SQL condition on the rows. It also filters candidate tiles and the data extent, which read `geomFrom`, so it may
   * use only the columns every source's `geomFrom` has.
   */
  where: string;
  /** What is kept, in words, for the archive metadata. */
  keeps: string;
}

/** One vector layer. */
export interface LayerSpec {
  name: string;
  description: string;
  minzoom: number;
  maxzoom: number;
  /** Geometry kind, for the map style. */
  kind: 'line' | 'point';
  /** Simplify lines with a tolerance of about one screen pixel (a 512-px tile's pixel) before encoding. */
  simplify: boolean;
  fields: Record<string, FieldType>;
  /** Property that orders features inside a tile, so builds are byte-for-byte reproducible. */
  orderBy: string;
  /** Conditions on the rows by zoom, ascending `maxzoom` (see `ZoomFilter`); none: every row at every zoom. */
  zoomFilters?: ZoomFilter[];
  sources: LayerSource[];
}

/** Attribution written into the archive metadata and TileJSON. */
export const ATTRIBUTION = '© mapmint contributors';

// Timestamps are formatted in SQL, in UTC: left to ST_AsMVT they would follow the session's TimeZone setting. Every
// public time is a day (README "Privacy"): to the second or millisecond, times along a drive order its frames and
// tracks into a route with its timetable; the day is what a map reader needs to judge freshness.
const isoDate = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;

const segmentAttributes = {
  id: 's.id',
  class: 's.class',
  name: 's.name',
  length_m: 'round(s.length_m::numeric, 1)::float8',
};

/**
 * Road classes by the zoom they appear at in the coverage layer, from the classes roads/ imports (`DRIVABLE_CLASSES`
 * in roads/road-classes.ts). Zoomed out, the network is its through roads; general OSM maps bring residential and
 * service streets in from about z12. Below z12 the 100 m pieces of residential, living_street, unclassified and
 * service roads are a few pixels each: they made a city's z10 tile megabytes of features nobody can tell apart, and
 * every drive re-rendered it. z11 keeps motorway to tertiary and their ramps; z10 only motorway, trunk and primary
 * (+ ramps): with secondary and tertiary too, the benchmark city's z10 tile was still 1.8 MB (bench/tiles.ts).
 */
const TRUNK_ROADS = ['motorway', 'trunk', 'primary'];
const MAJOR_ROADS = [...TRUNK_ROADS, 'secondary', 'tertiary'];
const withLinks = (classes: string[]) => classes.flatMap((c) => [c, `${c}_link`]);
const classIn = (classes: string[]) => `s.class IN (${classes.map((c) => `'${c}'`).join(', ')})`;

/** Every layer, in drawing order (bottom first). */
export const LAYERS: readonly LayerSpec[] = [
  {
    name: 'coverage',
    description: 'Road segments with freshness: last covered date, number of drives, novel this epoch',
    minzoom: 10,
    maxzoom: 16,
    kind: 'line',
    simplify: true,
    fields: {
      id: 'String',
      class: 'String',
      name: 'String',
      length_m: 'Number',
      last_covered: 'String',
      drives: 'Number',
      novel: 'Boolean',
    },
    orderBy: 'id',
    zoomFilters: [
      {
        maxzoom: 10,
        where: classIn(withLinks(TRUNK_ROADS)),
        keeps: `trunk roads only: ${withLinks(TRUNK_ROADS).join(', ')}`,
      },
      {
        maxzoom: 11,
        where: classIn(withLinks(MAJOR_ROADS)),
        keeps: `major roads only: ${withLinks(MAJOR_ROADS).join(', ')}`,
      },
    ],
    sources: [
      {
        // The contract with roads/rewards: a table or view `segment_coverage(segment_id, last_covered_at, drives, novel)`.
        tables: ['road_segments', 'segment_coverage'],
        from: 'road_segments s LEFT JOIN segment_coverage c ON c.segment_id = s.id',
        geomFrom: 'road_segments s',
        where: 's.retired_at IS NULL',
        geom: 's.geom',
        attributes: {
          ...segmentAttributes,
          last_covered: isoDate('c.last_covered_at'),
          drives: 'coalesce(c.drives, 0)::int',
          novel: 'coalesce(c.novel, false)',
        },
      },
      {
        tables: ['road_segments'],
        from: 'road_segments s',
        where: 's.retired_at IS NULL',
        geom: 's.geom',
        attributes: { ...segmentAttributes, last_covered: 'NULL::text', drives: '0::int', novel: 'false' },
      },
    ],
  },
  {
    name: 'sequences',
    description: 'Drive paths (validated tracks)',
    minzoom: 12,
    maxzoom: 16,
    kind: 'line',
    simplify: true,
    fields: { upload_id: 'String', started_at: 'String', length_m: 'Number' },
    orderBy: 'upload_id',
    sources: [
      {
        // The view cuts each driver's privacy zones out of their tracks (db/migrations/0015_public_views.sql).
        tables: ['public_tracks'],
        from: 'public_tracks t',
        geom: 't.geom',
        draw: 't.public_geom',
        attributes: {
          upload_id: 't.upload_id::text',
          started_at: isoDate('t.started_at'),
          length_m: 'round(t.length_m::numeric, 1)::float8',
        },
      },
    ],
  },
  {
    name: 'frames',
    description: 'Sampled camera frames with their heading',
    minzoom: 15,
    maxzoom: 16,
    kind: 'point',
    simplify: false,
    // `id` is the frame's public id (its image is /v1/frames/{id}/image), never the serial.
    fields: { id: 'String', heading: 'Number', captured_at: 'String', upload_id: 'String' },
    orderBy: 'id',
    sources: [
      {
        // Frames of uploads not quarantined, outside their driver's privacy zones (db/migrations/0015_public_views.sql).
        tables: ['public_frames'],
        from: 'public_frames f',
        geom: 'f.geom',
        attributes: {
          id: 'f.public_id::text',
          heading: 'round(f.heading_deg::numeric, 1)::float8',
          captured_at: isoDate('f.captured_at'),
          upload_id: 'f.upload_id::text',
        },
      },
    ],
  },
  {
    name: 'features',
    description: 'Fused map features (signs, lights, ...) with their confidence and status',
    minzoom: 13,
    maxzoom: 16,
    kind: 'point',
    simplify: false,
    fields: {
      id: 'Number',
      class: 'String',
      value: 'String',
      confidence: 'Number',
      status: 'String',
      last_seen: 'String',
    },
    orderBy: 'id',
    sources: [
      {
        // The contract with fusion: `map_features(id bigint, class, value, confidence, status, last_seen_at, geom Point 4326)`.
        tables: ['map_features'],
        from: 'map_features m',
        geom: 'm.geom',
        attributes: {
          id: 'm.id::float8',
          class: 'm.class',
          value: 'm.value',
          confidence: 'round(m.confidence::numeric, 3)::float8',
          status: 'm.status',
          last_seen: isoDate('m.last_seen_at'),
        },
      },
    ],
  },
];

/** A layer with the source chosen for the database at hand. */
export interface ResolvedLayer {
  spec: LayerSpec;
  source: LayerSource;
}

/** TileJSON / PMTiles `vector_layers` entries for the layers that have a source. */
export function vectorLayers(layers: readonly ResolvedLayer[]): Record<string, unknown>[] {
  return layers.map(({ spec }) => ({
    id: spec.name,
    description: spec.description,
    minzoom: spec.minzoom,
    maxzoom: spec.maxzoom,
    fields: spec.fields,
    // Not in TileJSON 3.0 (which allows extra keys): which rows the low zooms carry.
    ...(spec.zoomFilters ? { zoom_filters: spec.zoomFilters.map(({ maxzoom, keeps }) => ({ maxzoom, keeps })) } : {}),
  }));
}

/** The condition on `spec`'s rows at zoom `z`, if any (see `ZoomFilter`). */
export function zoomFilterAt(spec: LayerSpec, z: number): string | undefined {
  return spec.zoomFilters?.find((f) => z <= f.maxzoom)?.where;
}

/**
 * The condition on `spec`'s rows drawn at some zoom of the layer (for the data extent): undefined when some zoom draws
 * every row, else the disjunction of the zoom conditions.
 */
export function anyZoomFilter(spec: LayerSpec): string | undefined {
  const conds = new Set<string>();
  for (let z = spec.minzoom; z <= spec.maxzoom; z++) {
    const c = zoomFilterAt(spec, z);
    if (c === undefined) return undefined;
    conds.add(`(${c})`);
  }
  return [...conds].join(' OR ');
}

/** The layers drawn at zoom `z`. */
export function layersAtZoom(layers: readonly ResolvedLayer[], z: number): ResolvedLayer[] {
  return layers.filter(({ spec }) => z >= spec.minzoom && z <= spec.maxzoom);
}
