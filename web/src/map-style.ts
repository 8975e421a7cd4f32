/**
 * MapLibre set-up for the web pages (worker URL, pmtiles:// protocol). The style itself, its legend data and icons are
 * api/map-style.ts, shared with the tiler's `/map` page.
 */

import * as maplibregl from 'maplibre-gl';
import { Protocol } from 'pmtiles';

export * from '../../api/index.ts';

declare const MAPLIBRE_WORKER_URL: string;

let ready = false;
/** Points MapLibre at its worker and registers pmtiles://, once per page. */
export function setUpMapLibre(): typeof maplibregl {
  if (!ready) {
    maplibregl.setWorkerUrl(MAPLIBRE_WORKER_URL);
    maplibregl.addProtocol('pmtiles', new Protocol().tile);
    ready = true;
  }
  return maplibregl;
}
