/**
 * bench:roads — road import of Andorra and Monaco: ours (roads/importRoads) vs osm2pgsql in the same run, each into
 * a scratch database of the local cluster. osm2pgsql runs its default pgsql output in non-slim (in-RAM) mode with
 * --create: like ours it keeps node coordinates in memory for one import and builds GiST indexes, with no middle
 * tables left behind; --slim would add the middle tables ours has no counterpart of. It imports every feature class
 * (its default style), we only drivable roads but split and cut them: comparable work per file read.
 * Last stdout line: {"bench":"roads","ratio_vs_osm2pgsql":<ours seconds / osm2pgsql seconds>}.
 */
import { spawn } from 'node:child_process';
import { importRoads } from '../roads/index.ts';
import { sharedFile } from '../test/support/shared-data.ts';
import { createScratchDatabase } from './support/scratch-db.ts';

const FILES = ['andorra.osm.pbf', 'monaco.osm.pbf'];

function osm2pgsql(url: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('osm2pgsql', ['--create', '--database', url, '--number-processes', '1', file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-2000);
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`osm2pgsql exited ${code}: ${err}`))));
  });
}

async function main(): Promise<void> {
  const oursDb = await createScratchDatabase({ prefix: 'mapmint_bench_roads' });
  // osm2pgsql gets an empty database with PostGIS only: it creates its own tables.
  const theirsDb = await createScratchDatabase({ prefix: 'mapmint_bench_roads', migrate: false, max: 1 });
  const { sql } = oursDb;
  let oursS = 0;
  let theirsS = 0;
  try {
    await theirsDb.sql.unsafe('create extension if not exists postgis');
    for (const f of FILES) {
      const file = sharedFile('osm', f);
      let t = performance.now();
      const r = await importRoads(sql, file);
      const a = (performance.now() - t) / 1000;
      t = performance.now();
      await osm2pgsql(theirsDb.url, file);
      const b = (performance.now() - t) / 1000;
      oursS += a;
      theirsS += b;
      console.log(
        `${f}: ours ${a.toFixed(2)} s (${r.ways} ways, ${r.pieces} pieces, ${(r.lengthM / 1000).toFixed(0)} km), ` +
          `osm2pgsql ${b.toFixed(2)} s`,
      );
    }
  } finally {
    await oursDb.drop();
    await theirsDb.drop();
  }
  console.log(JSON.stringify({ bench: 'roads', ratio_vs_osm2pgsql: Number((oursS / theirsS).toFixed(3)) }));
}

await main();
