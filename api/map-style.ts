/**
 * The map's look, one source for every page that draws the published archive: the web app's pages (bundled by
 * web/build.ts) and the tiler's standalone `/map` page (served to the browser with its types stripped). Coverage is
 * coloured by freshness, drive paths dashed, frames as dots, features by class with icons drawn on a canvas at load,
 * so the style needs no sprite or glyph server. No value imports: the file must run in a browser as it stands.
 */

import type { ExpressionSpecification, LayerSpecification, Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';

/** The parts of the archive's TileJSON the style reads. */
export interface StyleTileJson {
  vector_layers: { id: string }[];
  attribution?: string;
}

/** The archive's URL for the pmtiles protocol and for developers. */
export const PMTILES_PATH = '/tiles/map.pmtiles';

const DAY = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Freshness classes of a road piece (by its last covered date), newest first, with colours that stay apart. */
export function freshnessBuckets(now = Date.now()) {
  return [
    { label: 'Covered in the last 30 days', since: isoDay(now - 30 * DAY), color: '#1a7f37' },
    { label: '30 days to 6 months ago', since: isoDay(now - 182 * DAY), color: '#8cb400' },
    { label: '6 months to 1 year ago', since: isoDay(now - 365 * DAY), color: '#d4a017' },
    { label: 'More than a year ago', since: '0000-00-00', color: '#c2410c' },
  ];
}

/** Colour of never-covered road pieces. */
export const NEVER_COVERED = '#b8bcc4';

/** The coverage line colour: by the ISO date `last_covered` (string comparison is date order). */
export function freshnessColor(now = Date.now()): ExpressionSpecification {
  const cases: unknown[] = ['case', ['!', ['has', 'last_covered']], NEVER_COVERED];
  for (const b of freshnessBuckets(now)) cases.push(['>=', ['to-string', ['get', 'last_covered']], b.since], b.color);
  cases.push(NEVER_COVERED);
  return cases as ExpressionSpecification;
}

/** How each feature class is drawn: a shape, colours and a short mark. */
interface IconSpec {
  label: string;
  shape: 'octagon' | 'circle' | 'triangle' | 'square' | 'light';
  fill: string;
  stroke: string;
  mark: string;
  markColor: string;
}

/** Icons per feature class (classes from vision's taxonomy and fusion); anything else gets the `other` icon. */
export const FEATURE_ICONS: Record<string, IconSpec> = {
  'regulatory--stop': {
    label: 'Stop sign',
    shape: 'octagon',
    fill: '#c8102e',
    stroke: '#fff',
    mark: 'STOP',
    markColor: '#fff',
  },
  'regulatory--yield': {
    label: 'Yield sign',
    shape: 'triangle',
    fill: '#fff',
    stroke: '#c8102e',
    mark: '',
    markColor: '#c8102e',
  },
  'regulatory--maximum-speed-limit': {
    label: 'Maximum speed sign',
    shape: 'circle',
    fill: '#fff',
    stroke: '#c8102e',
    mark: '?',
    markColor: '#111',
  },
  'speed-limit': {
    label: 'Speed limit',
    shape: 'circle',
    fill: '#fff',
    stroke: '#c8102e',
    mark: '?',
    markColor: '#111',
  },
  'traffic-light': {
    label: 'Traffic light',
    shape: 'light',
    fill: '#1f2328',
    stroke: '#fff',
    mark: '',
    markColor: '#fff',
  },
  'fire-hydrant': {
    label: 'Fire hydrant',
    shape: 'square',
    fill: '#b42318',
    stroke: '#fff',
    mark: 'H',
    markColor: '#fff',
  },
  'street-name-sign': {
    label: 'Street name sign',
    shape: 'square',
    fill: '#116329',
    stroke: '#fff',
    mark: 'St',
    markColor: '#fff',
  },
  'parking-meter': {
    label: 'Parking meter',
    shape: 'square',
    fill: '#0550ae',
    stroke: '#fff',
    mark: 'P',
    markColor: '#fff',
  },
  bench: { label: 'Bench', shape: 'square', fill: '#6e5494', stroke: '#fff', mark: 'B', markColor: '#fff' },
  other: { label: 'Other feature', shape: 'circle', fill: '#57606a', stroke: '#fff', mark: '•', markColor: '#fff' },
};

const SIZE = 40;

/** Draws one icon into a canvas (2x pixel ratio) and returns its pixels. */
export function drawIcon(spec: IconSpec, mark = spec.mark, dim = false): ImageData {
  const c = document.createElement('canvas');
  c.width = SIZE;
  c.height = SIZE;
  const g = c.getContext('2d');
  if (!g) throw new Error('no 2D canvas');
  g.globalAlpha = dim ? 0.55 : 1;
  const r = SIZE / 2 - 3;
  const cx = SIZE / 2;
  g.lineWidth = 3;
  g.fillStyle = spec.fill;
  g.strokeStyle = spec.stroke;
  g.beginPath();
  if (spec.shape === 'octagon') {
    for (let i = 0; i < 8; i++) {
      const a = Math.PI / 8 + (i * Math.PI) / 4;
      g.lineTo(cx + r * Math.cos(a), cx + r * Math.sin(a));
    }
    g.closePath();
  } else if (spec.shape === 'triangle') {
    g.moveTo(cx - r, 5);
    g.lineTo(cx + r, 5);
    g.lineTo(cx, SIZE - 4);
    g.closePath();
  } else if (spec.shape === 'square' || spec.shape === 'light') {
    g.roundRect(4, 4, SIZE - 8, SIZE - 8, 6);
  } else {
    g.arc(cx, cx, r, 0, 2 * Math.PI);
  }
  g.fill();
  g.stroke();
  if (spec.shape === 'light') {
    ['#f85149', '#e3b341', '#3fb950'].forEach((col, i) => {
      g.fillStyle = col;
      g.beginPath();
      g.arc(cx, 11 + i * 9, 3.5, 0, 2 * Math.PI);
      g.fill();
    });
  }
  if (mark) {
    g.fillStyle = spec.markColor;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.font = `bold ${mark.length > 2 ? 10 : 15}px system-ui, sans-serif`;
    g.fillText(mark, cx, cx + 1);
  }
  return g.getImageData(0, 0, SIZE, SIZE);
}

const iconKey = (cls: string) => (cls in FEATURE_ICONS ? cls : 'other');

/**
 * Adds the icons the feature layer asks for, as it asks: `icon:<class>[:<value>][:dim]`. Speed limits get their
 * value drawn in; candidates are dimmed.
 */
export function provideIcons(map: MapLibreMap): void {
  map.setMissingStyleImageResolver((id) => {
    const [kind, cls = 'other', value = '', dim = ''] = id.split(':');
    if (kind !== 'icon' || map.hasImage(id)) return;
    const spec = FEATURE_ICONS[iconKey(cls)]!;
    const mark = spec.mark === '?' ? value.slice(0, 3) || '?' : spec.mark;
    map.addImage(id, drawIcon(spec, mark, dim === 'dim'), { pixelRatio: 2 });
  });
}

/** The icon name expression of the features layer (see provideIcons). */
const iconName: ExpressionSpecification = [
  'concat',
  'icon:',
  ['get', 'class'],
  ':',
  ['coalesce', ['get', 'value'], ''],
  ':',
  ['case', ['==', ['get', 'status'], 'candidate'], 'dim', ''],
];

/** Layer groups that toggles switch together. */
export const LAYER_GROUPS = [
  { id: 'coverage', label: 'Road coverage', layers: ['coverage-casing', 'coverage'] },
  { id: 'sequences', label: 'Drive paths', layers: ['sequences'] },
  { id: 'frames', label: 'Camera frames', layers: ['frames'] },
  { id: 'features', label: 'Map features', layers: ['features', 'features-removed'] },
] as const;

/** The base layer under everything. */
const BACKGROUND: LayerSpecification = {
  id: 'background',
  type: 'background',
  paint: { 'background-color': '#f6f4ef' },
};

/** Road coverage: a white casing under a line coloured by freshness. */
function coverageLayers(now: number | undefined): LayerSpecification[] {
  const src = { source: 'mapmint', 'source-layer': 'coverage' };
  const layout = { 'line-cap': 'round', 'line-join': 'round' } as const;
  return [
    {
      id: 'coverage-casing',
      type: 'line',
      ...src,
      layout,
      paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 2, 16, 9] },
    },
    {
      id: 'coverage',
      type: 'line',
      ...src,
      layout,
      paint: { 'line-color': freshnessColor(now), 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 1, 16, 6] },
    },
  ];
}

