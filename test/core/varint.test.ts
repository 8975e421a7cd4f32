import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { readVarint as referenceReadVarint } from 'pmtiles';
import { MapmintError } from '../../core/errors.ts';
import { encodeVarint, readVarint, varintLength, writeVarint } from '../../core/varint.ts';

const decode = (bytes: Uint8Array): number => readVarint({ bytes, pos: 0 });

test('varint: known encodings from the protobuf varint definition', () => {
  assert.deepEqual([...encodeVarint(0)], [0x00]);
  assert.deepEqual([...encodeVarint(1)], [0x01]);
  assert.deepEqual([...encodeVarint(127)], [0x7f]);
  assert.deepEqual([...encodeVarint(128)], [0x80, 0x01]);
  assert.deepEqual([...encodeVarint(300)], [0xac, 0x02]);
  assert.deepEqual([...encodeVarint(2 ** 32)], [0x80, 0x80, 0x80, 0x80, 0x10]);
  assert.deepEqual([...encodeVarint(2 ** 53 - 1)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
});

test('varint: round-trips 0, 127, 128, 2^32, 2^53-1 and agrees with the official reader', () => {
  for (const v of [0, 127, 128, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1]) {
    const bytes = encodeVarint(v);
    assert.equal(decode(bytes), v);
    assert.equal(varintLength(v), bytes.length);
    assert.equal(referenceReadVarint({ buf: bytes, pos: 0 }), v, `official reader on ${v}`);
  }
});

test('varint: property — any safe non-negative integer round-trips, sequences decode in order', () => {
  fc.assert(
    fc.property(fc.array(fc.maxSafeNat(), { minLength: 1, maxLength: 50 }), (values) => {
      const out: number[] = [];
      for (const v of values) writeVarint(out, v);
      const cursor = { bytes: Uint8Array.from(out), pos: 0 };
      for (const v of values) assert.equal(readVarint(cursor), v);
      assert.equal(cursor.pos, out.length);
      assert.equal(
        out.length,
        values.reduce((n, v) => n + varintLength(v), 0),
      );
    }),
  );
});

test('varint: rejects negative, fractional and unsafe values on write', () => {
  for (const v of [-1, 0.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => encodeVarint(v),
      (e: unknown) => e instanceof MapmintError && e.kind === 'invalid_input',
    );
  }
});

test('varint: rejects truncated input and values of 2^53 or more on read', () => {
  const isInvalid = (code: string) => (e: unknown) => e instanceof MapmintError && e.code === code;
  assert.throws(() => decode(Uint8Array.from([0x80])), isInvalid('varint_truncated'));
  assert.throws(() => decode(new Uint8Array(0)), isInvalid('varint_truncated'));
  // 2^53 exactly: 7 bytes of 0x80 then 0x10.
  assert.throws(
    () => decode(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])),
    isInvalid('varint_too_large'),
  );
  assert.throws(() => decode(new Uint8Array(9).fill(0xff)), isInvalid('varint_too_large'));
});
