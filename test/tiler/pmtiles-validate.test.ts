import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MapmintError } from '../../core/errors.ts';
import { zxyToTileId } from '../../core/tile-id.ts';
import {
  bufferReader,
  Compression,
  compress,
  type DirectoryEntry,
  encodeDirectory,
  encodeHeader,
  HEADER_LENGTH,
  type Header,
  TileType,
  validateArchive,
  validateArchiveFile,
} from '../../tiler/pmtiles/index.ts';
import { sharedFile } from '../support/shared-data.ts';
import { openReference } from './pmtiles-file-source.ts';

const fixturePath = (name: string): string => sharedFile('pmtiles', 'fixtures', name);
const rejectsWith = (c: string) => (e: unknown) =>
  e instanceof MapmintError && e.kind === 'invalid_input' && e.code === c;

test('validate: the valid fixtures pass, with the counts their headers and upstream state', async () => {
  const one = await validateArchiveFile(fixturePath('test_fixture_1.pmtiles'));
  assert.deepEqual([one.addressedTiles, one.tileEntries, one.tileContents, one.leafDirectories], [1, 1, 1, 0]);
  assert.equal(one.metadata['name'], 'test_fixture_1.pmtiles');
  assert.equal(one.metadata['generator'], 'tippecanoe v2.5.0');
  const two = await validateArchiveFile(fixturePath('test_fixture_2.pmtiles'));
  assert.equal(two.metadata['name'], 'test_fixture_2.pmtiles');
  assert.equal(two.header.tileDataLength, 67);
  const mlt = await validateArchiveFile(fixturePath('test_fixture_mlt.pmtiles'));
  assert.equal(mlt.header.tileType, 6);
  assert.equal(mlt.tileEntries, 0);
  assert.ok(Array.isArray(mlt.metadata['vector_layers']));
  const stamen = await validateArchiveFile(fixturePath('stamen_toner_raster_z3.pmtiles'));
  assert.deepEqual([stamen.addressedTiles, stamen.tileEntries, stamen.tileContents], [85, 84, 80]);
  assert.deepEqual(stamen.metadata, {});
});

for (const [name, code] of [
  ['empty.pmtiles', 'truncated'],
  ['invalid.pmtiles', 'bad_magic'],
  ['invalid_v4.pmtiles', 'unsupported_version'],
] as const) {
  test(`validate: ${name} is rejected (${code}), and the official reader rejects it too`, async () => {
    await assert.rejects(validateArchiveFile(fixturePath(name)), rejectsWith(code));
    const { archive, close } = await openReference(fixturePath(name));
    try {
      await assert.rejects(archive.getHeader());
    } finally {
      await close();
    }
  });
}

// A hand-assembled archive (header, root, metadata, leaves, tile data) that each case below breaks in one place.
interface Parts {
  entries: DirectoryEntry[];
  leaves?: Uint8Array;
  tileData: Uint8Array;
  metadata?: Uint8Array;
  header?: Partial<Header>;
}

function assemble(p: Parts): Uint8Array {
  const root = compress(encodeDirectory(p.entries), Compression.Gzip);
  const metadata = p.metadata ?? compress(new TextEncoder().encode('{"vector_layers":[]}'), Compression.Gzip);
  const leaves = p.leaves ?? new Uint8Array(0);
  const tiles = p.entries.filter((e) => e.runLength > 0);
  const header: Header = {
    specVersion: 3,
    rootDirectoryOffset: HEADER_LENGTH,
    rootDirectoryLength: root.length,
    jsonMetadataOffset: HEADER_LENGTH + root.length,
    jsonMetadataLength: metadata.length,
    leafDirectoryOffset: HEADER_LENGTH + root.length + metadata.length,
    leafDirectoryLength: leaves.length,
    tileDataOffset: HEADER_LENGTH + root.length + metadata.length + leaves.length,
    tileDataLength: p.tileData.length,
    numAddressedTiles: tiles.reduce((n, e) => n + e.runLength, 0),
    numTileEntries: tiles.length,
    numTileContents: new Set(tiles.map((e) => e.offset)).size,
    clustered: true,
    internalCompression: Compression.Gzip,
    tileCompression: Compression.None,
    tileType: TileType.Mvt,
    minZoom: 0,
    maxZoom: 2,
    minLon: -180,
    minLat: -85,
    maxLon: 180,
    maxLat: 85,
    centerZoom: 0,
    centerLon: 0,
    centerLat: 0,
    ...p.header,
  };
  return Buffer.concat([encodeHeader(header), root, metadata, leaves, p.tileData]);
}

const ten = new Uint8Array(10).fill(7);
const good: DirectoryEntry[] = [
  { tileId: 0, offset: 0, length: 4, runLength: 1 },
  { tileId: 1, offset: 4, length: 6, runLength: 3 },
  { tileId: 5, offset: 0, length: 4, runLength: 1 },
];
const check = (bytes: Uint8Array) => validateArchive(bufferReader(bytes));

