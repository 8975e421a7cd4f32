/**
 * The consumer map (`/`): the published PMTiles archive drawn with coverage by freshness and features by class,
 * layer toggles, a legend, feature details with a blurred frame on click (or from the keyboard list of features in
 * view), and the TileJSON/PMTiles/MVT URLs for developers.
 */
import type { MapGeoJSONFeature } from 'maplibre-gl';
import { call, type FeatureDetails, MapmintClient, tileJson } from './api.ts';
import { byId, classLabel, fill, h, when } from './dom.ts';
import {
  archiveStyle,
  drawIcon,
  FEATURE_ICONS,
  freshnessBuckets,
  LAYER_GROUPS,
  NEVER_COVERED,
  PMTILES_PATH,
  provideIcons,
  setUpMapLibre,
} from './map-style.ts';
import { copyField, exposeForTests, reportMapErrors } from './page.ts';

const details = byId('feature-details');
const client = new MapmintClient({ baseUrl: location.origin });

/** An icon as an <img> for the legend and lists. */
function iconImg(cls: string, alt: string, value = '', dim = false): HTMLImageElement {
  const spec = FEATURE_ICONS[cls] ?? FEATURE_ICONS['other']!;
  const data = drawIcon(spec, spec.mark === '?' ? value || '50' : spec.mark, dim);
  const c = document.createElement('canvas');
  c.width = data.width;
  c.height = data.height;
  c.getContext('2d')?.putImageData(data, 0, 0);
  return h('img', { src: c.toDataURL(), width: 20, height: 20, alt });
}

function legend(): void {
  const swatch = (color: string, kind: 'line' | 'dot' | 'dash' = 'line') =>
    h('span', { class: `swatch ${kind}`, style: `--c:${color}`, 'aria-hidden': 'true' });
  fill(
    byId('legend'),
    h('h3', {}, 'Road coverage (last drive)'),
    h(
      'ul',
      {},
      ...freshnessBuckets().map((b) => h('li', {}, swatch(b.color), b.label)),
      h('li', {}, swatch(NEVER_COVERED), 'Never covered'),
      h('li', {}, swatch('#0969da', 'dash'), 'Drive path'),
      h('li', {}, swatch('#0969da', 'dot'), 'Camera frame (zoom 15+)'),
    ),
    h('h3', {}, 'Map features'),
    h(
      'ul',
      {},
      ...Object.entries(FEATURE_ICONS)
        .filter(([cls]) => cls !== 'regulatory--maximum-speed-limit')
        .map(([cls, spec]) => h('li', {}, iconImg(cls, ''), spec.label)),
      h('li', {}, iconImg('regulatory--stop', '', '', true), 'Candidate (not yet confirmed): faded'),
      h('li', {}, swatch('#8c959f', 'dot'), 'Probably removed'),
    ),
  );
}

function developerUrls(): void {
  const o = location.origin;
  fill(
    byId('developers'),
    h('h2', {}, 'For developers'),
    h('p', {}, 'The map is a PMTiles v3 archive of Mapbox vector tiles; use it from MapLibre, OpenLayers or QGIS.'),
    copyField('url-tilejson', 'TileJSON', `${o}/tiles/tiles.json`),
    copyField('url-pmtiles', 'PMTiles archive (HTTP range requests)', `${o}${PMTILES_PATH}`),
    copyField('url-mvt', 'Vector tiles (XYZ)', `${o}/tiles/{z}/{x}/{y}.mvt`),
  );
}

