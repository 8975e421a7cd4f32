import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkManifest, clockHint, hintedCodes, reasonHint } from '../../uploads/index.ts';
import { REPO_ROOT } from '../support/shared-data.ts';

/** Source files of a folder, tests excluded. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/**
 * Every reason code the pipeline can put on an upload, found where it is produced: errors that ingest turns into
 * quarantine reasons (invalid_input, too_large and unsupported_media MapmintErrors thrown anywhere in ingest/),
 * reason objects written by ingest/ and uploads/ (`code: '...'`), and the validation findings' ReasonCode union.
 */
function emittedCodes(): Map<string, string> {
  const found = new Map<string, string>();
  const add = (code: string, where: string) => {
    if (!found.has(code)) found.set(code, where);
  };
  const ingest = sources(path.join(REPO_ROOT, 'ingest'));
  const uploads = sources(path.join(REPO_ROOT, 'uploads'));
  for (const f of ingest) {
    const s = readFileSync(f, 'utf8');
    for (const m of s.matchAll(/\binvalid\(\s*'([a-z0-9_]+)'/g)) add(m[1]!, f);
    for (const m of s.matchAll(/MapmintError\(\s*'(?:invalid_input|too_large|unsupported_media)',\s*'([a-z0-9_]+)'/g))
      add(m[1]!, f);
  }
  for (const f of [...ingest, ...uploads]) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\bcode: '([a-z0-9_]+)'/g)) add(m[1]!, f);
  }
  const types = readFileSync(path.join(REPO_ROOT, 'ingest/validate/types.ts'), 'utf8');
  const union = /export type ReasonCode =([^;]+);/.exec(types);
  assert.ok(union, 'ingest/validate/types.ts declares ReasonCode');
  for (const m of union[1]!.matchAll(/'([a-z0-9_]+)'/g)) add(m[1]!, 'ReasonCode');
  // Codes the other helpers of issue 18 add in this round (motion, clock, device keys).
  for (const c of [
    'motion_mismatch',
    'clock_disagrees_with_motion',
    'device_conflict',
    'bad_device_signature',
    'device_not_registered',
    'device_signature_required',
    'device_key_taken',
    'device_key_revoked',
  ])
    add(c, 'issue 18');
  return found;
}

test('every reason code the code base can emit has a what-to-do hint', () => {
  const codes = emittedCodes();
  // The scan itself must find the codes it is there to find, or this test could pass on nothing.
  for (const known of ['gpx_malformed', 'video_corrupt', 'no_telemetry', 'too_short', 'step_failed', 'files_deleted'])
    assert.ok(codes.has(known), `the source scan finds ${known}`);
  assert.ok(codes.size >= 60, `found only ${codes.size} codes`);
  const missing = [...codes].filter(([c]) => !reasonHint({ code: c })).map(([c, where]) => `${c} (${where})`);
  assert.deepEqual(missing, [], 'codes without a hint in uploads/reason-hints.ts');
  for (const c of hintedCodes()) assert.ok((reasonHint({ code: c }) ?? '').length > 20, `${c} has a real hint`);
});

test('a camera that wrote local time is told which --timezone to give', () => {
  const july = Date.parse('2024-07-01T10:00:00Z');
  const h = reasonHint({
    code: 'video_duration_mismatch',
    details: { videoDurationS: 120, lateStartS: -7200.4, earlyEndS: 7199.8, toleranceS: 3, videoStartMs: july },
  });
  assert.match(h!, /local time/);
  assert.match(h!, /--timezone Europe\/Berlin/, 'summer in Berlin is UTC+2');
  const winter = clockHint(3600, Date.parse('2024-01-15T10:00:00Z'));
  assert.match(winter, /--timezone Europe\/Berlin/, 'winter in Berlin is UTC+1');
  assert.match(clockHint(-5 * 3600, Date.parse('2024-01-15T10:00:00Z')), /--timezone America\/New_York/);
  assert.match(clockHint(19800, july), /--timezone Asia\/(Kolkata|Calcutta)/);
  assert.match(clockHint(3600, july), /--timezone Europe\/London/, 'London is UTC+1 in summer');
});

test('a clock off by seconds is told the --time-offset, a track that does not cover the video is not', () => {
  assert.match(clockHint(42.3), /42 s ahead of GPS time: upload again with --time-offset 0 /);
  assert.match(clockHint(-42.3), /42 s behind/);
  // The motion check's finding: the motion puts the video 12.5 s before its creation_time, the clock is ahead.
  const motion = reasonHint({
    code: 'clock_disagrees_with_motion',
    details: { video: 'a.mp4', clock: 'creation_time', clockT0Ms: 0, motionOffsetMs: -12_500, confidence: 0.9 },
  });
  assert.match(motion!, /13 s ahead of GPS time: upload again with --time-offset 0 /);
  assert.doesNotMatch(clockHint(42.3), /--timezone/);
  const shifted = reasonHint({
    code: 'video_duration_mismatch',
    details: { videoDurationS: 300, lateStartS: -95, earlyEndS: 95, toleranceS: 4 },
  });
  assert.match(shifted!, /95 s ahead of GPS time/);
  assert.match(shifted!, /--time-offset 0 /);
  const short = reasonHint({
    code: 'video_duration_mismatch',
    details: { videoDurationS: 300, lateStartS: 0, earlyEndS: 200, toleranceS: 4 },
  });
  assert.doesNotMatch(short!, /--time-offset 0/);
  assert.match(short!, /track recorded during this video/);
});

test('hints name the upload a replay copies', () => {
  assert.match(reasonHint({ code: 'duplicate_content', details: { originalUploadId: 'abc' } })!, /upload abc/);
  assert.equal(reasonHint({ code: 'no_such_code' }), undefined);
});

test('the manifest takes an IANA timezone and refuses abbreviations, offsets and made-up zones', () => {
  const limits = { maxFileBytes: 1e9, maxUploadBytes: 1e9, maxFiles: 10 };
  const m = (timezone: string) => ({
    device: { make: 'x', model: 'y' },
    timezone,
    files: [{ name: 'a.mp4', role: 'video' as const, size: 1, sha256: 'a'.repeat(64), contentType: 'video/mp4' }],
  });
  for (const ok of ['Europe/Berlin', 'america/new_york', 'UTC', 'Asia/Calcutta']) checkManifest(m(ok), limits);
  for (const bad of ['CEST', '+01:00', 'Mars/Olympus_Mons', 'Europe/Berlin; drop table', ''])
    assert.throws(() => checkManifest(m(bad), limits), { code: 'invalid_timezone' }, bad);
});
