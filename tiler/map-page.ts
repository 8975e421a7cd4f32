/**
 * The minimal map page: MapLibre GL (ESM build, served from node_modules) with the pmtiles protocol reading
 * /tiles/map.pmtiles by range requests, one style layer per layer of the layer table. `window.map` is exposed for
 * tests and debugging; `window.mapError` holds the first error the map reported.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYERS, type LayerSpec } from './layers.ts';

const maplibreDist = () => path.dirname(fileURLToPath(import.meta.resolve('maplibre-gl')));
// pmtiles exports only its ESM/CJS entries; the browser bundle (UMD, global `pmtiles`) sits two folders above ESM's.
const pmtilesDist = () => path.join(path.dirname(fileURLToPath(import.meta.resolve('pmtiles'))), '..');

/** Files the page loads, by the name it asks for. */
const ASSETS: Record<string, { file: () => string; type: string }> = {
  'maplibre-gl.mjs': { file: () => path.join(maplibreDist(), 'maplibre-gl.mjs'), type: 'text/javascript' },
  'maplibre-gl-worker.mjs': {
    file: () => path.join(maplibreDist(), 'maplibre-gl-worker.mjs'),
    type: 'text/javascript',
  },
  'maplibre-gl.css': { file: () => path.join(maplibreDist(), 'maplibre-gl.css'), type: 'text/css' },
  'pmtiles.js': { file: () => path.join(pmtilesDist(), 'pmtiles.js'), type: 'text/javascript' },
};

const cache = new Map<string, Promise<Buffer>>();

/** A page asset's bytes and content type, or undefined for names outside the list. */
export async function mapAsset(name: string): Promise<{ body: Buffer; type: string } | undefined> {
  const a = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (a === undefined) return undefined;
  let body = cache.get(name);
  if (body === undefined) {
    body = readFile(a.file());
    body.catch(() => cache.delete(name));
    cache.set(name, body);
  }
  return { body: await body, type: a.type };
}

const COLORS: Record<string, string> = {
  coverage: '#8a8f98',
  sequences: '#1f6feb',
  frames: '#f08c00',
  features: '#d6336c',
};

/** MapLibre style layers for one layer of the table. */
export function styleLayers(spec: LayerSpec): Record<string, unknown>[] {
  const base = { source: 'mapmint', 'source-layer': spec.name, minzoom: spec.minzoom };
  const color = COLORS[spec.name] ?? '#444';
  if (spec.name === 'coverage') {
    // Covered pieces in green, brighter when novel this epoch; never driven ones stay grey.
    const paint = {
      'line-color': ['case', ['get', 'novel'], '#2fb344', ['>', ['get', 'drives'], 0], '#1b7a30', color],
      'line-width': 2,
    };
    return [{ id: spec.name, type: 'line', ...base, paint }];
  }
  if (spec.kind === 'line') {
    return [{ id: spec.name, type: 'line', ...base, paint: { 'line-color': color, 'line-width': 3 } }];
  }
  const paint = { 'circle-color': color, 'circle-radius': 4, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 };
  return [{ id: spec.name, type: 'circle', ...base, paint }];
}

/** The map page's HTML. */
export function mapPage(): string {
  const layers = LAYERS.flatMap(styleLayers);
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
const protocol = new pmtiles.Protocol();
maplibregl.addProtocol('pmtiles', protocol.tile);
const tj = await (await fetch('/tiles/tiles.json')).json();
const present = new Set(tj.vector_layers.map((l) => l.id));
const layers = ${JSON.stringify(layers)}.filter((l) => present.has(l['source-layer']));
const map = new maplibregl.Map({
  container: 'map',
  center: [tj.center[0], tj.center[1]],
  zoom: tj.center[2],
  style: {
    version: 8,
    sources: { mapmint: { type: 'vector', url: 'pmtiles://' + location.origin + '/tiles/map.pmtiles',
      attribution: tj.attribution } },
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f4f1ea' } }, ...layers],
  },
});
map.on('error', (e) => { window.mapError ??= String(e.error?.message ?? e.error ?? e); console.error(window.mapError); });
window.map = map;
</script></body></html>
`;
}
