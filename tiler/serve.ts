/**
 * HTTP serving of the live archive, as a Fastify plugin: the archive itself with byte ranges (RFC 9110 ch. 14:
 * single ranges, 206/416, strong ETag, If-None-Match, If-Match, If-Range), single tiles decoded from it, TileJSON
 * 3.0, and the map page. Clients never mix bytes of two versions: every archive response carries the version's
 * ETag, a mismatching If-Match gets 412 and a mismatching If-Range gets the whole new archive. A single tile is whole
 * in every response, so its ETag names its content: a tile an update left unchanged keeps its ETag (and 304s).
 * The hot path touches no file but one stat of `current.json`: directories, tiles and ranges come from memory
 * (see `LiveArchive`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalid, MapmintError } from '../core/index.ts';
import { LiveArchive, type OpenVersion } from './live-archive.ts';
import { mapAsset, mapPage } from './map-page.ts';

/** Options of the tiles plugin. */
export interface TilesPluginOptions {
  /** The archive directory that `buildTiles`/`updateTiles` write (with `current.json`). */
  dir: string;
  /** Cache-Control of archive, tile and TileJSON responses; default one minute, then revalidate by ETag. */
  cacheControl?: string;
  /** Memory for the live version's hot tiles and archive ranges; default 64 MiB. */
  cacheBytes?: number;
  /**
   * The @fastify/rate-limit settings of the archive, tile and asset routes (one map view makes hundreds of
   * requests, so the host gives them a bucket of their own); default none.
   */
  routeLimit?: Record<string, unknown>;
  /**
   * The origin TileJSON's tile URLs start with, given the request's Host header so a host may pick among origins it
   * owns; it must never echo the header, as TileJSON is cached publicly. Default: relative URLs (`/tiles/...`).
   */
  publicOrigin?: (host: string | undefined) => string;
}

const STREAM_ABOVE = 1 << 20;

/** Parse one `bytes=` range against `size`: a range, 'unsatisfiable', or undefined (absent, malformed, multiple). */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** Whether an If-Match / If-None-Match list names `etag` (strong comparison; `*` matches any). */
function etagListHas(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header === etag) return true;
  return header.split(',').some((t) => t.trim() === '*' || t.trim() === etag);
}

// Clients send a handful of distinct Accept-Encoding values: each is parsed once.
const gzipAccepted = new Map<string, boolean>();
function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let yes = gzipAccepted.get(header);
  if (yes === undefined) {
    yes = /(^|[\s,])(gzip|\*)(?!;\s*q=0(\.0*)?(\s|,|$))/i.test(header);
    if (gzipAccepted.size >= 64) gzipAccepted.clear();
    gzipAccepted.set(header, yes);
  }
  return yes;
}

async function live(archives: LiveArchive): Promise<OpenVersion> {
  const v = await archives.current();
  if (v === undefined) throw new MapmintError('not_found', 'no_tiles', 'no tile archive has been built yet');
  return v;
}

async function sendArchive(archives: LiveArchive, cacheControl: string, req: FastifyRequest, reply: FastifyReply) {
  const v = await live(archives);
  const etag = v.version.etag;
  void reply.header('ETag', etag).header('Accept-Ranges', 'bytes').header('Cache-Control', cacheControl);
  const h = req.headers;
  if (h['if-match'] !== undefined && !etagListHas(h['if-match'], etag)) {
    return reply.status(412).send({ error: { code: 'version_changed', message: `the archive is now ${etag}` } });
  }
  if (etagListHas(h['if-none-match'], etag)) return reply.status(304).send();
  const ifRange = h['if-range'];
  const range = ifRange === undefined || ifRange === etag ? parseRange(h.range, v.size) : undefined;
  if (range === 'unsatisfiable') {
    return reply.status(416).header('Content-Range', `bytes */${v.size}`).send();
  }
  void reply.header('Content-Type', 'application/vnd.pmtiles');
  const { start, end } = range ?? { start: 0, end: v.size - 1 };
  const length = end - start + 1;
  if (range !== undefined) void reply.status(206).header('Content-Range', `bytes ${start}-${end}/${v.size}`);
  void reply.header('Content-Length', length);
  if (req.method === 'HEAD' || length === 0) return reply.send();
  if (length <= STREAM_ABOVE) return reply.send(await v.read(start, length));
  return reply.send(v.handle.createReadStream({ start, end, autoClose: false }));
}