/** Drive paths, dashed. */
function sequenceLayers(): LayerSpecification[] {
  const paint = { 'line-color': '#0969da', 'line-width': 1.5, 'line-opacity': 0.7, 'line-dasharray': [2, 2] };
  return [{ id: 'sequences', type: 'line', source: 'mapmint', 'source-layer': 'sequences', paint }];
}

/** Camera frames as small dots. */
function frameLayers(): LayerSpecification[] {
  const paint = {
    'circle-color': '#0969da',
    'circle-radius': 2.5,
    'circle-stroke-color': '#fff',
    'circle-stroke-width': 1,
  };
  return [{ id: 'frames', type: 'circle', source: 'mapmint', 'source-layer': 'frames', paint }];
}

/** Map features: removed ones as grey dots, confirmed and candidate ones with their class icon (see provideIcons). */
function featureLayers(): LayerSpecification[] {
  const src = { source: 'mapmint', 'source-layer': 'features' };
  return [
    {
      id: 'features-removed',
      type: 'circle',
      ...src,
      filter: ['==', ['get', 'status'], 'probably_removed'],
      paint: { 'circle-color': '#8c959f', 'circle-radius': 6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 },
    },
    {
      id: 'features',
      type: 'symbol',
      ...src,
      filter: ['in', ['get', 'status'], ['literal', ['confirmed', 'candidate']]],
      layout: {
        'icon-image': iconName,
        'icon-size': ['interpolate', ['linear'], ['zoom'], 13, 0.7, 17, 1],
        'icon-allow-overlap': true,
        'symbol-sort-key': ['-', 0, ['get', 'confidence']],
      },
    },
  ];
}

/** The style layers of each archive layer, bottom to top. */
const LAYERS_OF: Array<[string, (now: number | undefined) => LayerSpecification[]]> = [
  ['coverage', coverageLayers],
  ['sequences', sequenceLayers],
  ['frames', frameLayers],
  ['features', featureLayers],
];

/** The map's style over the live archive at `origin`: style layers only for the archive layers the TileJSON lists. */
export function archiveStyle(tj: StyleTileJson, origin: string, opts: { now?: number } = {}): StyleSpecification {
  const has = new Set(tj.vector_layers.map((l) => l.id));
  const layers = [BACKGROUND, ...LAYERS_OF.flatMap(([name, make]) => (has.has(name) ? make(opts.now) : []))];
  const source = { type: 'vector' as const, url: `pmtiles://${origin}${PMTILES_PATH}` };
  return {
    version: 8,
    sources: { mapmint: tj.attribution ? { ...source, attribution: tj.attribution } : source },
    layers,
  };
}
