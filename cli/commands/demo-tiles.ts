import path from 'node:path';
import { type Sql, tilesDir } from '../../db/index.ts';
import { countFeatures } from '../../fusion/index.ts';
import { liveSegmentCount } from '../../roads/index.ts';
import { buildTiles, readCurrent, updateDirtyTiles } from '../../tiler/index.ts';

/** Brings the tile archive up to date with the demo's changes and says where it is and what it holds. */
export async function demoTiles(sql: Sql, serverUrl: string) {
  const dir = tilesDir();
  // The first run builds everything; later runs re-render only what the new upload changed.
  if (await readCurrent(dir)) await updateDirtyTiles(sql, dir);
  else await buildTiles(sql, { out: dir, workers: 2 });
  const current = await readCurrent(dir);
  const segments = await liveSegmentCount(sql);
  const features = await countFeatures(sql);
  return {
    archive: current ? path.join(dir, current.file) : null,
    pmtilesUrl: `${serverUrl}/tiles/map.pmtiles`,
    mapUrl: `${serverUrl}/`,
    segments,
    features,
  };
}
