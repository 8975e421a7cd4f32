/**
 * NMEA reader against gpsd: every real log in shared/data/traces/nmea is read and compared fix by fix with gpsd's
 * own decode (`*.log.chk`, gpsd regression output). gpsd writes a TPV after most sentences; the last TPV carrying a
 * given time is its merged report for that epoch (RMC + GGA + VTG + GSA of the same time), and that is what we
 * compare with. Every deliberate difference is listed in DIFFERENCES with the reason; anything else fails.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MapmintError } from '../../core/index.ts';
import { parseNmea, readNmeaFile } from '../../ingest/telemetry/index.ts';
import { sharedFile } from '../support/shared-data.ts';

interface Tpv {
  mode: number;
  time?: string;
  lat?: number;
  lon?: number;
  altMSL?: number;
  speed?: number;
  track?: number;
}

interface Difference {
  /** Epochs we report that gpsd's output has no timed fix for, with why. */
  oursOnly?: Record<string, string>;
  /** Epochs where gpsd's mode differs from ours (gpsd holds 3D; we report the receiver's GSA). */
  modeDiffers?: Record<string, string>;
  /** gpsd moved every date by this many ms (see neo-m8n). */
  gpsdTimeShiftMs?: number;
}

// gpsd's nmea_parse "don't downgrade mode if holding previous fix": after a 3D fix it keeps reporting 3D while the
// receiver's GSA says 2D. We report what the receiver says.
const HOLDS_3D = 'gpsd keeps mode 3 after a 3D fix while GSA says 2D';

const DIFFERENCES: Record<string, Difference> = {
  'myguide-3100': {
    oursOnly: {
      '2009-10-08T10:50:29.800Z':
        'first valid epoch after 4 status-V RMCs: GGA quality 1 with 4 satellites and RMC status A, date 081009 in ' +
        'that RMC. gpsd had no date when the GGA arrived (it reports that fix without time) and wrote no TPV after ' +
        'the RMC that supplied the date, so its output has no timed fix for this epoch.',
    },
  },
  'haicom-305N': {
    oursOnly: {
      '2007-04-08T09:53:04.802Z':
        'same pattern as myguide-3100: the first RMC with status A follows status-V epochs; gpsd reports the GGA ' +
        'fix without time and no TPV after the dating RMC.',
    },
    modeDiffers: { '2007-04-08T09:53:07.801Z': HOLDS_3D },
  },
  'garmin-10x': { modeDiffers: { '2010-07-18T16:50:09.000Z': HOLDS_3D, '2010-07-18T16:50:44.000Z': HOLDS_3D } },
  'neo-m8n': {
    // gpsd_utc_resolve() (timebase.c) "WKRO" check: with a leap-second count above 17 and a date before 2017 it
    // adds 1024 GPS weeks (619315200 s). The RMC dates say 180315 and the log header says 2015-03-18; only this log
    // writes "# Date = ..." instead of "# Date: ...", the form gpsd_set_century() reads in regression runs, and it
    // is the only log whose chk is shifted. We keep the receiver's date.
    gpsdTimeShiftMs: 619_315_200_000,
    oursOnly: {
      '2015-03-18T17:19:48.000Z':
        "the log ends after this epoch's RMC/VTG/GGA; gpsd reports this receiver's epochs on GNGLL (its learned " +
        'cycle ender), which never comes, so it emits only a SKY. End of input closes the epoch for us.',
    },
  },
};

const LOGS = [
  'bu353s4',
  'garmin-10x',
  'haicom-305N',
  'myguide-3100',
  'neo-m8n',
  'nl2008u',
  'nmea-fuzzy-cases',
  'quectel-L70',
];

