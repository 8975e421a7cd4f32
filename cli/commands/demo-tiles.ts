import path from 'node:path';
import { type Sql, tilesDir } from '../../db/index.ts';
import { buildTiles, readCurrent, updateDirtyTiles } from '../../tiler/index.ts';

/** Brings the tile archive up to date with the demo's changes and says where it is and what it holds. */
export async function demoTiles(sql: Sql, serverUrl: string) {
  const dir = tilesDir();
  // The first run builds everything; later runs re-render only what the new upload changed.
  if (await readCurrent(dir)) await updateDirtyTiles(sql, dir);
  else await buildTiles(sql, { out: dir, workers: 2 });
  const current = await readCurrent(dir);
  const [seg] = await sql<{ n: number }[]>`select count(*)::int as n from road_segments where retired_at is null`;
  const [has] = await sql<{ t: string | null }[]>`select to_regclass('public.map_features')::text as t`;
  const features = has?.t ? ((await sql<{ n: number }[]>`select count(*)::int as n from map_features`)[0]?.n ?? 0) : 0;
  return {
    archive: current ? path.join(dir, current.file) : null,
    pmtilesUrl: `${serverUrl}/tiles/map.pmtiles`,
    mapUrl: `${serverUrl}/`,
    segments: seg?.n ?? 0,
    features,
  };
}
