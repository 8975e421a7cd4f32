/**
 * Unsigned LEB128 varints (the protobuf encoding PMTiles v3 uses in its directories, spec section 4.2).
 *
 * Values are plain JavaScript numbers, exact for every integer in [0, 2^53 - 1]: a varint of up to 8 bytes carries 56
 * bits, and we reject anything at or above 2^53 instead of silently losing precision. Arithmetic uses `%` and
 * division by 128 rather than bit operators, because JavaScript bit operators truncate to 32 bits.
 */
import { invalid } from './errors.ts';

/** A read position inside a byte array; `readVarint` advances `pos`. */
export interface ByteCursor {
  readonly bytes: Uint8Array;
  pos: number;
}

/** Largest value a varint here may carry: 2^53 - 1. */
export const MAX_VARINT = Number.MAX_SAFE_INTEGER;

/** Number of bytes `value` takes as a varint. */
export function varintLength(value: number): number {
  checkValue(value);
  let n = 1;
  let v = value;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Append `value` as an unsigned LEB128 varint to `out`. */
export function writeVarint(out: number[], value: number): void {
  checkValue(value);
  let v = value;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** Encode one value as a standalone varint byte array. */
export function encodeVarint(value: number): Uint8Array {
  const out: number[] = [];
  writeVarint(out, value);
  return Uint8Array.from(out);
}

/** Read one unsigned LEB128 varint at `cursor.pos`, advancing the cursor; throws `invalid_input` when truncated or above 2^53 - 1. */
export function readVarint(cursor: ByteCursor): number {
  const { bytes } = cursor;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    const b = bytes[cursor.pos];
    if (b === undefined) {
      throw invalid('varint_truncated', `varint truncated at byte ${cursor.pos} of ${bytes.length}`, {
        pos: cursor.pos,
      });
    }
    cursor.pos++;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (value > MAX_VARINT) {
        throw invalid('varint_too_large', `varint ending at byte ${cursor.pos} exceeds 2^53 - 1`, { pos: cursor.pos });
      }
      // A final zero byte after other bytes is a non-canonical encoding but still decodes to the same value.
      return value;
    }
    scale *= 128;
  }
  throw invalid('varint_too_large', `varint at byte ${cursor.pos - 8} is longer than 8 bytes (over 2^53 - 1)`, {
    pos: cursor.pos - 8,
  });
}

function checkValue(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalid('varint_out_of_range', `varint value ${value} is not an integer in [0, 2^53 - 1]`, { value });
  }
}
