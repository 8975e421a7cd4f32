import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { MapmintError } from '../../core/errors.ts';
import { zoomBaseId, zxyToTileId } from '../../core/tile-id.ts';
import {
  type ArchiveSummary,
  buildDirectories,
  buildRootAndLeaves,
  Compression,
  createFileSink,
  type DirectoryEntry,
  decodeDirectory,
  decodeHeader,
  decompress,
  encodeDirectory,
  MAX_ROOT_LENGTH,
  openArchive,
  openFileReader,
  PMTilesWriter,
  type TileInput,
  TileType,
  validateArchiveFile,
  writeArchiveFile,
} from '../../tiler/pmtiles/index.ts';
import { mulberry32 } from '../support/prng.ts';
import { openReference } from './pmtiles-file-source.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-pmtiles-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const file = (name: string): string => path.join(dir, name);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Every tile of zooms 0..maxZ, each with its own content. */
function pyramid(maxZ: number): TileInput[] {
  const tiles: TileInput[] = [];
  for (let z = 0; z <= maxZ; z++) {
    for (let x = 0; x < 2 ** z; x++) {
      for (let y = 0; y < 2 ** z; y++) tiles.push({ z, x, y, data: text(`tile ${z}/${x}/${y} `.repeat(3)) });
    }
  }
  return tiles;
}

/** Read every tile back with the official reader and compare with what was written. */
async function assertReadsBack(target: string, tiles: readonly TileInput[]): Promise<void> {
  const { archive, close } = await openReference(target);
  try {
    for (const t of tiles) {
      const got = await archive.getZxy(t.z, t.x, t.y);
      assert.ok(got, `tile ${t.z}/${t.x}/${t.y} missing`);
      assert.ok(Buffer.from(got.data).equals(Buffer.from(t.data)), `tile ${t.z}/${t.x}/${t.y} differs`);
    }
  } finally {
    await close();
  }
}

/** All tile entries of an archive, root and leaves, in directory order (decoded by our decoder). */
function allTileEntries(bytes: Uint8Array): { root: DirectoryEntry[]; tiles: DirectoryEntry[] } {
  const h = decodeHeader(bytes);
  const read = (offset: number, length: number) =>
    decodeDirectory(decompress(bytes.subarray(offset, offset + length), h.internalCompression));
  const root = read(h.rootDirectoryOffset, h.rootDirectoryLength);
  const tiles: DirectoryEntry[] = [];
  for (const e of root) {
    if (e.runLength > 0) tiles.push(e);
    else tiles.push(...read(h.leafDirectoryOffset + e.offset, e.length));
  }
  return { root, tiles };
}

test('writer: a z0-3 pyramid given in random order is read back by the official reader', async () => {
  const tiles = pyramid(3);
  const target = file('pyramid.pmtiles');
  const metadata = { name: 'pyramid', vector_layers: [{ id: 'signs', fields: {} }] };
  const summary = await writeArchiveFile(target, shuffled(tiles, 1), { metadata });
  const { archive, close } = await openReference(target);
  try {
    const h = await archive.getHeader();
    assert.equal(h.specVersion, 3);
    assert.deepEqual([h.minZoom, h.maxZoom], [0, 3]);
    assert.deepEqual([h.numAddressedTiles, h.numTileEntries, h.numTileContents], [85, 85, 85]);
    assert.equal(h.clustered, true);
    assert.equal(h.tileType, TileType.Mvt);
    assert.equal(h.tileCompression, Compression.Gzip);
    assert.equal(h.internalCompression, Compression.Gzip);
    assert.deepEqual([h.minLon, h.maxLon], [-180, 180]);
    assert.ok(Math.abs(h.maxLat - 85.0511288) < 1e-7 && Math.abs(h.minLat + 85.0511288) < 1e-7);
    assert.deepEqual([h.centerLon, h.centerLat, h.centerZoom], [0, 0, 0]);
    assert.equal(h.rootDirectoryOffset, 127);
    assert.deepEqual(await archive.getMetadata(), metadata);
    assert.equal(await archive.getZxy(4, 0, 0), undefined);
    assert.equal(summary.size, readFileSync(target).length);
  } finally {
    await close();
  }
  await assertReadsBack(target, tiles);
  const report = await validateArchiveFile(target);
  assert.deepEqual([report.addressedTiles, report.tileEntries, report.tileContents], [85, 85, 85]);
});