async function showFeature(id: number): Promise<void> {
  fill(details, h('p', { class: 'muted' }, `Loading feature ${id}…`));
  let d: FeatureDetails | undefined;
  try {
    d = await call<FeatureDetails>(client, 'GET', `/v1/features/${id}`);
  } catch (err) {
    fill(details, h('p', { class: 'error' }, `Feature ${id}: ${(err as Error).message}`));
    return;
  }
  const frame = d.frames[0];
  fill(
    details,
    h(
      'h2',
      { id: 'feature-title', tabindex: '-1' },
      iconImg(d.class, ''),
      ` ${FEATURE_ICONS[d.class]?.label ?? classLabel(d.class)}${d.value ? ` ${d.value}` : ''}`,
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Status'),
      h('dd', { 'data-field': 'status' }, d.status.replaceAll('_', ' ')),
      h('dt', {}, 'Confidence'),
      h('dd', {}, `${Math.round(d.confidence * 100)} %`),
      h('dt', {}, 'Seen by'),
      h('dd', {}, `${d.drives} drive${d.drives === 1 ? '' : 's'}, ${d.observations} detections`),
      h('dt', {}, 'First seen'),
      h('dd', {}, when(d.firstSeenAt)),
      h('dt', {}, 'Last seen'),
      h('dd', {}, when(d.lastSeenAt)),
      h('dt', {}, 'Reviews'),
      h('dd', {}, `${d.votesUp} up, ${d.votesDown} down`),
      h('dt', {}, 'Position'),
      h('dd', {}, `${d.lat.toFixed(6)}, ${d.lon.toFixed(6)}`),
    ),
    frame
      ? h(
          'figure',
          { class: 'frame' },
          h('img', {
            id: 'feature-frame',
            src: frame.frameUrl,
            alt: `Camera frame that saw this ${classLabel(d.class)} (faces and plates blurred)`,
            loading: 'lazy',
          }),
          h('figcaption', {}, `Captured ${when(frame.capturedAt)}; faces and licence plates are blurred.`),
        )
      : h('p', { class: 'muted' }, 'No stored frame for this feature.'),
    d.frames.length > 1
      ? h(
          'div',
          { class: 'thumbs' },
          ...d.frames.map((f, i) =>
            h('img', { src: f.cropUrl, alt: `Crop ${i + 1} of ${d.frames.length}`, width: 72, height: 72 }),
          ),
        )
      : null,
  );
  byId('feature-title').focus();
}

async function main(): Promise<void> {
  legend();
  developerUrls();
  const tj = await tileJson();
  if (!tj) {
    fill(
      byId('map-view'),
      h(
        'p',
        { class: 'empty' },
        'No map has been published yet: tiles appear once drives are processed (mapmint start).',
      ),
    );
    return;
  }
  const maplibregl = setUpMapLibre();
  const map = new maplibregl.Map({
    container: 'map-view',
    style: archiveStyle(tj, location.origin),
    center: [tj.center[0], tj.center[1]],
    zoom: Math.max(tj.center[2], 13),
    attributionControl: { compact: true },
  });
  exposeForTests(map);
  reportMapErrors(map);
  provideIcons(map);
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({}), 'bottom-left');

  layerToggles(map);
  const open = (f: MapGeoJSONFeature) => void showFeature(Number(f.properties['id']));
  openOnClick(map, open);
  listFeaturesInView(map, open);
}

type MapLibreMap = import('maplibre-gl').Map;

/** A checkbox per layer group that shows or hides its layers. */
function layerToggles(map: MapLibreMap): void {
  fill(
    byId('layer-toggles'),
    h('legend', {}, 'Layers'),
    ...LAYER_GROUPS.map((g) => {
      const box = h('input', { type: 'checkbox', id: `toggle-${g.id}`, checked: true });
      box.addEventListener('change', () => {
        for (const l of g.layers)
          if (map.getLayer(l)) map.setLayoutProperty(l, 'visibility', box.checked ? 'visible' : 'none');
      });
      return h('div', { class: 'toggle' }, box, h('label', { for: `toggle-${g.id}` }, g.label));
    }),
  );
}

/** A click on a feature opens its details; the pointer says features are clickable. */
function openOnClick(map: MapLibreMap, open: (f: MapGeoJSONFeature) => void): void {
  map.on('click', 'features', (e) => {
    const f = e.features?.[0];
    if (f) open(f);
  });
  map.on('mouseenter', 'features', () => {
    map.getCanvas().style.cursor = 'pointer';
  });
  map.on('mouseleave', 'features', () => {
    map.getCanvas().style.cursor = '';
  });
}

/** Keyboard and screen-reader access to what the map shows: the features in view as a list of buttons. */
function listFeaturesInView(map: MapLibreMap, open: (f: MapGeoJSONFeature) => void): void {
  const list = byId('features-in-view');
  map.on('idle', () => {
    const seen = new Map<number, MapGeoJSONFeature>();
    if (map.getLayer('features'))
      for (const f of map.queryRenderedFeatures({ layers: ['features'] })) seen.set(Number(f.properties['id']), f);
    const items = [...seen.values()].slice(0, 40);
    fill(
      list,
      items.length === 0
        ? h('li', { class: 'muted' }, 'No features in view: zoom in (features show from zoom 13).')
        : null,
      ...items.map((f) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', class: 'feature-button', onclick: () => open(f) },
            iconImg(String(f.properties['class']), '', String(f.properties['value'] ?? '')),
            ` ${FEATURE_ICONS[String(f.properties['class'])]?.label ?? classLabel(String(f.properties['class']))}` +
              `${f.properties['value'] ? ` ${f.properties['value']}` : ''} (${f.properties['status']})`,
          ),
        ),
      ),
    );
  });
}

main().catch((err) => {
  console.error(err);
  fill(details, h('p', { class: 'error' }, `The map could not start: ${(err as Error).message}`));
});
