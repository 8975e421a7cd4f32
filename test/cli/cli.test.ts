import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { REPO_ROOT } from '../support/shared-data.ts';

let db: TestDatabase;
let home: string;
before(async () => {
  db = await createTestDatabase();
  home = await mkdtemp(path.join(tmpdir(), 'mapmint-cli-'));
});
after(async () => {
  await db.drop();
  await rm(home, { recursive: true, force: true });
});

function mapmint(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'cli', 'main.ts'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, MAPMINT_HOME: home, DATABASE_URL: db.url, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

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
  assert.equal(doc.upload.status, 'validating');
  assert.match(r.stderr, /uploading demo drive/, 'progress is shown on stderr');
  const [u] = await db.sql`select status from uploads where id = ${doc.upload.id}`;
  assert.equal(u!.status, 'validating');
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
  const bad = await mapmint(['--json', 'wallet', 'new', '--out', path.join(home, 'k.json')], {
    MAPMINT_KEYSTORE_PASSWORD: '',
  });
  assert.equal(bad.code, 2);
  assert.equal((JSON.parse(bad.stdout) as { error: { code: string } }).error.code, 'no_password');
});
