/**
 * NMEA 0183 sentence scanning and field decoding (NMEA 0183 v4.11 section 5.2/5.3: `$` address, comma fields,
 * `*hh` XOR checksum). Kept apart from the epoch logic in `nmea.ts` so the byte-level rules can be read alone.
 */

/** One checksum-verified sentence: talker ("GP", "GN", ...), type ("RMC"), fields after the address. */
export interface Sentence {
  talker: string;
  type: string;
  fields: string[];
  line: number;
}

// A sentence is `$`, printable ASCII without `$` or `*`, then `*` and two hex digits. Excluding `$` makes the regex
// restart at the last `$` before the `*`, so binary junk (u-blox UBX frames) in front of a sentence on the same
// line is skipped. NMEA caps a sentence at 82 chars; 120 leaves room for receivers that overrun it (gpsd allows
// more than the standard too) while still bounding the work per match.
const SENTENCE_RE = /\$([\x20-\x23\x25-\x29\x2b-\x7e]{2,120})\*([0-9A-Fa-f]{2})/g;

/** What `scanLine` found on one line: verified sentences and how many candidates failed their checksum. */
export interface LineScan {
  sentences: Sentence[];
  badChecksums: number;
}

/** Find every `$...*hh` sentence on one line (latin1 text) and verify its XOR checksum. */
export function scanLine(text: string, line: number): LineScan {
  const out: LineScan = { sentences: [], badChecksums: 0 };
  if (text.indexOf('$') < 0) return out;
  SENTENCE_RE.lastIndex = 0;
  for (let m = SENTENCE_RE.exec(text); m !== null; m = SENTENCE_RE.exec(text)) {
    const body = m[1]!;
    let sum = 0;
    for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i);
    if (sum !== Number.parseInt(m[2]!, 16)) {
      out.badChecksums++;
      continue;
    }
    const fields = body.split(',');
    const address = fields.shift()!;
    // Standard sentences are a 2-letter talker + 3-letter type; proprietary ones ($PMTK, $PUBX) start with P.
    if (/^[A-Z]{2}[A-Z]{3}$/.test(address) && address[0] !== 'P') {
      out.sentences.push({ talker: address.slice(0, 2), type: address.slice(2), fields, line });
    } else {
      out.sentences.push({ talker: '', type: address, fields, line });
    }
  }
  return out;
}

/**
 * Decode NMEA `ddmm.mmmm` / `dddmm.mmmm` plus hemisphere into signed degrees. Like gpsd's `decode_lat_or_lon` it
 * requires the decimal point; minutes must be below 60. `undefined` when empty or malformed.
 */
export function decodeCoord(value: string | undefined, hemi: string | undefined, isLat: boolean): number | undefined {
  if (!value || !hemi) return undefined;
  const m = /^(\d+)(\d\d\.\d*)$/.exec(value);
  if (!m) return undefined;
  const deg = Number(m[1]);
  const min = Number(m[2]);
  if (min >= 60 || deg > (isLat ? 90 : 180)) return undefined;
  const v = deg + min / 60;
  if (v > (isLat ? 90 : 180)) return undefined;
  if (hemi === (isLat ? 'S' : 'W')) return -v;
  return hemi === (isLat ? 'N' : 'E') ? v : undefined;
}

/** Number of digits after the decimal point, to prefer the more precise of two positions of one epoch. */
export function decimals(value: string | undefined): number {
  if (!value) return -1;
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

/** `hhmmss[.sss]` to milliseconds since UTC midnight; `undefined` when malformed. */
export function decodeTimeOfDay(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^(\d\d)(\d\d)(\d\d)(?:\.(\d+))?$/.exec(value);
  if (!m) return undefined;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = Number(m[3]);
  // 60 allows a leap second; it is folded into the next minute by Date arithmetic.
  if (h > 23 || mi > 59 || s > 60) return undefined;
  const frac = m[4] ? Math.round(Number(`0.${m[4]}`) * 1000) : 0;
  return ((h * 60 + mi) * 60 + s) * 1000 + frac;
}

/**
 * RMC `ddmmyy` to Unix ms of that UTC midnight. Two-digit years: 80-99 are 19xx and 00-79 are 20xx, the same
 * 2080 wrap gpsd uses in `merge_ddmmyy` (GPS time starts in 1980).
 */
export function decodeDdmmyy(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^(\d\d)(\d\d)(\d\d)$/.exec(value);
  if (!m) return undefined;
  const yy = Number(m[3]);
  return utcMidnight(yy >= 80 ? 1900 + yy : 2000 + yy, Number(m[2]), Number(m[1]));
}

/** Y/M/D to Unix ms of that UTC midnight; `undefined` when the day does not exist. */
export function utcMidnight(year: number, month: number, day: number): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1980 || year > 2200) return undefined;
  const t = Date.UTC(year, month - 1, day);
  return new Date(t).getUTCDate() === day ? t : undefined;
}
