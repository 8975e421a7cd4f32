/**
 * Streaming OSM reader. No npm package here decodes OSM PBF (the `pbf` in node_modules is a generic protobuf codec
 * pulled in by maplibre), so the system `osmium` decodes and we parse its OPL text line by line
 * (https://osmcode.org/opl-file-format/). Spawned with argument arrays; nothing is held beyond what the caller keeps.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { MapmintError } from '../core/index.ts';

/** An OSM way as read: id, tags and node references in order. */
export interface OsmWay {
  id: number;
  tags: Record<string, string>;
  nodes: number[];
}

/** Which objects to stream. */
export type OsmObjectType = 'node' | 'way';

const OPL_ESCAPE = /%([0-9a-fA-F]+)%/g;

function unescapeOpl(s: string): string {
  return s.includes('%')
    ? s.replace(OPL_ESCAPE, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    : s;
}

/** Parses an OPL tag list (`k=v,k2=v2`, values %-escaped). */
export function parseOplTags(s: string): Record<string, string> {
  const tags: Record<string, string> = {};
  if (s.length === 0) return tags;
  for (const kv of s.split(',')) {
    const eq = kv.indexOf('=');
    if (eq > 0) tags[unescapeOpl(kv.slice(0, eq))] = unescapeOpl(kv.slice(eq + 1));
  }
  return tags;
}

/** Parses one OPL way line (`w<id> T<tags> N<n1>,<n2>`), or undefined for any other line. */
export function parseOplWay(line: string): OsmWay | undefined {
  if (line.charCodeAt(0) !== 119 /* w */) return undefined;
  let id = 0;
  let tags: Record<string, string> = {};
  let nodes: number[] = [];
  for (const field of line.split(' ')) {
    const c = field.charCodeAt(0);
    if (c === 119) id = Number(field.slice(1));
    else if (c === 84 /* T */) tags = parseOplTags(field.slice(1));
    else if (c === 78 /* N */ && field.length > 1)
      nodes = field
        .slice(1)
        .split(',')
        .map((n) => Number(n.slice(1)));
  }
  return { id, tags, nodes };
}

/** Streams the lines of `osmium cat` for one object type of an OSM file (PBF, XML, OPL: whatever osmium reads). */
export async function* osmLines(file: string, type: OsmObjectType, osmium = 'osmium'): AsyncGenerator<string> {
  const child = spawn(osmium, ['cat', file, '-t', type, '-f', 'opl,add_metadata=false', '-o', '-'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 4000) stderr += d;
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? -1));
  });
  try {
    for await (const line of createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY })) yield line;
  } catch (e) {
    child.kill();
    throw e;
  } finally {
    if (child.exitCode === null) child.kill();
  }
  let code: number;
  try {
    code = await exited;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT')
      throw new MapmintError('dependency_missing', 'osmium_missing', `${osmium} not found: install osmium-tool`);
    throw e;
  }
  if (code !== 0)
    throw new MapmintError('invalid_input', 'osm_read_failed', `${file}: osmium exited ${code}: ${stderr.trim()}`, {
      file,
    });
}

/** Pass 1: the ways of a file that `keep` accepts. */
export async function readWays(file: string, keep: (w: OsmWay) => boolean, osmium?: string): Promise<OsmWay[]> {
  const out: OsmWay[] = [];
  for await (const line of osmLines(file, 'way', osmium)) {
    const w = parseOplWay(line);
    if (w && w.nodes.length >= 2 && keep(w)) out.push(w);
  }
  return out;
}

/** Pass 2: coordinates of the wanted nodes only, as id -> [lon, lat]. */
export async function readNodeCoords(
  file: string,
  wanted: ReadonlySet<number>,
  osmium?: string,
): Promise<Map<number, [number, number]>> {
  const out = new Map<number, [number, number]>();
  for await (const line of osmLines(file, 'node', osmium)) {
    const sp = line.indexOf(' ');
    const id = Number(line.slice(1, sp));
    if (!wanted.has(id)) continue;
    const xi = line.indexOf(' x', sp);
    const yi = line.indexOf(' y', sp);
    if (xi < 0 || yi < 0) continue;
    const end = line.indexOf(' ', yi + 2);
    const lon = Number(line.slice(xi + 2, yi));
    const lat = Number(line.slice(yi + 2, end < 0 ? undefined : end));
    if (Number.isFinite(lon) && Number.isFinite(lat) && xi + 2 < yi) out.set(id, [lon, lat]);
  }
  return out;
}