/** Headers every tile response carries, whatever its status. */
function tileHeaders(cacheControl: string): Record<string, string> {
  return { 'cache-control': cacheControl, vary: 'Accept-Encoding' };
}

async function sendTile(
  archives: LiveArchive,
  common: Record<string, string>,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  const { z: zs, x: xs, file } = req.params as { z: string; x: string; file: string };
  const m = /^(\d+)\.mvt$/.exec(file);
  const [z, x, y] = [Number(zs), Number(xs), Number(m?.[1])];
  if (!/^\d+$/.test(zs) || !/^\d+$/.test(xs) || m === null || z > 26 || x >= 2 ** z || y >= 2 ** z) {
    throw invalid('bad_tile', `no tile ${zs}/${xs}/${file}: want /tiles/{z}/{x}/{y}.mvt inside zoom z's grid`);
  }
  const v = await live(archives);
  const tile = await v.tile(z, x, y);
  void reply.headers(common);
  if (tile === undefined) return reply.status(204).send();
  const gzip = v.gzipTiles && acceptsGzip(req.headers['accept-encoding']);
  const etag = gzip ? tile.etagGzip : tile.etag;
  void reply.header('etag', etag).header('content-type', 'application/vnd.mapbox-vector-tile');
  if (etagListHas(req.headers['if-none-match'], etag)) return reply.status(304).send();
  if (gzip) return reply.header('content-encoding', 'gzip').send(tile.stored);
  return reply.send(v.plain(tile));
}

/** TileJSON 3.0.0 for the live archive, with tile URLs on `origin` (empty: relative URLs). */
export function tileJson(v: OpenVersion, origin: string): Record<string, unknown> {
  const md = v.metadata;
  const h = v.archive.header;
  return {
    tilejson: '3.0.0',
    name: md['name'],
    description: md['description'],
    attribution: md['attribution'],
    version: md['version'],
    scheme: 'xyz',
    tiles: [`${origin}/tiles/{z}/{x}/{y}.mvt`],
    vector_layers: md['vector_layers'],
    minzoom: h.minZoom,
    maxzoom: h.maxZoom,
    bounds: [h.minLon, h.minLat, h.maxLon, h.maxLat],
    center: [h.centerLon, h.centerLat, h.centerZoom],
  };
}

/** Fastify plugin: GET /tiles/map.pmtiles, /tiles/{z}/{x}/{y}.mvt, /tiles/tiles.json, /map and its assets. */
export async function tilesPlugin(app: FastifyInstance, opts: TilesPluginOptions): Promise<void> {
  const archives = new LiveArchive(opts.dir, opts.cacheBytes);
  const cacheControl = opts.cacheControl ?? 'public, max-age=60, must-revalidate';
  app.addHook('onClose', () => archives.close());
  const hide = { hide: true };
  // Tile and archive requests come by the hundred per map view: not the API's per-minute limit, their own.
  const routeConfig = { rateLimit: opts.routeLimit ?? false };
  app.get('/tiles/map.pmtiles', { config: routeConfig, schema: hide }, (req, reply) =>
    sendArchive(archives, cacheControl, req, reply),
  );
  const common = tileHeaders(cacheControl);
  app.get('/tiles/:z/:x/:file', { config: routeConfig, schema: hide }, (req, reply) =>
    sendTile(archives, common, req, reply),
  );
  app.get('/tiles/tiles.json', { config: routeConfig, schema: hide }, async (req, reply) => {
    const v = await live(archives);
    const origin = opts.publicOrigin?.(req.headers.host) ?? '';
    return reply.header('Cache-Control', cacheControl).header('ETag', v.version.etag).send(tileJson(v, origin));
  });
  app.get('/map', { schema: hide }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(mapPage()));
  app.get('/map/lib/:file', { config: routeConfig, schema: hide }, async (req, reply) => {
    const asset = await mapAsset((req.params as { file: string }).file);
    if (asset === undefined) throw new MapmintError('not_found', 'no_asset', 'no such map asset');
    return reply.type(asset.type).header('Cache-Control', 'public, max-age=86400').send(asset.body);
  });
}