test('writer: 25,000 random tiles across zooms 0..14 go into leaf directories and all read back', async () => {
  const rand = mulberry32(42);
  const seen = new Set<number>();
  const tiles: TileInput[] = [];
  while (tiles.length < 25_000) {
    const z = Math.floor(rand() * 15);
    const x = Math.floor(rand() * 2 ** z);
    const y = Math.floor(rand() * 2 ** z);
    const id = zxyToTileId(z, x, y);
    if (seen.has(id)) continue;
    seen.add(id);
    const data = new Uint8Array(20 + Math.floor(rand() * 200)).map(() => Math.floor(rand() * 256));
    tiles.push({ z, x, y, data });
  }
  const target = file('many.pmtiles');
  const summary = await writeArchiveFile(target, tiles);
  const bytes = new Uint8Array(readFileSync(target));
  const h = decodeHeader(bytes);
  // Reference leaf sizing (go-pmtiles optimizeDirectories): 25,000 >= 16,384 entries, so leaves of 4,096 entries.
  assert.equal(summary.leafCount, Math.ceil(25_000 / 4096));
  assert.ok(h.leafDirectoryLength > 0);
  assert.ok(h.rootDirectoryLength <= MAX_ROOT_LENGTH);
  assert.ok(h.rootDirectoryOffset + h.rootDirectoryLength <= 16_384);
  const { root, tiles: entries } = allTileEntries(bytes);
  assert.equal(root.length, summary.leafCount);
  assert.ok(root.every((e) => e.runLength === 0));
  assert.equal(entries.length, 25_000);
  assert.deepEqual([h.numAddressedTiles, h.numTileEntries, h.numTileContents], [25_000, 25_000, 25_000]);
  const report = await validateArchiveFile(target);
  assert.equal(report.leafDirectories, summary.leafCount);
  await assertReadsBack(target, tiles);
});

test('writer: identical tiles are stored once; consecutive identical tiles become one run', async () => {
  const tiles: TileInput[] = [];
  const sea = text('sea '.repeat(50));
  const variants = [0, 1, 2, 3, 4].map((i) => text(`land variant ${i} `.repeat(20)));
  for (let x = 0; x < 16; x++) for (let y = 0; y < 16; y++) tiles.push({ z: 4, x, y, data: sea });
  for (let x = 0; x < 32; x++) {
    for (let y = 0; y < 32; y++) tiles.push({ z: 5, x, y, data: variants[(x * 7 + y) % 5]! });
  }
  const target = file('dedup.pmtiles');
  const summary = await writeArchiveFile(target, shuffled(tiles, 7));
  const h = summary.header;
  assert.equal(h.numAddressedTiles, 256 + 1024);
  assert.equal(h.numTileContents, 6);
  assert.ok(h.numTileEntries < h.numAddressedTiles);
  const stored = [sea, ...variants].reduce((n, d) => n + gzipSync(d).length, 0);
  assert.equal(h.tileDataLength, stored);
  const bytes = new Uint8Array(readFileSync(target));
  assert.equal(bytes.length, h.tileDataOffset + stored);
  const { tiles: entries } = allTileEntries(bytes);
  // All 256 zoom-4 tiles are one sea blob on consecutive ids: one entry of run length 256.
  assert.deepEqual(entries[0], { tileId: zoomBaseId(4), offset: 0, length: gzipSync(sea).length, runLength: 256 });
  assert.equal(
    entries.reduce((n, e) => n + e.runLength, 0),
    1280,
  );
  await assertReadsBack(target, tiles);
  await validateArchiveFile(target);
});

