import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { generateDrive } from '../../demo/index.ts';
import { useCliSandbox } from '../support/cli.ts';

const sb = useCliSandbox('mapmint-cli-');
const { mapmint } = sb;

test('mapmint --help lists the commands', async () => {
  const r = await mapmint(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['doctor', 'db', 'serve', 'worker', 'upload', 'status', 'wallet', 'start'])
    assert.match(r.stdout, new RegExp(`\\n  ${c}\\b`));
});

test('doctor --json prints one JSON document with every dependency present', async () => {
  const r = await mapmint(['--json', 'doctor']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { checks: { name: string; present: boolean }[] };
  assert.deepEqual(
    doc.checks.filter((c) => !c.present),
    [],
  );
});

test('start runs a generated drive through upload and verification, then exits (--json)', async () => {
  const r = await mapmint(['--json', 'start', '--exit', '--port', '0', '--demo-seconds', '3', '--demo-size', '160x90']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { url: string; upload: { id: string; status: string } };
  // A 3 s drive is too short to be useful: validation quarantines it with its reason, nothing is dropped.
  assert.equal(doc.upload.status, 'quarantined');
  assert.match(r.stderr, /uploading demo drive/, 'progress is shown on stderr');
  const [u] = await sb.db.sql`select status from uploads where id = ${doc.upload.id}`;
  assert.equal(u!.status, 'quarantined');
  const [v] = await sb.db.sql`select validation->>'verdict' as verdict from uploads where id = ${doc.upload.id}`;
  assert.equal(v!.verdict, 'rejected');
});

test('errors are typed: --json carries the code, the exit code tells the kind', async () => {
  const r = await mapmint(
    ['--json', 'status', '00000000-0000-0000-0000-000000000000', '--server', 'http://127.0.0.1:9'],
    {
      MAPMINT_PRIVATE_KEY: '',
      MAPMINT_KEYSTORE: '',
    },
  );
  assert.equal(r.code, 4);
  assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'no_wallet');
  const bad = await mapmint(['--json', 'wallet', 'new', '--out', path.join(sb.dir, 'k.json')], {
    MAPMINT_KEYSTORE_PASSWORD: '',
  });
  assert.equal(bad.code, 2);
  assert.equal((JSON.parse(bad.stdout) as { error: { code: string } }).error.code, 'no_password');
});

test('inspect prints the track summary and verdict without storing; ingest runs every step locally', async () => {
  const d = await generateDrive({
    outDir: path.join(sb.dir, 'drive'),
    seed: 9,
    pbf: false,
    route: { durationS: 20, start: 'stop-sign' },
    video: { width: 160, height: 90, fps: 10 },
  });
  const [before] = await sb.db.sql`select count(*)::int as n from uploads`;
  const ins = await mapmint(['--json', 'inspect', d.paths.video!, '--track', d.paths.gpx]);
  assert.equal(ins.code, 0, ins.stderr);
  const r = JSON.parse(ins.stdout) as {
    track: { points: number; format: string; bbox: number[] };
    verdict: string;
    videos: unknown[];
  };
  assert.equal(r.track.format, 'gpx');
  assert.equal(r.track.points, 21);
  assert.equal(r.track.bbox.length, 4);
  assert.equal(r.videos.length, 1);
  assert.equal(r.verdict, 'accepted');
  const [mid] = await sb.db.sql`select count(*)::int as n from uploads`;
  assert.equal(mid!.n, before!.n, 'inspect stores nothing');
  const ing = await mapmint(['--json', 'ingest', d.paths.video!, '--track', d.paths.gpx]);
  assert.equal(ing.code, 0, ing.stderr);
  const u = JSON.parse(ing.stdout) as {
    id: string;
    status: string;
    frames: number;
    steps: { step: string; state: string }[];
  };
  // Ingest ran here; the steps after it wait in the queue for a worker, and the status says so (not `done`).
  assert.equal(u.status, 'processing');
  const state = Object.fromEntries(u.steps.map((x) => [x.step, x.state]));
  assert.equal(state['ingest.sample'], 'done');
  assert.equal(state['vision.detect'], 'queued');
  assert.equal(state['roads.match'], 'queued');
  assert.equal(state['tiler.update'], 'waiting');
  assert.ok(u.frames > 0);
  assert.match(ing.stderr, /sampling/, 'a progress bar on stderr');
  const [f] = await sb.db.sql`select count(*)::int as n from frames where upload_id = ${u.id}`;
  assert.equal(f!.n, u.frames);
});