test('validate: the hand-assembled baseline archive is valid', async () => {
  const report = await check(assemble({ entries: good, tileData: ten }));
  assert.deepEqual([report.addressedTiles, report.tileEntries, report.tileContents], [5, 3, 2]);
});

test('validate: a leaf directory is followed and checked', async () => {
  const leaf = compress(encodeDirectory(good), Compression.Gzip);
  const root = [{ tileId: 0, offset: 0, length: leaf.length, runLength: 0 }];
  const report = await check(assemble({ entries: root, leaves: leaf, tileData: ten, header: statedCounts() }));
  assert.equal(report.leafDirectories, 1);
  assert.equal(report.addressedTiles, 5);
  const short = [{ tileId: 0, offset: 0, length: leaf.length + 1, runLength: 0 }];
  await assert.rejects(
    check(assemble({ entries: short, leaves: leaf, tileData: ten, header: statedCounts() })),
    rejectsWith('leaf_out_of_bounds'),
  );
  const late = [{ tileId: 1, offset: 0, length: leaf.length, runLength: 0 }];
  await assert.rejects(
    check(assemble({ entries: late, leaves: leaf, tileData: ten, header: statedCounts() })),
    rejectsWith('leaf_out_of_range'),
  );
});

function statedCounts(): Partial<Header> {
  return { numAddressedTiles: 5, numTileEntries: 3, numTileContents: 2 };
}

test('validate: rejects each broken rule with its own code', async () => {
  const base = assemble({ entries: good, tileData: ten });
  const cases: [string, Uint8Array][] = [
    ['section_out_of_bounds', base.subarray(0, base.length - 1)],
    [
      'root_outside_first_16k',
      Buffer.concat([
        assemble({ entries: good, tileData: ten, header: { rootDirectoryOffset: 16_380 } }),
        new Uint8Array(17_000),
      ]),
    ],
    ['section_overlaps_header', assemble({ entries: good, tileData: ten, header: { tileDataOffset: 100 } })],
    ['sections_overlap', assemble({ entries: good, tileData: ten, header: { jsonMetadataOffset: 130 } })],
    ['bad_header', assemble({ entries: good, tileData: ten, header: { minZoom: 3, maxZoom: 2 } })],
    ['bad_header', assemble({ entries: good, tileData: ten, header: { minLon: 10, maxLon: -10 } })],
    ['unsupported_compression', assemble({ entries: good, tileData: ten, header: { internalCompression: 0 } })],
    [
      'directory_unsorted',
      assemble({
        entries: [
          { tileId: 0, offset: 0, length: 4, runLength: 3 },
          { tileId: 2, offset: 4, length: 6, runLength: 1 },
        ],
        tileData: ten,
      }),
    ],
    ['tile_out_of_bounds', assemble({ entries: [{ tileId: 0, offset: 0, length: 11, runLength: 1 }], tileData: ten })],
    [
      'not_clustered',
      assemble({
        entries: [
          { tileId: 0, offset: 6, length: 4, runLength: 1 },
          { tileId: 1, offset: 0, length: 6, runLength: 1 },
        ],
        tileData: ten,
      }),
    ],
    ['count_mismatch', assemble({ entries: good, tileData: ten, header: { numAddressedTiles: 4 } })],
    ['count_mismatch', assemble({ entries: good, tileData: ten, header: { numTileContents: 3 } })],
    ['zoom_mismatch', assemble({ entries: good, tileData: ten, header: { minZoom: 1 } })],
    [
      'zoom_mismatch',
      assemble({ entries: [{ tileId: zxyToTileId(3, 0, 0), offset: 0, length: 10, runLength: 1 }], tileData: ten }),
    ],
    [
      'bad_metadata',
      assemble({ entries: good, tileData: ten, metadata: compress(new TextEncoder().encode('[1]'), Compression.Gzip) }),
    ],
    ['corrupt_compression', assemble({ entries: good, tileData: ten, metadata: new TextEncoder().encode('{}') })],
  ];
  for (const [code, bytes] of cases) await assert.rejects(check(bytes), rejectsWith(code), code);
});

test('validate: a clustered flag byte other than 0 or 1 and a wrong magic are rejected', async () => {
  const bytes = assemble({ entries: good, tileData: ten });
  const flagged = Uint8Array.from(bytes);
  flagged[96] = 2;
  await assert.rejects(check(flagged), rejectsWith('bad_header'));
  const magic = Uint8Array.from(bytes);
  magic[0] = 0x51;
  await assert.rejects(check(magic), rejectsWith('bad_magic'));
  const empty = Uint8Array.from(readFileSync(fixturePath('test_fixture_1.pmtiles'))).subarray(0, 100);
  await assert.rejects(check(empty), rejectsWith('truncated'));
});
