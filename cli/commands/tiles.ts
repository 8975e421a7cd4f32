import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { tilesDir } from '../../db/index.ts';
import { buildTiles, readCurrent, type TilerProgress, updateDirtyTiles } from '../../tiler/index.ts';
import { openRuntime } from '../../worker/index.ts';
import { emit, type GlobalFlags, progressBar } from '../output.ts';

/** A progress bar that follows the tiler's phases. */
function tilerProgress() {
  const bar = progressBar('tiles', '');
  let phase = '';
  return {
    update(p: TilerProgress) {
      if (p.phase !== phase) {
        if (phase) bar.stop();
        phase = p.phase;
        bar.start(Math.max(1, p.total), p.done, { detail: p.phase });
      }
      bar.update(p.done, { detail: p.phase });
    },
    stop: () => bar.stop(),
  };
}

/** `tiles build` and `tiles update`. */
export function registerTiles(program: Command, flags: () => GlobalFlags): void {
  const tiles = program
    .command('tiles')
    .description('vector tiles (PMTiles v3) of coverage, features, drives and frames');
  tiles
    .command('build')
    .description(
      'build every tile into a new archive version and swap it in (the server serves it at /tiles/map.pmtiles)',
    )
    .option('--dir <dir>', 'archive folder (default MAPMINT_TILES_DIR or .mapmint/tiles)')
    .option('--out <file>', 'also copy the new archive to this .pmtiles file')
    .option('--min-zoom <z>', 'lowest zoom', Number)
    .option('--max-zoom <z>', 'highest zoom', Number)
    .option('--workers <n>', 'tile queries in flight', Number, 2)
    .action(async (o: { dir?: string; out?: string; minZoom?: number; maxZoom?: number; workers: number }) => {
      const dir = o.dir ?? tilesDir();
      const rt = await openRuntime();
      const bar = tilerProgress();
      try {
        const r = await buildTiles(rt.sql, {
          out: dir,
          workers: o.workers,
          ...(o.minZoom !== undefined ? { minZoom: o.minZoom } : {}),
          ...(o.maxZoom !== undefined ? { maxZoom: o.maxZoom } : {}),
          onProgress: (p) => bar.update(p),
        });
        bar.stop();
        const file = path.join(dir, r.version.file);
        if (o.out) await copyFile(file, o.out);
        emit(
          flags(),
          { file, copiedTo: o.out ?? null, version: r.version, tiles: r.tiles },
          () => `${r.tiles} tiles in ${o.out ?? file}`,
        );
      } finally {
        bar.stop();
        await rt.close();
      }
    });
  tiles
    .command('update')
    .description('re-render only the tiles of areas marked changed (what the tiler.update job does)')
    .option('--dir <dir>', 'archive folder (default MAPMINT_TILES_DIR or .mapmint/tiles)')
    .action(async (o: { dir?: string }) => {
      const dir = o.dir ?? tilesDir();
      const rt = await openRuntime();
      try {
        const r = await updateDirtyTiles(rt.sql, dir);
        const current = await readCurrent(dir);
        emit(flags(), { ...r, current }, () =>
          r.areas === 0
            ? 'nothing marked changed'
            : `${r.areas} changed area(s): re-rendered ${'rendered' in r ? r.rendered : 0} tile(s), now ${current?.file}`,
        );
      } finally {
        await rt.close();
      }
    });
}
