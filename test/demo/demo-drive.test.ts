import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { EARTH_RADIUS_M, headingDelta } from '../../core/geo.ts';
import { distanceToPolyline } from '../../demo/drive-graph.ts';
import { type DemoTruth, generateDrive, planDrive, signalState } from '../../demo/index.ts';

const run = promisify(execFile);
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'mapmint-demo-'));
  dirs.push(d);
  return d;
}

/** East/north metres of b relative to a (equirectangular; exact enough over a town). */
function enu(a: { lat: number; lon: number }, b: { lat: number; lon: number }): [number, number] {
  const k = (Math.PI / 180) * EARTH_RADIUS_M;
  return [(b.lon - a.lon) * k * Math.cos((a.lat * Math.PI) / 180), (b.lat - a.lat) * k];
}

interface CsvFix {
  t: number;
  lat: number;
  lon: number;
  speed: number;
  hdop: number;
  satellites: number;
}
function parseCsv(text: string): CsvFix[] {
  const [header, ...rows] = text.trim().split('\n');
  assert.equal(header, 'time,lat,lon,alt,speed,heading,hdop,satellites');
  return rows.map((r) => {
    const [time, lat, lon, , speed, , hdop, sats] = r.split(',');
    return {
      t: Date.parse(time ?? ''),
      lat: Number(lat),
      lon: Number(lon),
      speed: Number(speed),
      hdop: Number(hdop),
      satellites: Number(sats),
    };
  });
}