/** gpsd's merged fix per epoch: the last TPV with each time, with the declared shift undone. */
function gpsdEpochs(name: string): { timed: Map<string, Tpv>; untimedFixes: number } {
  const shift = DIFFERENCES[name]?.gpsdTimeShiftMs ?? 0;
  const timed = new Map<string, Tpv>();
  let untimedFixes = 0;
  for (const line of readFileSync(sharedFile('traces', 'nmea', `${name}.log.chk`), 'utf8').split('\n')) {
    if (!line.startsWith('{"class":"TPV"')) continue;
    const tpv = JSON.parse(line) as Tpv;
    if (!tpv.time) {
      if (tpv.mode >= 2) untimedFixes++;
      continue;
    }
    timed.set(new Date(Date.parse(tpv.time) - shift).toISOString(), tpv);
  }
  return { timed, untimedFixes };
}

describe('NMEA reader agrees with gpsd on the real logs', () => {
  for (const name of LOGS) {
    it(`${name}: same fixes, positions within 1e-6 deg, same times`, async () => {
      const track = await readNmeaFile(sharedFile('traces', 'nmea', `${name}.log`));
      const diff = DIFFERENCES[name] ?? {};
      const { timed } = gpsdEpochs(name);
      const ours = new Map(track.points.map((p) => [new Date(p.t).toISOString(), p]));
      assert.equal(ours.size, track.points.length, 'one point per epoch time');
      let compared = 0;
      for (const [time, g] of timed) {
        const p = ours.get(time);
        if (g.mode < 2) {
          assert.equal(p, undefined, `${time}: gpsd has no fix (mode ${g.mode}); we must not report one`);
          continue;
        }
        assert.ok(p, `${time}: gpsd reports a mode-${g.mode} fix that we miss`);
        compared++;
        assert.ok(Math.abs(p.lat - g.lat!) <= 1e-6, `${time}: lat ${p.lat} vs gpsd ${g.lat}`);
        assert.ok(Math.abs(p.lon - g.lon!) <= 1e-6, `${time}: lon ${p.lon} vs gpsd ${g.lon}`);
        if (g.altMSL !== undefined)
          assert.ok(Math.abs(p.alt! - g.altMSL) < 1e-6, `${time}: alt ${p.alt} vs ${g.altMSL}`);
        // gpsd prints speed with 3 decimals and track with 4.
        if (g.speed !== undefined)
          assert.ok(Math.abs(p.speed! - g.speed) <= 5e-4, `${time}: speed ${p.speed} vs ${g.speed}`);
        if (g.track !== undefined) assert.ok(Math.abs(p.heading! - g.track) <= 5e-5, `${time}: heading`);
        if (diff.modeDiffers?.[time] !== undefined)
          assert.notEqual(p.fix, g.mode, `${time} listed as a mode difference`);
        else assert.equal(p.fix, g.mode, `${time}: fix ${p.fix} vs gpsd mode ${g.mode}`);
      }
      const extra = [...ours.keys()].filter((t) => !timed.has(t) || (timed.get(t)?.mode ?? 0) < 2);
      assert.deepEqual(extra.sort(), Object.keys(diff.oursOnly ?? {}).sort(), 'fixes only we report');
      assert.equal(compared + extra.length, track.points.length);
      assert.ok(compared >= 8, `${name}: compared ${compared} fixes`);
    });
  }

  it('reports the expected fix counts and facts per log (SOURCES-roads.md)', async () => {
    const counts: Record<string, number> = {};
    for (const name of LOGS)
      counts[name] = (await readNmeaFile(sharedFile('traces', 'nmea', `${name}.log`))).points.length;
    // RMC counts with status A from SOURCES-roads.md: nl2008u 9/9, myguide 9 of 13, garmin 9 of 14, bu353s4 25/25.
    assert.deepEqual(counts, {
      bu353s4: 25,
      'garmin-10x': 9,
      'haicom-305N': 68,
      'myguide-3100': 9,
      'neo-m8n': 23,
      nl2008u: 9,
      'nmea-fuzzy-cases': 14,
      'quectel-L70': 16,
    });
    const nl = await readNmeaFile(sharedFile('traces', 'nmea', 'nl2008u.log'));
    const lats = nl.points.map((p) => p.lat);
    const lons = nl.points.map((p) => p.lon);
    // bbox 8.41447,48.21735,8.42188,48.2208 (SOURCES-roads.md)
    assert.ok(Math.min(...lons) >= 8.41447 && Math.max(...lons) <= 8.42189, 'nl2008u lon range');
    assert.ok(Math.min(...lats) >= 48.21734 && Math.max(...lats) <= 48.2208, 'nl2008u lat range');
    assert.equal(nl.meta?.['talkers'], 'GL,GN,GP');
    const bu = await readNmeaFile(sharedFile('traces', 'nmea', 'bu353s4.log'));
    assert.ok(
      bu.points.every((p) => p.lat < 0 && p.lon > 0),
      'BU-353-S4 is in the southern/eastern hemisphere',
    );
  });
});