test('writer: tile data is clustered — blobs in tile-id order of first use, repeats point back', async () => {
  const rand = mulberry32(3);
  const contents = Array.from({ length: 40 }, (_, i) => text(`content ${i} `.repeat(1 + (i % 9))));
  const tiles = pyramid(5).map((t) => ({ ...t, data: contents[Math.floor(rand() * contents.length)]! }));
  const target = file('clustered.pmtiles');
  await writeArchiveFile(target, shuffled(tiles, 9));
  const bytes = new Uint8Array(readFileSync(target));
  const h = decodeHeader(bytes);
  assert.equal(h.clustered, true);
  const { tiles: entries } = allTileEntries(bytes);
  let end = 0;
  let backRefs = 0;
  for (const [i, e] of entries.entries()) {
    if (i > 0) assert.ok(e.tileId > entries[i - 1]!.tileId);
    if (e.offset === end) end += e.length;
    else {
      assert.ok(e.offset + e.length <= end, `entry ${i} jumps forward to ${e.offset}, expected ${end}`);
      backRefs++;
    }
  }
  assert.equal(entries[0]!.offset, 0);
  assert.equal(end, h.tileDataLength);
  assert.ok(backRefs > 0);
  await assertReadsBack(target, tiles);
});

test('writer: the same tiles in any order, or streamed, give byte-identical archives', async () => {
  const rand = mulberry32(11);
  const tiles = pyramid(6).map((t) => ({ ...t, data: rand() < 0.3 ? text('repeat') : t.data }));
  const orders = [tiles, [...tiles].reverse(), shuffled(tiles, 5), shuffled(tiles, 6)];
  const digests: string[] = [];
  for (const [i, order] of orders.entries()) {
    await writeArchiveFile(file(`order-${i}.pmtiles`), order);
    digests.push(
      createHash('sha256')
        .update(readFileSync(file(`order-${i}.pmtiles`)))
        .digest('hex'),
    );
  }
  async function* stream(): AsyncGenerator<TileInput> {
    for (const t of shuffled(tiles, 8)) {
      await new Promise((resolve) => setImmediate(resolve));
      yield t;
    }
  }
  await writeArchiveFile(file('streamed.pmtiles'), stream());
  digests.push(
    createHash('sha256')
      .update(readFileSync(file('streamed.pmtiles')))
      .digest('hex'),
  );
  assert.equal(new Set(digests).size, 1, digests.join('\n'));
});

test('writer: tiles taken over from another archive by reference give the archive adding them gives', async () => {
  const rand = mulberry32(21);
  const tiles = pyramid(5).map((t) => ({ ...t, data: rand() < 0.3 ? text('repeat') : t.data }));
  await writeArchiveFile(file('base.pmtiles'), tiles);
  // The next state: some tiles gone, some changed, one changed to a content the base already stores (and whose
  // only base tile is gone), one changed to the common repeated content, one new.
  const key = (t: { z: number; x: number; y: number }) => zxyToTileId(t.z, t.x, t.y);
  const changed = new Map<number, Uint8Array | undefined>();
  const pick = shuffled(tiles, 3).filter((t) => Buffer.from(t.data).toString() !== 'repeat');
  for (const t of pick.slice(0, 40)) changed.set(key(t), undefined);
  for (const t of pick.slice(40, 80)) changed.set(key(t), text(`changed ${key(t)}`));
  changed.set(key(pick[80]!), pick[0]!.data);
  changed.set(key(pick[81]!), text('repeat'));
  const extra = { z: 6, x: 3, y: 4, data: text('new at z6') };
  const next = [
    ...tiles.flatMap((t) => {
      if (!changed.has(key(t))) return [t];
      const data = changed.get(key(t));
      return data === undefined ? [] : [{ ...t, data }];
    }),
    extra,
  ];
  await writeArchiveFile(file('next-added.pmtiles'), next);

  const reader = await openFileReader(file('base.pmtiles'));
  try {
    const base = await openArchive(reader);
    const source = { read: (offset: number, length: number) => base.readData(offset, length) };
    const writer = await PMTilesWriter.open(await createFileSink(file('next-by-reference.pmtiles')));
    await writer.addTile(extra.z, extra.x, extra.y, extra.data);
    for await (const e of base.entries()) {
      for (let id = e.tileId; id < e.tileId + e.runLength; id++) {
        if (!changed.has(id)) writer.addStoredRun(source, id, 1, e.offset, e.length);
      }
    }
    for (const t of next) if (changed.has(key(t))) await writer.addTile(t.z, t.x, t.y, t.data);
    await writer.finish();
  } finally {
    await reader.close();
  }
  assert.ok(readFileSync(file('next-by-reference.pmtiles')).equals(readFileSync(file('next-added.pmtiles'))));
  await assertReadsBack(file('next-by-reference.pmtiles'), next);
});

