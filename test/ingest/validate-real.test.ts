/**
 * Real tracks from ../shared/data/traces must not be rejected for being real GPS. Each file's expected verdict is
 * asserted with its reason; the false-rejection rate over the real car drives is printed and must be 0 apart from
 * rejections explained by a defect of the data (here: Hof FCD tracks of 2-7 fixes, too_short).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Track } from '../../core/track.ts';
import { parseCsvTracks, readGpxFile, readTrack } from '../../ingest/telemetry/index.ts';
import {
  type ReasonCode,
  replayCandidates,
  replaySimilarity,
  trackFingerprint,
  type ValidationReport,
  validateTrack,
} from '../../ingest/validate/index.ts';
import { sharedFile } from '../support/shared-data.ts';

const NOW = Date.UTC(2025, 0, 1);
const rejectCodes = (r: ValidationReport) =>
  new Set(r.reasons.filter((f) => f.severity === 'reject').map((f) => f.code));
// GPX files here mix timed and untimed points; 'nan' lets the validator see (and drop) the untimed ones.
const gpx = (p: string) => readGpxFile(sharedFile('traces', p), { missingTime: 'nan' });
const nmea = (f: string) => readTrack({ path: sharedFile('traces', 'nmea', f) });

type Expect = { verdict: ValidationReport['verdict'] | 'not_rejected'; reason?: ReasonCode; why: string };
const EXPECTED: Array<[string, () => Promise<Track>, Expect]> = [
  [
    'gpx/Mojstrovka.gpx',
    () => gpx('gpx/Mojstrovka.gpx'),
    {
      verdict: 'rejected',
      reason: 'out_of_range',
      why: 'every <time> is 1901-12-13T20:45:52Z (INT32_MIN s), before the GPS epoch',
    },
  ],
  [
    'gpx/around-visnjan-with-car.gpx',
    () => gpx('gpx/around-visnjan-with-car.gpx'),
    { verdict: 'accepted', why: 'a real 1 Hz car drive; a 49 s gap is only noted' },
  ],
  [
    'gpx/cerknicko-jezero.gpx',
    () => gpx('gpx/cerknicko-jezero.gpx'),
    { verdict: 'accepted_with_trims', reason: 'time_gap', why: 'hike + ride with a 15 min pause: split at gaps' },
  ],
  [
    'gpx/korita-zbevnica.gpx',
    () => gpx('gpx/korita-zbevnica.gpx'),
    {
      verdict: 'accepted_with_trims',
      reason: 'out_of_range',
      why: 'slow hike; 358 untimed points dropped, split at long pauses',
    },
  ],
  [
    'nmea/bu353s4.log',
    () => nmea('bu353s4.log'),
    { verdict: 'rejected', reason: 'too_short', why: 'receiver standing still: 4 m of jitter' },
  ],
  [
    'nmea/garmin-10x.log',
    () => nmea('garmin-10x.log'),
    { verdict: 'rejected', reason: 'too_short', why: '9 fixes, 45 m' },
  ],
  [
    'nmea/haicom-305N.log',
    () => nmea('haicom-305N.log'),
    { verdict: 'accepted_with_trims', reason: 'poor_fix', why: 'walking 150 m; fixes with HDOP > 10 dropped' },
  ],
  [
    'nmea/myguide-3100.log',
    () => nmea('myguide-3100.log'),
    { verdict: 'rejected', reason: 'poor_fix', why: 'every fix has HDOP > 10' },
  ],
  ['nmea/neo-m8n.log', () => nmea('neo-m8n.log'), { verdict: 'rejected', reason: 'too_short', why: 'standing still' }],
  [
    'nmea/nl2008u.log',
    () => nmea('nl2008u.log'),
    { verdict: 'rejected', reason: 'too_short', why: '9 fixes split by a 20 min gap' },
  ],
  [
    'nmea/nmea-fuzzy-cases.log',
    () => nmea('nmea-fuzzy-cases.log'),
    { verdict: 'rejected', reason: 'too_short', why: 'parser test cases, 5 m' },
  ],
  [
    'nmea/quectel-L70.log',
    () => nmea('quectel-L70.log'),
    { verdict: 'rejected', reason: 'too_short', why: 'standing still' },
  ],
  [
    'newson-krumm-seattle/gps_data.txt',
    () => readTrack({ path: sharedFile('traces', 'newson-krumm-seattle', 'gps_data.txt') }),
    { verdict: 'not_rejected', why: '2 h car drive at 1 Hz; isolated outliers dropped' },
  ],
  [
    'graphhopper/andorra_for_map_matching.gpx',
    () => gpx('graphhopper/andorra_for_map_matching.gpx'),
    { verdict: 'rejected', reason: 'out_of_range', why: 'no times at all' },
  ],
  [
    'graphhopper/issue-127.gpx',
    () => gpx('graphhopper/issue-127.gpx'),
    { verdict: 'rejected', reason: 'out_of_range', why: 'no times at all' },
  ],
  [
    'graphhopper/issue-13.gpx',
    () => gpx('graphhopper/issue-13.gpx'),
    { verdict: 'rejected', reason: 'duplicate_timestamps', why: 'all 29 points share one time' },
  ],
  ...['tour-with-loop', 'tour2-with-loop', 'tour3-with-long-edge', 'tour4-with-uturn'].map(
    (n): [string, () => Promise<Track>, Expect] => [
      `graphhopper/leipzig_no_map/${n}.gpx`,
      () => gpx(`graphhopper/leipzig_no_map/${n}.gpx`),
      { verdict: 'accepted', why: 'sparse (8-26 s) real car fixes' },
    ],
  ),
];

const CAR = new Set(['gpx/around-visnjan-with-car.gpx', 'newson-krumm-seattle/gps_data.txt', 'nmea/haicom-305N.log']);

test('every real file gets its expected verdict and reason', async (t) => {
  for (const [name, read, exp] of EXPECTED) {
    const r = validateTrack(await read(), { nowMs: NOW });
    t.diagnostic(
      `${name}: ${r.verdict} [${[...rejectCodes(r)].join(',')}] ${r.stats.keptPoints}/${r.stats.points} fixes, ${r.stats.lengthM} m (${exp.why})`,
    );
    if (exp.verdict === 'not_rejected') assert.notEqual(r.verdict, 'rejected', name);
    else assert.equal(r.verdict, exp.verdict, name);
    if (exp.reason)
      assert.ok(
        r.reasons.some((f) => f.code === exp.reason && f.severity !== 'info'),
        `${name}: ${exp.reason}`,
      );
    if (r.verdict !== 'rejected') assert.ok(!rejectCodes(r).has('too_perfect'), name);
    JSON.parse(JSON.stringify(r));
  }
});

test('real car drives: false-rejection rate 0 except tracks too short to use', async (t) => {
  const hof = parseCsvTracks(readFileSync(sharedFile('traces', 'fcd-hof-oberfranken', 'points.csv')), 'hof');
  assert.equal(hof.length, 263);
  const drives: Array<[string, Track]> = hof.map((tr) => [`hof/${tr.meta?.id ?? '?'}`, tr]);
  for (const [name, read] of EXPECTED) if (CAR.has(name)) drives.push([name, await read()]);
  const rejected: string[] = [];
  const unexplained: string[] = [];
  for (const [name, tr] of drives) {
    const r = validateTrack(tr, { nowMs: NOW });
    if (r.verdict !== 'rejected') continue;
    rejected.push(name);
    // The only accepted defect: too few fixes or metres to place a street (Hof FCD has 2-7 fix trips).
    const codes = rejectCodes(r);
    if (!(codes.size === 1 && codes.has('too_short') && tr.points.length <= 10))
      unexplained.push(`${name} [${[...codes]}]`);
  }
  t.diagnostic(
    `real car drives rejected: ${rejected.length}/${drives.length} (${((100 * rejected.length) / drives.length).toFixed(1)} %), all too_short (<= 10 fixes): ${rejected.join(' ')}`,
  );
  t.diagnostic(`unexplained false rejections: ${unexplained.length}`);
  assert.deepEqual(unexplained, []);
});

test('Hof drives over the same roads are never taken for replays of each other', (t) => {
  const hof = parseCsvTracks(readFileSync(sharedFile('traces', 'fcd-hof-oberfranken', 'points.csv')), 'hof');
  const fps = hof.map((tr) => trackFingerprint(tr));
  let compared = 0;
  let minSpread = Number.POSITIVE_INFINITY;
  for (const [i, fp] of fps.entries()) {
    for (const c of replayCandidates(fp, fps.slice(0, i))) {
      compared++;
      const s = replaySimilarity(fp, c);
      if (s.overlap >= 0.5 && s.matched >= 20) minSpread = Math.min(minSpread, s.spreadM);
      assert.ok(!s.replay, `hof ${i} vs earlier: ${JSON.stringify(s)}`);
    }
  }
  t.diagnostic(
    `Hof candidate pairs compared: ${compared}; smallest spread of overlapping pairs: ${minSpread.toFixed(2)} m`,
  );
  assert.ok(compared > 100, `only ${compared} candidate pairs`);
});
