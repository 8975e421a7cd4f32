/** The reviewer's map: the archive's tiles with a halo on the item under review. */
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { type ReviewItem, tileJson } from './api.ts';
import { byId } from './dom.ts';
import { archiveStyle, provideIcons, setUpMapLibre } from './map-style.ts';
import { exposeForTests, reportMapErrors } from './page.ts';

/** The map beside the item card; it shows nothing until its style loaded. */
export class ItemMap {
  private map: MapLibreMap | undefined;

  /** Creates the map; once it loaded it shows `current()`, the item on screen by then. */
  async start(current: () => ReviewItem | undefined): Promise<void> {
    const tj = await tileJson();
    const maplibregl = setUpMapLibre();
    const style = tj
      ? archiveStyle(tj, location.origin)
      : {
          version: 8 as const,
          sources: {},
          layers: [{ id: 'bg', type: 'background' as const, paint: { 'background-color': '#f6f4ef' } }],
        };
    const map = new maplibregl.Map({
      container: 'review-map',
      style,
      center: tj ? [tj.center[0], tj.center[1]] : [0, 0],
      zoom: 15,
      attributionControl: { compact: true },
    });
    exposeForTests(map);
    reportMapErrors(map);
    provideIcons(map);
    map.on('load', () => {
      map.addSource('item', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      map.addLayer({
        id: 'item-halo',
        type: 'circle',
        source: 'item',
        paint: {
          'circle-radius': 14,
          'circle-color': '#bf3989',
          'circle-opacity': 0.25,
          'circle-stroke-color': '#bf3989',
          'circle-stroke-width': 2,
        },
      });
      this.map = map;
      const item = current();
      if (item) this.show(item);
    });
  }

  /** Centres the map on the item and marks it (or says it has no position). */
  show(item: ReviewItem): void {
    const map = this.map;
    byId('map-note').textContent = item.lon === null ? 'This detection has no position (its frame has no pose).' : '';
    if (!map) return;
    const src = map.getSource<GeoJSONSource>('item');
    if (item.lon === null || item.lat === null) {
      src?.setData({ type: 'FeatureCollection', features: [] });
      return;
    }
    src?.setData({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [item.lon, item.lat] } });
    map.jumpTo({ center: [item.lon, item.lat], zoom: Math.max(map.getZoom(), 16) });
  }
}