test('writer: raster tiles stored uncompressed with a PNG tile type', async () => {
  const tiles = pyramid(2).map((t) => ({ ...t, data: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, t.z, t.x, t.y]) }));
  const target = file('raster.pmtiles');
  const summary = await writeArchiveFile(target, tiles, { tileType: TileType.Png, tileCompression: Compression.None });
  assert.equal(summary.header.tileType, TileType.Png);
  assert.equal(summary.header.tileCompression, Compression.None);
  assert.equal(summary.header.tileDataLength, 7 * 21);
  const { archive, close } = await openReference(target);
  try {
    assert.deepEqual(await archive.getMetadata(), {});
  } finally {
    await close();
  }
  await assertReadsBack(target, tiles);
});

test('writer: an archive with no tiles is valid and readable', async () => {
  const target = file('empty.pmtiles');
  const summary: ArchiveSummary = await writeArchiveFile(target, []);
  assert.equal(summary.header.numAddressedTiles, 0);
  const report = await validateArchiveFile(target);
  assert.equal(report.tileEntries, 0);
  const { archive, close } = await openReference(target);
  try {
    assert.equal((await archive.getHeader()).numTileEntries, 0);
    assert.equal(await archive.getZxy(0, 0, 0), undefined);
  } finally {
    await close();
  }
});

test('writer: rejects duplicates, bad coordinates, empty tiles and MVT metadata without vector_layers', async () => {
  const code = (c: string) => (e: unknown) => e instanceof MapmintError && e.kind === 'invalid_input' && e.code === c;
  const target = file('rejected.pmtiles');
  const dup = [
    { z: 1, x: 0, y: 0, data: text('a') },
    { z: 1, x: 0, y: 0, data: text('b') },
  ];
  await assert.rejects(writeArchiveFile(target, dup), code('duplicate_tile'));
  await assert.rejects(writeArchiveFile(target, [{ z: 1, x: 2, y: 0, data: text('a') }]), code('tile_out_of_range'));
  await assert.rejects(writeArchiveFile(target, [{ z: 27, x: 0, y: 0, data: text('a') }]), code('zoom_out_of_range'));
  await assert.rejects(writeArchiveFile(target, [{ z: 0, x: 0, y: 0, data: new Uint8Array(0) }]), code('empty_tile'));
  await assert.rejects(writeArchiveFile(target, [], { metadata: { name: 'x' } }), code('missing_vector_layers'));
  // Nothing half-written is left behind: no target, no partial file.
  assert.equal(existsSync(target), false);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('rejected')),
    [],
  );
});

test('directories: leaf size grows by 20% from max(4096, n/3500) until the root fits (go-pmtiles rule)', () => {
  const entries: DirectoryEntry[] = Array.from({ length: 60_000 }, (_, i) => ({
    tileId: i * 3,
    offset: i * 100,
    length: 100,
    runLength: 1,
  }));
  // A root budget one byte short of what leaves of 4096 need, so the size must grow at least once.
  const maxRoot = buildRootAndLeaves(entries, 4096, Compression.Gzip).root.length - 1;
  const built = buildDirectories(entries, Compression.Gzip, maxRoot);
  assert.ok(built.root.length <= maxRoot);
  // Replay the candidate sizes: the chosen one is the first whose root fits.
  let size = Math.max(4096, entries.length / 3500);
  while (Math.floor(size) !== built.leafSize) {
    assert.ok(Math.floor(size) < built.leafSize, 'chosen leaf size is not on the 1.2x sequence');
    assert.ok(buildRootAndLeaves(entries, Math.floor(size), Compression.Gzip).root.length > maxRoot);
    size *= 1.2;
  }
  assert.ok(built.leafSize > 4096);
  assert.equal(built.leafCount, Math.ceil(entries.length / built.leafSize));
  // Small directories stay in the root.
  const small = buildDirectories(entries.slice(0, 100), Compression.Gzip);
  assert.equal(small.leafCount, 0);
  assert.deepEqual(decodeDirectory(decompress(small.root, Compression.Gzip)), entries.slice(0, 100));
  assert.equal(encodeDirectory(entries.slice(0, 100)).length > 0, true);
});
