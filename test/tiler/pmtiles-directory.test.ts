import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { SharedPromiseCache } from 'pmtiles';
import { MapmintError } from '../../core/errors.ts';
import {
  Compression,
  compress,
  type DirectoryEntry,
  decodeDirectory,
  decodeHeader,
  decompress,
  encodeDirectory,
} from '../../tiler/pmtiles/index.ts';
import { sharedFile } from '../support/shared-data.ts';
import { NodeFileSource } from './pmtiles-file-source.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const GZIP_HEADER = 10; // RFC 1952: ID1 ID2 CM FLG MTIME(4) XFL OS

function rootOf(name: string): { compressed: Uint8Array; raw: Uint8Array } {
  const bytes = new Uint8Array(readFileSync(sharedFile('pmtiles', 'fixtures', name)));
  const h = decodeHeader(bytes);
  const compressed = bytes.subarray(h.rootDirectoryOffset, h.rootDirectoryOffset + h.rootDirectoryLength);
  return { compressed, raw: decompress(compressed, h.internalCompression) };
}

test('directory: test_fixture_1 root is one entry {0, 0, 69, 1}, raw bytes 1,0,1,69,1 (upstream "cache getDirectory")', () => {
  const { raw } = rootOf('test_fixture_1.pmtiles');
  assert.deepEqual([...raw], [1, 0, 1, 69, 1]);
  assert.deepEqual(decodeDirectory(raw), [{ tileId: 0, offset: 0, length: 69, runLength: 1 }]);
});

for (const name of [
  'test_fixture_1.pmtiles',
  'test_fixture_2.pmtiles',
  'stamen_toner_raster_z3.pmtiles',
  'test_fixture_mlt.pmtiles',
]) {
  test(`directory: ${name} root decodes like the official reader and re-encodes to the same bytes`, async () => {
    const { compressed, raw } = rootOf(name);
    const ours = decodeDirectory(raw);
    const file = sharedFile('pmtiles', 'fixtures', name);
    const source = await NodeFileSource.open(file);
    try {
      // The official reader's cache decodes directories with its own deserializer.
      const cache = new SharedPromiseCache();
      const header = await cache.getHeader(source);
      if (ours.length > 0) {
        const theirs = await cache.getDirectory(source, header.rootDirectoryOffset, header.rootDirectoryLength, header);
        assert.deepEqual(ours, theirs);
      }
    } finally {
      await source.close();
    }
    const encoded = encodeDirectory(ours);
    assert.equal(hex(encoded), hex(raw), 'uncompressed directory bytes');
    const gz = compress(encoded, Compression.Gzip);
    // test_fixture_mlt's root was deflated by Go's compress/flate (with a sync flush), whose stream for the same
    // bytes differs from zlib's; for it only the uncompressed bytes above are compared.
    if (name !== 'test_fixture_mlt.pmtiles') {
      // zlib level 9 reproduces the deflate stream and trailer; only the gzip header's MTIME/OS bytes differ.
      assert.equal(hex(gz.subarray(GZIP_HEADER)), hex(compressed.subarray(GZIP_HEADER)), 'deflate stream + CRC + size');
      assert.equal(gz.length, compressed.length);
    }
  });
}

test('directory: stamen_toner root has 84 entries covering 85 tiles, with run lengths and back-references', () => {
  const entries = decodeDirectory(rootOf('stamen_toner_raster_z3.pmtiles').raw);
  assert.equal(entries.length, 84);
  assert.equal(
    entries.reduce((n, e) => n + e.runLength, 0),
    85,
  );
  assert.ok(entries.some((e) => e.runLength > 1));
  assert.equal(new Set(entries.map((e) => e.offset)).size, 80);
});

test('directory: the offset elision of spec 4.2 (0 = contiguous, otherwise offset + 1)', () => {
  const entries: DirectoryEntry[] = [
    { tileId: 5, offset: 0, length: 10, runLength: 1 },
    { tileId: 42, offset: 10, length: 3, runLength: 2 },
    { tileId: 69, offset: 0, length: 10, runLength: 1 },
  ];
  // count 3 | ids 5, 37, 27 (spec's own delta example) | runs 1, 2, 1 | lengths 10, 3, 10 | offsets 1, 0, 1
  assert.deepEqual([...encodeDirectory(entries)], [3, 5, 37, 27, 1, 2, 1, 10, 3, 10, 1, 0, 1]);
  assert.deepEqual(decodeDirectory(encodeDirectory(entries)), entries);
  // A first entry at offset 0 is written as 1, never elided.
  assert.deepEqual([...encodeDirectory([{ tileId: 0, offset: 0, length: 1, runLength: 1 }])], [1, 0, 1, 1, 1]);
});

test('directory: property — random sorted entries round-trip', () => {
  const entryArb = fc.record({
    gap: fc.integer({ min: 1, max: 2 ** 40 }),
    offset: fc.integer({ min: 0, max: 2 ** 45 }),
    contiguous: fc.boolean(),
    length: fc.integer({ min: 1, max: 2 ** 31 }),
    runLength: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  });
  fc.assert(
    fc.property(fc.array(entryArb, { maxLength: 200 }), (raw) => {
      let id = -1;
      let end = 0;
      const entries = raw.map((r) => {
        id += r.gap;
        const offset = r.contiguous ? end : r.offset;
        end = offset + r.length;
        return { tileId: id, offset, length: r.length, runLength: r.runLength };
      });
      assert.deepEqual(decodeDirectory(encodeDirectory(entries)), entries);
    }),
  );
});

test('directory: encoder rejects unsorted ids and empty lengths; decoder rejects truncated and trailing bytes', () => {
  const code = (c: string) => (e: unknown) => e instanceof MapmintError && e.code === c;
  assert.throws(
    () =>
      encodeDirectory([
        { tileId: 9, offset: 0, length: 1, runLength: 1 },
        { tileId: 9, offset: 1, length: 1, runLength: 1 },
      ]),
    code('directory_unsorted'),
  );
  assert.throws(
    () => encodeDirectory([{ tileId: 1, offset: 0, length: 0, runLength: 1 }]),
    code('directory_bad_length'),
  );
  const good = encodeDirectory([{ tileId: 7, offset: 0, length: 5, runLength: 1 }]);
  assert.throws(() => decodeDirectory(good.subarray(0, good.length - 1)), code('directory_truncated'));
  assert.throws(() => decodeDirectory(Uint8Array.from([...good, 0])), code('directory_trailing_bytes'));
  assert.throws(() => decodeDirectory(Uint8Array.from([1, 0, 1, 5, 0])), code('directory_bad_offset'));
});
