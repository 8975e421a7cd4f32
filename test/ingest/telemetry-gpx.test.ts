/**
 * GPX reader on every GPX in shared/data/traces. Counts and bounding boxes are those of SOURCES-roads.md; time
 * spans were read from the files by hand (first/last <time> of the timed points).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MapmintError, type Track } from '../../core/index.ts';
import { type GpxOptions, parseGpx, readGpxFile } from '../../ingest/telemetry/index.ts';
import { sharedFile } from '../support/shared-data.ts';

interface Expect {
  file: string[];
  options?: GpxOptions;
  count: number;
  /** minLon, minLat, maxLon, maxLat, checked to 5 decimals as SOURCES gives them. */
  bbox: [number, number, number, number];
  span?: [string, string];
  source?: 'trk' | 'rte';
}

const CASES: Expect[] = [
  {
    file: ['gpx', 'around-visnjan-with-car.gpx'],
    count: 104,
    bbox: [13.71152, 45.27248, 13.72245, 45.28091],
    span: ['2020-12-18T06:15:50.000Z', '2020-12-18T06:24:24.000Z'],
  },
  {
    // 871 trkpt in 4 tracks, of which 513 carry a <time>.
    file: ['gpx', 'korita-zbevnica.gpx'],
    options: { missingTime: 'nan' },
    count: 871,
    bbox: [14.00399, 45.36778, 14.16796, 45.46308],
    span: ['2010-10-03T09:36:30.000Z', '2010-10-03T13:19:31.000Z'],
  },
  {
    file: ['gpx', 'cerknicko-jezero.gpx'],
    count: 296,
    bbox: [14.30435, 45.74416, 14.36712, 45.79172],
    span: ['2010-08-05T14:23:59.000Z', '2010-08-05T16:23:49.000Z'],
  },
  {
    // Bogus device times (1901-12-13, the signed 32-bit time_t minimum): read as given; validation rejects them.
    file: ['gpx', 'Mojstrovka.gpx'],
    count: 184,
    bbox: [13.73884, 46.43035, 13.74833, 46.43564],
    span: ['1901-12-13T20:45:52.207Z', '1901-12-13T20:45:52.207Z'],
  },
  {
    file: ['graphhopper', 'andorra_for_map_matching.gpx'],
    options: { missingTime: 'nan' },
    count: 21,
    bbox: [1.53291, 42.62135, 1.54015, 42.62364],
  },
  {
    file: ['graphhopper', 'issue-13.gpx'],
    count: 29,
    bbox: [29.08911, 41.01107, 29.0917, 41.01191],
    span: ['2015-01-01T11:35:02.000Z', '2015-01-01T11:35:02.000Z'],
  },
  {
    file: ['graphhopper', 'issue-127.gpx'],
    options: { missingTime: 'nan' },
    count: 2,
    bbox: [29.08911, 41.01191, 29.08911, 41.01191],
  },
  {
    file: ['graphhopper', 'leipzig_no_map', 'tour-with-loop.gpx'],
    count: 11,
    bbox: [12.36134, 51.34213, 12.36324, 51.3441],
    span: ['2015-02-03T17:34:05.000Z', '2015-02-03T17:35:22.000Z'],
  },
  {
    file: ['graphhopper', 'leipzig_no_map', 'tour2-with-loop.gpx'],
    count: 12,
    bbox: [12.36071, 51.34278, 12.36419, 51.34537],
    span: ['2015-02-06T07:36:46.000Z', '2015-02-06T07:38:38.000Z'],
  },
  {
    // GH MapMatchingTest testSimplification: "7 observations" (expected.json).
    file: ['graphhopper', 'leipzig_no_map', 'tour3-with-long-edge.gpx'],
    count: 7,
    bbox: [12.35651, 51.35801, 12.36024, 51.35972],
    span: ['2015-02-09T20:53:01.000Z', '2015-02-09T20:53:58.000Z'],
  },
  {
    file: ['graphhopper', 'leipzig_no_map', 'tour4-with-uturn.gpx'],
    count: 5,
    bbox: [12.35919, 51.34332, 12.36274, 51.34524],
    span: ['2015-02-11T08:16:35.000Z', '2015-02-11T08:17:39.000Z'],
  },
];

