import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { bytesToHeader } from 'pmtiles';
import { MapmintError } from '../../core/errors.ts';
import { decodeHeader, encodeHeader, HEADER_LENGTH } from '../../tiler/pmtiles/index.ts';
import { sharedFile } from '../support/shared-data.ts';

const fixture = (name: string): Uint8Array => readFileSync(sharedFile('pmtiles', 'fixtures', name));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const VALID = [
  'test_fixture_1.pmtiles',
  'test_fixture_2.pmtiles',
  'test_fixture_mlt.pmtiles',
  'stamen_toner_raster_z3.pmtiles',
];

test('header: test_fixture_1 has the values upstream js/test/v3.test.ts "cache getHeader" asserts', () => {
  const h = decodeHeader(fixture('test_fixture_1.pmtiles'));
  assert.equal(h.specVersion, 3);
  assert.equal(h.rootDirectoryOffset, 127);
  assert.equal(h.rootDirectoryLength, 25);
  assert.equal(h.jsonMetadataOffset, 152);
  assert.equal(h.jsonMetadataLength, 247);
  assert.equal(h.leafDirectoryOffset, 0);
  assert.equal(h.leafDirectoryLength, 0);
  assert.equal(h.tileDataOffset, 399);
  assert.equal(h.tileDataLength, 69);
  assert.equal(h.numAddressedTiles, 1);
  assert.equal(h.numTileEntries, 1);
  assert.equal(h.numTileContents, 1);
  assert.equal(h.clustered, false);
  assert.equal(h.internalCompression, 2);
  assert.equal(h.tileCompression, 2);
  assert.equal(h.tileType, 1);
  assert.equal(h.minZoom, 0);
  assert.equal(h.maxZoom, 0);
  assert.equal(h.minLon, 0);
  assert.equal(h.minLat, 0);
  // Upstream comments this assert out ("TODO fix me"): tippecanoe stored 9999999 e7.
  assert.equal(h.maxLon, 0.9999999);
  assert.equal(h.maxLat, 1);
});

test('header: test_fixture_2 equals fixture 1 except tileDataLength 67', () => {
  const one = decodeHeader(fixture('test_fixture_1.pmtiles'));
  const two = decodeHeader(fixture('test_fixture_2.pmtiles'));
  assert.equal(two.tileDataLength, 67);
  assert.deepEqual({ ...two, tileDataLength: 69 }, one);
});

test('header: test_fixture_mlt is a clustered MLT archive of Monaco with no tiles', () => {
  const h = decodeHeader(fixture('test_fixture_mlt.pmtiles'));
  assert.equal(h.tileType, 6);
  assert.equal(h.clustered, true);
  assert.equal(h.internalCompression, 2);
  assert.equal(h.tileCompression, 2);
  assert.equal(h.numAddressedTiles, 0);
  assert.equal(h.numTileEntries, 0);
  assert.equal(h.numTileContents, 0);
  assert.equal(h.tileDataLength, 0);
  assert.deepEqual([h.minLon, h.minLat, h.maxLon, h.maxLat], [7.4078, 43.7222, 7.4407, 43.7527]);
  assert.deepEqual([h.centerZoom, h.centerLon, h.centerLat], [14, 7.42425, 43.7374499]);
});

test('header: stamen_toner_raster_z3 is a clustered PNG archive z0-3 with run lengths and dedup', () => {
  const h = decodeHeader(fixture('stamen_toner_raster_z3.pmtiles'));
  assert.equal(h.clustered, true);
  assert.equal(h.internalCompression, 2);
  assert.equal(h.tileCompression, 1);
  assert.equal(h.tileType, 2);
  assert.deepEqual([h.minZoom, h.maxZoom], [0, 3]);
  assert.deepEqual([h.minLon, h.minLat, h.maxLon, h.maxLat], [-180, -85, 180, 85]);
  assert.deepEqual([h.numAddressedTiles, h.numTileEntries, h.numTileContents], [85, 84, 80]);
  assert.equal(h.rootDirectoryLength, 246);
  assert.equal(h.leafDirectoryLength, 0);
});

test('header: every valid fixture decodes like the official reader and re-encodes to the same 127 bytes', () => {
  for (const name of VALID) {
    const bytes = fixture(name);
    const ours = decodeHeader(bytes);
    const { etag: _etag, ...theirs } = bytesToHeader(new Uint8Array(bytes.subarray(0, 127)).buffer);
    assert.deepEqual(ours, theirs, name);
    assert.equal(hex(encodeHeader(ours)), hex(bytes.subarray(0, HEADER_LENGTH)), name);
  }
});

test('header: rejects the empty, wrong-magic and version-4 fixtures, as upstream asserts', () => {
  const code = (c: string) => (e: unknown) => e instanceof MapmintError && e.kind === 'invalid_input' && e.code === c;
  assert.throws(() => decodeHeader(fixture('empty.pmtiles')), code('truncated'));
  assert.throws(() => decodeHeader(fixture('invalid.pmtiles')), code('bad_magic'));
  assert.throws(() => decodeHeader(fixture('invalid_v4.pmtiles')), code('unsupported_version'));
});

test('header: encode rejects values a field cannot hold', () => {
  const h = decodeHeader(fixture('test_fixture_1.pmtiles'));
  const isInvalid = (e: unknown) => e instanceof MapmintError && e.kind === 'invalid_input';
  assert.throws(() => encodeHeader({ ...h, minZoom: 256 }), isInvalid);
  assert.throws(() => encodeHeader({ ...h, tileDataLength: -1 }), isInvalid);
  assert.throws(() => encodeHeader({ ...h, numAddressedTiles: 2 ** 53 }), isInvalid);
  assert.throws(() => encodeHeader({ ...h, maxLon: 215 }), isInvalid);
});
