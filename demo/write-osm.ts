import { runTool } from './run-tool.ts';
import type { RoadNetwork } from './types.ts';
import { xmlEscape } from './write-track.ts';

/**
 * OSM XML (API 0.6 format) of the network, like an extract: every element at version 1, one timestamp (the drive's
 * start), nodes before ways, ids ascending, so osmium and the roads import read it as they read a real file.
 */
export function toOsmXml(net: RoadNetwork, timestamp: string): string {
  const lats = net.nodes.map((n) => n.lat);
  const lons = net.nodes.map((n) => n.lon);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<osm version="0.6" generator="mapmint demo generator">',
    `  <bounds minlat="${Math.min(...lats).toFixed(7)}" minlon="${Math.min(...lons).toFixed(7)}" maxlat="${Math.max(...lats).toFixed(7)}" maxlon="${Math.max(...lons).toFixed(7)}"/>`,
  ];
  const meta = `version="1" timestamp="${timestamp}" changeset="1" uid="1" user="mapmint-demo"`;
  for (const n of [...net.nodes].sort((a, b) => a.id - b.id)) {
    const head = `  <node id="${n.id}" ${meta} lat="${n.lat.toFixed(7)}" lon="${n.lon.toFixed(7)}"`;
    const tags = Object.entries(n.tags ?? {});
    if (tags.length === 0) {
      lines.push(`${head}/>`);
      continue;
    }
    lines.push(`${head}>`);
    for (const [k, v] of tags) lines.push(`    <tag k="${xmlEscape(k)}" v="${xmlEscape(v)}"/>`);
    lines.push('  </node>');
  }
  for (const w of [...net.ways].sort((a, b) => a.id - b.id)) {
    lines.push(`  <way id="${w.id}" ${meta}>`);
    for (const id of w.nodes) lines.push(`    <nd ref="${id}"/>`);
    for (const [k, v] of Object.entries(w.tags)) lines.push(`    <tag k="${xmlEscape(k)}" v="${xmlEscape(v)}"/>`);
    lines.push('  </way>');
  }
  lines.push('</osm>', '');
  return lines.join('\n');
}

/** GeoJSON FeatureCollection: ways as LineStrings and tagged nodes (signals, stops, dead ends) as Points. */
export function toRoadsGeoJson(net: RoadNetwork): object {
  const byId = new Map(net.nodes.map((n) => [n.id, n]));
  const ways = net.ways.map((w) => ({
    type: 'Feature',
    id: w.id,
    properties: { osm_type: 'way', osm_id: w.id, ...w.tags },
    geometry: {
      type: 'LineString',
      coordinates: w.nodes.map((id) => {
        const n = byId.get(id);
        return n ? [n.lon, n.lat] : [];
      }),
    },
  }));
  const points = net.nodes
    .filter((n) => n.tags)
    .map((n) => ({
      type: 'Feature',
      id: n.id,
      properties: { osm_type: 'node', osm_id: n.id, ...n.tags },
      geometry: { type: 'Point', coordinates: [n.lon, n.lat] },
    }));
  return { type: 'FeatureCollection', features: [...ways, ...points] };
}

/** Converts an OSM XML file to PBF with the system osmium (`osmium cat`). */
export async function osmXmlToPbf(xmlPath: string, pbfPath: string, osmium = 'osmium'): Promise<void> {
  await runTool(osmium, ['cat', '--overwrite', '--no-progress', '-o', pbfPath, xmlPath]);
}
