// The committed contracts/build must equal a fresh offline compile (the CI drift check), and the check must
// notice changed, missing and stale artifacts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Artifact, compileContracts, diffBuild, writeBuild } from '../../contracts/index.ts';

test('a fresh compile equals the committed build, and the check catches drift', async () => {
  const fresh = compileContracts();
  assert.deepEqual([...fresh.keys()].sort(), ['MapCredits.json', 'MapToken.json', 'MerkleDistributor.json']);
  assert.deepEqual(diffBuild(fresh), [], 'run npm run contracts:build and commit contracts/build');

  for (const text of fresh.values()) {
    const a = JSON.parse(text) as Artifact;
    assert.match(a.compiler.version, /^0\.8\.37\+commit\./);
    assert.match(a.bytecode, /^0x[0-9a-f]{200,}$/);
    const source = await readFile(new URL(`../../${a.sourceName}`, import.meta.url), 'utf8');
    assert.equal(a.sourceHash, createHash('sha256').update(source).digest('hex'));
  }

  const dir = await mkdtemp(join(tmpdir(), 'mapmint-build-'));
  try {
    writeBuild(fresh, dir);
    assert.deepEqual(diffBuild(fresh, dir), []);
    const token = JSON.parse(fresh.get('MapToken.json')!) as Artifact;
    await writeFile(join(dir, 'MapToken.json'), JSON.stringify({ ...token, bytecode: `${token.bytecode}00` }));
    await unlink(join(dir, 'MapCredits.json'));
    await writeFile(join(dir, 'Old.json'), '{}');
    assert.deepEqual(diffBuild(fresh, dir).sort(), [
      'differs: MapToken.json',
      'missing: MapCredits.json',
      'stale: Old.json',
    ]);
    writeBuild(fresh, dir);
    assert.deepEqual(diffBuild(fresh, dir), [], 'writeBuild repairs every difference and drops stale files');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
