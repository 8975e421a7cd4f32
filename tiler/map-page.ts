/**
 * The minimal map page: MapLibre GL (ESM build, served from node_modules) with the pmtiles protocol reading
 * /tiles/map.pmtiles by range requests, drawn with the web app's style (api/map-style.ts, served with its types
 * stripped, so both pages draw the archive one way). `window.map` is exposed for tests and debugging;
 * `window.mapError` holds the first error the map reported.
 */
import { readFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const maplibreDist = () => path.dirname(fileURLToPath(import.meta.resolve('maplibre-gl')));
// pmtiles exports only its ESM/CJS entries; the browser bundle (UMD, global `pmtiles`) sits two folders above ESM's.
const pmtilesDist = () => path.join(path.dirname(fileURLToPath(import.meta.resolve('pmtiles'))), '..');

/** Files the page loads, by the name it asks for (`strip`: TypeScript whose types are removed before serving). */
const ASSETS: Record<string, { file: () => string; type: string; strip?: true }> = {
  'maplibre-gl.mjs': { file: () => path.join(maplibreDist(), 'maplibre-gl.mjs'), type: 'text/javascript' },
  'maplibre-gl-worker.mjs': {
    file: () => path.join(maplibreDist(), 'maplibre-gl-worker.mjs'),
    type: 'text/javascript',
  },
  'maplibre-gl.css': { file: () => path.join(maplibreDist(), 'maplibre-gl.css'), type: 'text/css' },
  'pmtiles.js': { file: () => path.join(pmtilesDist(), 'pmtiles.js'), type: 'text/javascript' },
  'map-style.mjs': {
    file: () => fileURLToPath(import.meta.resolve('../api/map-style.ts')),
    type: 'text/javascript',
    strip: true,
  },
};

/** Reads an asset; a stripped one keeps its line layout (whitespace for types), so browser errors point at the source. */
async function load(a: { file: () => string; strip?: true }): Promise<Buffer> {
  const bytes = await readFile(a.file());
  return a.strip ? Buffer.from(stripTypeScriptTypes(bytes.toString('utf8'))) : bytes;
}

const cache = new Map<string, Promise<Buffer>>();

/** A page asset's bytes and content type, or undefined for names outside the list. */
export async function mapAsset(name: string): Promise<{ body: Buffer; type: string } | undefined> {
  const a = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (a === undefined) return undefined;
  let body = cache.get(name);
  if (body === undefined) {
    body = load(a);
    body.catch(() => cache.delete(name));
    cache.set(name, body);
  }
  return { body: await body, type: a.type };
}

/** The map page's HTML. */
export function mapPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mapmint map</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/map/lib/maplibre-gl.css">
<style>html,body,#map{margin:0;height:100%}</style>
<script src="/map/lib/pmtiles.js"></script>
</head><body><div id="map"></div>
<script type="module">
import * as maplibregl from '/map/lib/maplibre-gl.mjs';
import { archiveStyle, provideIcons } from '/map/lib/map-style.mjs';
const protocol = new pmtiles.Protocol();
maplibregl.addProtocol('pmtiles', protocol.tile);
const tj = await (await fetch('/tiles/tiles.json')).json();
const map = new maplibregl.Map({
  container: 'map',
  center: [tj.center[0], tj.center[1]],
  zoom: tj.center[2],
  style: archiveStyle(tj, location.origin),
});
provideIcons(map);
map.on('error', (e) => { window.mapError ??= String(e.error?.message ?? e.error ?? e); console.error(window.mapError); });
window.map = map;
</script></body></html>
`;
}
