/** Test support: an archive as canonical JSON, and comparison with committed golden files (UPDATE_GOLDEN=1 rewrites). */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tileIdToZxy } from '../../../core/tile-id.ts';
import { decompress, openArchive, openFileReader } from '../../../tiler/index.ts';
import { decodeMvt } from './mvt.ts';

/** Where golden files live. */
export const GOLDEN_DIR = path.join(import.meta.dirname, '..', 'golden');

/** Header fields that describe content (offsets and lengths are covered by the byte-level tests). */
const HEADER_FIELDS = ['minZoom', 'maxZoom', 'minLon', 'minLat', 'maxLon', 'maxLat', 'centerZoom', 'numAddressedTiles'];

/** Decode every tile of `file` into `{ header, metadata, tiles: { "z/x/y": { layer: {...} } } }`. */
export async function archiveToJson(file: string): Promise<Record<string, unknown>> {
  const reader = await openFileReader(file);
  try {
    const a = await openArchive(reader);
    const tiles: Record<string, unknown> = {};
    for await (const e of a.entries()) {
      const mvt = decodeMvt(decompress(await a.readData(e.offset, e.length), a.header.tileCompression, 'tile'));
      for (let id = e.tileId; id < e.tileId + e.runLength; id++) {
        const { z, x, y } = tileIdToZxy(id);
        tiles[`${z}/${x}/${y}`] = mvt;
      }
    }
    const header = Object.fromEntries(HEADER_FIELDS.map((k) => [k, a.header[k as keyof typeof a.header]]));
    return { header, metadata: await a.metadata(), tiles };
  } finally {
    await reader.close();
  }
}

/** Compare `actual` with `golden/<name>.json`; with UPDATE_GOLDEN=1 write it instead. */
export function assertGolden(name: string, actual: unknown, howMade: string): void {
  const file = path.join(GOLDEN_DIR, `${name}.json`);
  const body = { _fixture: howMade, ...(actual as Record<string, unknown>) };
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, `${JSON.stringify(body, null, 1)}\n`);
    return;
  }
  if (!existsSync(file)) assert.fail(`golden file ${file} is missing: run the test with UPDATE_GOLDEN=1`);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(body)), JSON.parse(readFileSync(file, 'utf8')));
}
