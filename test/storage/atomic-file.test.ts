import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { renameDurably, writeFileAtomic } from '../../storage/index.ts';

test('writeFileAtomic replaces a file whole, and a failing source leaves the old one and no temporary file', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mapmint-atomic-'));
  try {
    const target = path.join(dir, 'current.json');
    await writeFileAtomic(target, '{"v":1}\n');
    assert.equal(await readFile(target, 'utf8'), '{"v":1}\n');
    async function* failing() {
      yield '{"v":2,';
      throw new Error('source broke (simulated)');
    }
    await assert.rejects(writeFileAtomic(target, failing()), /source broke/);
    assert.equal(await readFile(target, 'utf8'), '{"v":1}\n');
    assert.deepEqual(await readdir(dir), ['current.json']);
    await writeFileAtomic(target, [Buffer.from('{"v":'), '3}\n']);
    assert.equal(await readFile(target, 'utf8'), '{"v":3}\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('renameDurably moves a finished file over the target', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mapmint-atomic-'));
  try {
    const tmp = path.join(dir, '.x.tmp');
    await writeFile(tmp, 'new');
    await writeFile(path.join(dir, 'x'), 'old');
    await renameDurably(tmp, path.join(dir, 'x'));
    assert.equal(await readFile(path.join(dir, 'x'), 'utf8'), 'new');
    assert.deepEqual(await readdir(dir), ['x']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