describe('NMEA reader rules', () => {
  const sentence = (body: string): string => {
    let sum = 0;
    for (const c of body) sum ^= c.charCodeAt(0);
    return `$${body}*${sum.toString(16).toUpperCase().padStart(2, '0')}`;
  };

  it('rolls the date over at midnight when only GGA follows the last RMC', () => {
    const log = [
      sentence('GPRMC,235958.00,A,4807.038,N,01131.000,E,10.0,90.0,311224,,,A'),
      sentence('GPGGA,235958.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,47.0,M,,'),
      sentence('GPGGA,235959.00,4807.039,N,01131.001,E,1,08,0.9,545.4,M,47.0,M,,'),
      sentence('GNGGA,000000.50,4807.040,N,01131.002,E,2,08,0.9,545.4,M,47.0,M,,'),
      sentence('GLGGA,000001.00,4807.041,N,01131.003,E,1,08,0.9,545.4,M,47.0,M,,'),
    ].join('\r\n');
    const t = parseNmea(log).points.map((p) => new Date(p.t).toISOString());
    assert.deepEqual(t, [
      '2024-12-31T23:59:58.000Z',
      '2024-12-31T23:59:59.000Z',
      '2025-01-01T00:00:00.500Z',
      '2025-01-01T00:00:01.000Z',
    ]);
  });

  it('skips and counts bad checksums, and skips UBX binary junk between and inside lines', () => {
    const good = sentence('GPRMC,120000,A,5000.0000,N,00800.0000,E,0.0,0.0,010120,,,A');
    const bad = good.replace('5000.0000', '5000.0001');
    const ubx = String.fromCharCode(0xb5, 0x62, 0x01, 0x07, 0x5c, 0x00, 0x24, 0x2a, 0x00, 0xff);
    const later = sentence('GPRMC,120001,A,5000.0010,N,00800.0000,E,0.0,0.0,010120,,,A');
    const track = parseNmea(Buffer.from(`${bad}\n${ubx}${good}\n${ubx}\n${ubx}${later}\n`, 'latin1'));
    assert.equal(track.points.length, 2);
    assert.equal(track.meta?.['badChecksums'], '1');
    assert.equal(track.points[0]!.lat, 50);
  });

  it('does not report status-V RMC positions or fixes before any date', () => {
    const log = [
      sentence('GPGGA,100000.00,5000.0,N,00800.0,E,1,05,1.0,100.0,M,,M,,'),
      sentence('GPRMC,100001.00,V,5000.0,N,00800.0,E,,,010120,,,N'),
    ].join('\n');
    assert.throws(
      () => parseNmea(log),
      (e) =>
        e instanceof MapmintError && e.code === 'nmea_no_fixes' && /1 fixes before any RMC\/ZDA date/.test(e.message),
    );
  });

  it('throws nmea_no_sentences on text without NMEA', () => {
    assert.throws(
      () => parseNmea('hello\nworld\n'),
      (e) => e instanceof MapmintError && e.code === 'nmea_no_sentences',
    );
  });
});