/** Per-axis errors of the noisy fixes against the true track, matched by timestamp. */
function errors(truth: DemoTruth, fixes: CsvFix[]): Array<[number, number]> {
  const byT = new Map(truth.track.map((p) => [p.t, p]));
  return fixes.map((f) => {
    const p = byT.get(f.t);
    assert.ok(p, `no true sample at ${f.t}`);
    return enu(p, f);
  });
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

test('same seed gives byte-identical GPX, CSV, truth and roads; another seed differs', async () => {
  const opts = { seed: 42, route: { durationS: 90 }, gps: { rateHz: 5 }, video: false as const };
  const [a, b, c] = [await tempDir(), await tempDir(), await tempDir()];
  await generateDrive({ ...opts, outDir: a });
  await generateDrive({ ...opts, outDir: b });
  await generateDrive({ ...opts, seed: 43, outDir: c });
  for (const name of ['track.gpx', 'track.csv', 'truth.json', 'roads.osm', 'roads.geojson', 'manifest.json']) {
    const [x, y] = [await readFile(path.join(a, name)), await readFile(path.join(b, name))];
    assert.ok(x.length > 100, `${name} is empty`);
    assert.ok(x.equals(y), `${name} differs between two runs with the same seed`);
  }
  const gpx = await readFile(path.join(a, 'track.gpx'), 'utf8');
  const csv = parseCsv(await readFile(path.join(a, 'track.csv'), 'utf8'));
  const trkpts = [
    ...gpx.matchAll(
      /<trkpt lat="([-\d.]+)" lon="([-\d.]+)">[\s\S]*?<time>([^<]+)<\/time>[\s\S]*?<gpxtpx:speed>([\d.]+)</g,
    ),
  ];
  assert.equal(trkpts.length, csv.length);
  assert.equal(csv.length, 90 * 5 + 1);
  trkpts.forEach((m, k) => {
    const f = csv[k] as CsvFix;
    assert.deepEqual([Number(m[1]), Number(m[2]), Date.parse(m[3] ?? ''), Number(m[4])], [f.lat, f.lon, f.t, f.speed]);
  });
  assert.equal(csv[0]?.t, Date.parse('2024-06-01T08:00:00Z'));
  assert.ok(
    csv.every((f, k) => k === 0 || f.t - (csv[k - 1] as CsvFix).t === 200),
    'fixes are not at 5 Hz',
  );
  const [ta, tc] = [await readFile(path.join(a, 'truth.json')), await readFile(path.join(c, 'truth.json'))];
  assert.ok(!ta.equals(tc), 'seeds 42 and 43 gave the same truth');
});

test('GPS error statistics match the configured noise model', async () => {
  const gps = { rateHz: 1, whiteSigmaM: 3, biasSigmaM: 2, biasCorrelationS: 30 };
  const drive = await generateDrive({
    seed: 7,
    route: { durationS: 1200 },
    gps,
    video: false,
    pbf: false,
    outDir: await tempDir(),
  });
  const fixes = parseCsv(await readFile(drive.paths.csv, 'utf8'));
  assert.equal(fixes.length, 1201);
  const err = errors(drive.truth, fixes);
  const expectedSd = Math.hypot(gps.whiteSigmaM, gps.biasSigmaM);
  for (const axis of [0, 1]) {
    const xs = err.map((e) => e[axis] as number);
    // The bias has ~1200 / (2 * 30) = 20 independent values: its mean wanders about 0.45 m, its sd about 16 %.
    assert.ok(Math.abs(mean(xs)) < 2, `axis ${axis} mean error ${mean(xs)}`);
    assert.ok(sd(xs) > 0.8 * expectedSd && sd(xs) < 1.2 * expectedSd, `axis ${axis} sd ${sd(xs)} vs ${expectedSd}`);
    // Lag-1 autocorrelation of bias + white noise: sigma_b^2 e^(-1/tau) / (sigma_b^2 + sigma_w^2) = 0.30.
    const m = mean(xs);
    let num = 0;
    for (let k = 1; k < xs.length; k++) num += ((xs[k] as number) - m) * ((xs[k - 1] as number) - m);
    const rho = num / xs.reduce((a, x) => a + (x - m) ** 2, 0);
    assert.ok(rho > 0.15 && rho < 0.45, `axis ${axis} lag-1 autocorrelation ${rho}`);
  }
  const radial = err.map(([e, n]) => Math.hypot(e, n));
  // Rayleigh mean for per-axis sigma s is s * sqrt(pi / 2) = 4.5 m here.
  assert.ok(Math.abs(mean(radial) - expectedSd * Math.sqrt(Math.PI / 2)) < 1, `mean radial error ${mean(radial)}`);
  for (const f of fixes) {
    assert.ok(
      f.satellites >= 5 && f.satellites <= 16 && f.hdop >= 0.6 && f.hdop < 2,
      `implausible hdop/sats ${JSON.stringify(f)}`,
    );
  }

  const clean = await generateDrive({
    seed: 7,
    route: { durationS: 60 },
    gps: { whiteSigmaM: 0, biasSigmaM: 0 },
    video: false,
    pbf: false,
    outDir: await tempDir(),
  });
  const exact = errors(clean.truth, parseCsv(await readFile(clean.paths.csv, 'utf8')));
  assert.ok(
    Math.max(...exact.map(([e, n]) => Math.hypot(e, n))) < 0.02,
    'with zero sigma the track should be the truth',
  );
});

test('injected gaps and jumps appear in the track where truth says', async () => {
  const drive = await generateDrive({
    seed: 3,
    route: { durationS: 300 },
    gps: { rateHz: 2, gaps: { count: 2, durationS: 10 }, jumps: { count: 3, distanceM: 60 } },
    video: false,
    pbf: false,
    outDir: await tempDir(),
  });
  const fixes = parseCsv(await readFile(drive.paths.csv, 'utf8'));
  const { gaps, jumps } = drive.truth.injected;
  assert.equal(gaps.length, 2);
  for (const g of gaps) {
    assert.ok(!fixes.some((f) => f.t >= g.startMs && f.t < g.endMs), 'a fix inside an injected gap');
    const before = fixes.filter((f) => f.t < g.startMs).at(-1);
    const afterGap = fixes.find((f) => f.t >= g.endMs);
    assert.ok(before && afterGap && afterGap.t - before.t >= 10_000, 'gap not visible in the track');
  }
  assert.ok(jumps.length >= 3, 'three bursts of at least one jump each');
  const err = new Map(errors(drive.truth, fixes).map((e, k) => [fixes[k]?.t, Math.hypot(...e)]));
  for (const j of jumps) assert.ok((err.get(j.t) ?? 0) > 40, `jump at ${j.t} not visible: ${err.get(j.t)}`);
  const quiet = [...err.entries()].filter(([t]) => !jumps.some((j) => j.t === t)).map(([, e]) => e);
  assert.ok(Math.max(...quiet) < 25, 'an uninjected fix jumped');
});

test('the route follows connected streets without U-turns, within limits, and obeys signs and lights', async () => {
  const drive = await generateDrive({
    seed: 15,
    route: { durationS: 400, start: 'stop-sign' },
    gps: { rateHz: 10 },
    video: false,
    pbf: false,
    outDir: await tempDir(),
  });
  const roads = JSON.parse(await readFile(drive.paths.geojson, 'utf8')) as {
    features: Array<{ properties: Record<string, string | number>; geometry: { type: string } }>;
  };
  const maxspeed = new Map(
    roads.features
      .filter((f) => f.geometry.type === 'LineString')
      .map((f) => [f.properties.osm_id, Number(f.properties.maxspeed)]),
  );
  const segs = drive.truth.route.segments;
  assert.ok(segs.length >= 5);
  for (let k = 1; k < segs.length; k++) {
    const [a, b] = [segs[k - 1], segs[k]] as [(typeof segs)[0], (typeof segs)[0]];
    assert.equal(b.fromNode, a.toNode, 'segments are not connected');
    assert.ok(!(b.wayId === a.wayId && b.toNode === a.fromNode), `U-turn at node ${a.toNode}`);
    assert.ok(maxspeed.has(b.wayId), `way ${b.wayId} is not in roads.geojson`);
  }
  for (const p of drive.truth.track) {
    const seg = segs.findLast((s) => s.startS <= p.s) ?? segs[0];
    assert.ok(p.speed <= (maxspeed.get(seg?.wayId ?? 0) ?? 0) / 3.6 + 0.5, `speeding at ${p.t}: ${p.speed} m/s`);
  }
  const at = (t: number): number => {
    const p = drive.truth.track.find((q) => q.t >= Date.parse(drive.truth.startTime) + t * 1000);
    return p?.speed ?? Number.NaN;
  };
  const objects = new Map(drive.truth.objects.map((o) => [o.id, o]));
  const stops = drive.truth.stops.filter((s) => s.kind !== 'end' && s.t + s.dwellS < drive.truth.durationS);
  assert.ok(
    stops.some((s) => s.kind === 'stop'),
    'the drive never met a stop sign',
  );
  for (const s of stops) {
    assert.ok(at(s.t + s.dwellS / 2) < 0.05, `not standing still at ${s.kind} ${s.objectId}`);
    const obj = objects.get(s.objectId ?? '');
    assert.ok(obj, `stop ${JSON.stringify(s)} has no object`);
    if (s.kind === 'signal') {
      assert.ok(obj.signal);
      assert.notEqual(signalState(obj.signal, s.t + 0.1), 'green', `stopped at green light ${obj.id}`);
      assert.equal(signalState(obj.signal, s.t + s.dwellS), 'green', `left on red at ${obj.id}`);
    }
  }
  // Every light the car drove past in its own direction (closest approach while moving) showed green then.
  const start = Date.parse(drive.truth.startTime);
  const redStops = stops.filter((s) => s.kind === 'signal').length;
  let greenPasses = 0;
  for (const light of drive.truth.objects.filter((o) => o.class === 'traffic-light')) {
    const near = drive.truth.track
      .map((p) => ({ p, d: Math.hypot(p.x - light.x, p.y - light.y) }))
      .sort((a, b) => a.d - b.d)[0];
    if (!near || near.d > 6 || near.p.speed < 1) continue;
    if (Math.abs(headingDelta(light.facing, near.p.heading + 180)) > 30) continue;
    const tS = (near.p.t - start) / 1000;
    assert.ok(light.signal);
    assert.ok(
      [tS, tS - 1].some((t) => signalState(light.signal!, t) === 'green'),
      `ran the light ${light.id} at ${tS}s`,
    );
    if (!stops.some((s) => s.objectId === light.id)) greenPasses++;
  }
  // This seed meets lights both ways; without that the checks above would prove nothing.
  assert.ok(redStops >= 1 && greenPasses >= 1, `red stops ${redStops}, green passes ${greenPasses}`);
});

test('roadside objects stand beside the roads, facing their traffic', async () => {
  const drive = await generateDrive({
    seed: 5,
    route: { durationS: 20 },
    video: false,
    pbf: false,
    outDir: await tempDir(),
  });
  const roads = JSON.parse(await readFile(drive.paths.geojson, 'utf8')) as {
    features: Array<{ properties: Record<string, string>; geometry: { type: string; coordinates: number[][] } }>;
  };
  const origin = drive.truth.origin;
  // Carriageway widths the generator documents: secondary 8 m, tertiary 7 m, residential 6 m (oneway 4.5 m).
  const width = (p: Record<string, string>): number =>
    p.highway === 'secondary' ? 8 : p.highway === 'tertiary' ? 7 : p.oneway === 'yes' ? 4.5 : 6;
  const lines = roads.features
    .filter((f) => f.geometry.type === 'LineString')
    .map((f) => ({
      half: width(f.properties) / 2,
      pts: f.geometry.coordinates.map(([lon, lat]) => enu(origin, { lat: lat ?? 0, lon: lon ?? 0 })),
    }));
  const classes = new Set(drive.truth.objects.map((o) => o.class));
  for (const c of ['regulatory--stop', 'traffic-light', 'regulatory--maximum-speed-limit', 'fire-hydrant'] as const)
    assert.ok(classes.has(c), `no ${c}`);
  for (const o of drive.truth.objects) {
    const [x, y] = enu(origin, o);
    let nearest = Number.POSITIVE_INFINITY;
    // Bearings of road pieces within 7 m: a sign must face along one of them (at a junction, not always the nearest).
    const bearings: number[] = [];
    for (const line of lines) {
      for (let k = 1; k < line.pts.length; k++) {
        const [p, q] = [line.pts[k - 1], line.pts[k]] as [[number, number], [number, number]];
        const [vx, vy] = [q[0] - p[0], q[1] - p[1]];
        const f = Math.max(0, Math.min(1, ((x - p[0]) * vx + (y - p[1]) * vy) / (vx * vx + vy * vy)));
        const d = Math.hypot(x - p[0] - vx * f, y - p[1] - vy * f);
        assert.ok(d - line.half >= 0.5, `${o.id} stands on a carriageway (${d.toFixed(2)} m from a centreline)`);
        nearest = Math.min(nearest, d);
        if (d <= 7) bearings.push((Math.atan2(vx, vy) * 180) / Math.PI);
      }
    }
    assert.ok(nearest >= 2.5 && nearest <= 7, `${o.id} is ${nearest.toFixed(2)} m from the nearest road centreline`);
    if (o.class !== 'fire-hydrant') {
      const along = Math.min(
        ...bearings.map((b) =>
          Math.min(Math.abs(headingDelta(o.facing, b)), Math.abs(headingDelta(o.facing, b + 180))),
        ),
      );
      assert.ok(along < 20, `${o.id} faces ${o.facing}, roads nearby run ${bearings.join(', ')}`);
    }
    if (o.class === 'regulatory--maximum-speed-limit') assert.ok(o.value === 30 || o.value === 50);
    assert.ok(o.height > 0 && o.size[0] > 0 && o.size[1] > 0);
  }
});

test('the OSM XML converts with osmium and the counts match the network', async () => {
  const drive = await generateDrive({ seed: 9, route: { durationS: 10 }, video: false, outDir: await tempDir() });
  const xml = await readFile(drive.paths.osm, 'utf8');
  const nodes = (xml.match(/<node /g) ?? []).length;
  const ways = (xml.match(/<way /g) ?? []).length;
  assert.equal(nodes, drive.plan.network.nodes.length);
  assert.equal(ways, drive.plan.network.ways.length);
  assert.ok(drive.paths.pbf);
  for (const file of [drive.paths.osm, drive.paths.pbf]) {
    const { stdout } = await run('osmium', ['fileinfo', '-e', '-j', file]);
    const { count } = (JSON.parse(stdout) as { data: { count: { nodes: number; ways: number; relations: number } } })
      .data;
    assert.deepEqual([count.nodes, count.ways, count.relations], [nodes, ways, 0], file);
  }
  const manifest = JSON.parse(await readFile(drive.paths.manifest, 'utf8')) as {
    files: Array<{ path: string; role: string; bytes: number }>;
  };
  assert.deepEqual(manifest.files.map((f) => f.role).sort(), [
    'roads',
    'roads',
    'roads',
    'telemetry',
    'track',
    'truth',
  ]);
  for (const f of manifest.files)
    assert.equal(f.bytes, (await readFile(path.join(drive.outDir, f.path))).length, f.path);
});

test('every seed plans a drivable town: objects off the carriageway, walk without U-turns, four object classes', () => {
  for (let seed = 100; seed < 140; seed++) {
    const plan = planDrive({ seed, route: { durationS: 120 }, video: false });
    const classes = new Set(plan.objects.map((o) => o.class));
    assert.equal(classes.size, 4, `seed ${seed}: classes ${[...classes].join(',')}`);
    for (const o of plan.objects) {
      const gaps = plan.graph.edges.map((e) => distanceToPolyline(o.x, o.y, e.pts) - e.widthM / 2);
      assert.ok(Math.min(...gaps) >= 0.5, `seed ${seed}: ${o.id} on a carriageway`);
    }
    plan.route.arcs.forEach((arc, k) => {
      const prev = plan.route.arcs[k - 1];
      if (!prev) return;
      assert.equal(arc.from, prev.to, `seed ${seed}: route jumps`);
      assert.notEqual(arc.edge, prev.edge, `seed ${seed}: U-turn`);
      assert.ok(!arc.edge.deadEnd, `seed ${seed}: drove into a dead end`);
    });
    assert.ok(plan.truth.every((p) => p.speed <= 50 / 3.6 + 1e-9 && p.speed >= 0));
  }
});

test('route.seed walks another route through the same town; the town, start time and GPS rate stay', () => {
  const base = { seed: 5, network: { cols: 8, rows: 4 }, video: false as const };
  const a = planDrive({ ...base, route: { durationS: 30 } });
  const b = planDrive({ ...base, route: { durationS: 30, seed: 77 } });
  assert.deepEqual(b.network, a.network, 'one town');
  assert.deepEqual(b.objects, a.objects, 'the same signs and lights');
  assert.equal(b.startMs, a.startMs);
  assert.equal(b.fixes.length, a.fixes.length);
  assert.notDeepEqual(
    b.route.arcs.map((r) => r.key),
    a.route.arcs.map((r) => r.key),
    'another route',
  );
  assert.deepEqual(
    planDrive({ ...base, route: { durationS: 30, seed: 77 } }).fixes,
    b.fixes,
    'deterministic for its seed',
  );
  assert.throws(() => planDrive({ ...base, route: { seed: -1 } }), { code: 'demo_route_seed' });
});