function check(track: Track, c: Expect): void {
  assert.equal(track.format, 'gpx');
  assert.equal(track.points.length, c.count);
  const lons = track.points.map((p) => p.lon);
  const lats = track.points.map((p) => p.lat);
  const got = [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
  for (const [i, v] of got.entries()) assert.ok(Math.abs(v - c.bbox[i]!) < 6e-6, `bbox[${i}] ${v} vs ${c.bbox[i]}`);
  const times = track.points.map((p) => p.t).filter(Number.isFinite);
  if (c.span) {
    assert.equal(new Date(Math.min(...times)).toISOString(), c.span[0]);
    assert.equal(new Date(Math.max(...times)).toISOString(), c.span[1]);
  } else assert.equal(times.length, 0, 'no point has a time');
  assert.equal(track.meta?.['source'], c.source ?? 'trk');
}

describe('GPX reader on the real files', () => {
  for (const c of CASES) {
    it(`${c.file.join('/')}: ${c.count} points, bbox, time span (streamed and in memory)`, async () => {
      const file = sharedFile('traces', ...c.file);
      const streamed = await readGpxFile(file, c.options);
      check(streamed, c);
      const inMemory = parseGpx(readFileSync(file), c.options);
      assert.deepEqual(inMemory.points, streamed.points, 'string/Buffer and streamed file agree');
    });
  }

  it('korita-zbevnica: default refuses untimed points (line given), drop keeps the 513 timed ones', async () => {
    const file = sharedFile('traces', 'gpx', 'korita-zbevnica.gpx');
    await assert.rejects(
      readGpxFile(file),
      (e) => e instanceof MapmintError && e.code === 'gpx_missing_time' && /line \d+/.test(e.message),
    );
    const timed = await readGpxFile(file, { missingTime: 'drop' });
    assert.equal(timed.points.length, 513);
    assert.equal(timed.meta?.['droppedUntimed'], '358');
  });

  it('visnjan has elevation on every point; GraphHopper Leipzig files prefer <trk> over <rte>', async () => {
    const v = await readGpxFile(sharedFile('traces', 'gpx', 'around-visnjan-with-car.gpx'));
    assert.ok(v.points.every((p) => typeof p.alt === 'number'));
    assert.equal(v.points[0]!.alt, 211.15);
    assert.equal(v.meta?.['creator'], 'eTrex 20x');
    assert.equal(v.meta?.['version'], '1.1');
  });
});

describe('GPX reader rules', () => {
  it('reads GPX 1.0 speed/course/hdop/sat/fix and GPX 1.1 Garmin extension speed/course', () => {
    const v10 = `<?xml version="1.0"?><gpx version="1.0" xmlns="http://www.topografix.com/GPX/1/0"><trk><trkseg>
      <trkpt lat="10.5" lon="-20.25"><ele>5</ele><time>2020-01-01T00:00:01.5Z</time><course>370</course>
      <speed>3.5</speed><hdop>0.9</hdop><sat>7</sat><fix>3d</fix></trkpt></trkseg></trk></gpx>`;
    assert.deepEqual(parseGpx(v10).points, [
      {
        t: Date.UTC(2020, 0, 1, 0, 0, 1, 500),
        lat: 10.5,
        lon: -20.25,
        alt: 5,
        speed: 3.5,
        heading: 10,
        hdop: 0.9,
        satellites: 7,
        fix: 3,
      },
    ]);
    const v11 = Buffer.from(`<gpx version="1.1" xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2">
      <rte><rtept lat="1" lon="1"><time>2020-01-01T00:00:00Z</time></rtept></rte>
      <trk><trkseg><trkpt lat="1" lon="2"><time>2020-01-01T01:00:00+01:00</time><extensions><gpxtpx:TrackPointExtension>
      <gpxtpx:speed>12.5</gpxtpx:speed><gpxtpx:course>90</gpxtpx:course></gpxtpx:TrackPointExtension></extensions>
      </trkpt></trkseg></trk></gpx>`);
    assert.deepEqual(parseGpx(v11).points, [{ t: Date.UTC(2020, 0, 1), lat: 1, lon: 2, speed: 12.5, heading: 90 }]);
  });

  it('falls back to rtept when there is no trk', () => {
    const gpx = '<gpx><rte><rtept lat="1" lon="2"><time>2020-01-01T00:00:00Z</time></rtept></rte></gpx>';
    const t = parseGpx(gpx);
    assert.equal(t.meta?.['source'], 'rte');
    assert.equal(t.points.length, 1);
  });

  it('says where the XML breaks and which point is wrong', () => {
    const cases: [string, string, RegExp][] = [
      ['<gpx><trk><trkseg><trkpt lat="1" lon="2"></trkseg></gpx>', 'gpx_malformed', /line 1/],
      ['<gpx>\n<trk><trkseg>\n<trkpt lat="91" lon="2"/></trkseg></trk></gpx>', 'gpx_bad_point', /line 3/],
      [
        '<gpx><trk><trkseg><trkpt lat="1" lon="2"><time>yesterday</time></trkpt></trkseg></trk></gpx>',
        'gpx_bad_time',
        /yesterday/,
      ],
      ['<kml></kml>', 'gpx_not_gpx', /kml/],
      ['<gpx></gpx>', 'gpx_no_points', /no <trkpt>/],
    ];
    for (const [xml, code, msg] of cases) {
      assert.throws(
        () => parseGpx(xml),
        (e) => e instanceof MapmintError && e.code === code && msg.test(e.message),
        code,
      );
    }
  });
});
