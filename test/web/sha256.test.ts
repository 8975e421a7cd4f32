import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { hashBlob, Sha256 } from '../../web/src/sha256.ts';

// The upload form hashes files with web/src/sha256.ts; the server checks them with node:crypto. They must agree.
const nodeSha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

test('sha256: FIPS 180-4 / NIST examples', () => {
  const hex = (s: string) => new Sha256().update(new TextEncoder().encode(s)).hex();
  assert.equal(hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(
    hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
  const million = new Sha256();
  const a = new Uint8Array(1000).fill(0x61);
  for (let i = 0; i < 1000; i++) million.update(a);
  assert.equal(million.hex(), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
});

test('sha256: every length around the padding boundaries (0..200 bytes) matches node:crypto', () => {
  const data = randomBytes(200);
  for (let n = 0; n <= 200; n++) {
    assert.equal(new Sha256().update(data.subarray(0, n)).hex(), nodeSha(data.subarray(0, n)), `length ${n}`);
  }
});

test('sha256: any split of any input into updates gives node:crypto digest', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
      const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
      const h = new Sha256();
      let from = 0;
      for (const to of [...at, bytes.length]) {
        h.update(bytes.subarray(from, to));
        from = to;
      }
      assert.equal(h.hex(), nodeSha(bytes));
    }),
    { numRuns: 300 },
  );
});

test('sha256: a message past 2^32 bits (520 MiB, as from a 4 GB dashcam file) encodes its length right', () => {
  // The length field's high word is zero below 512 MiB: only a longer message exercises it.
  const chunk = randomBytes(8 << 20);
  const ours = new Sha256();
  const ref = createHash('sha256');
  for (let i = 0; i < 65; i++) {
    ours.update(chunk);
    ref.update(chunk);
  }
  assert.equal(ours.hex(), ref.digest('hex'));
});

test('sha256: the digest is taken once; updating afterwards is an error', () => {
  const h = new Sha256().update(new Uint8Array([1, 2, 3]));
  h.hex();
  assert.throws(() => h.update(new Uint8Array([4])), /after the digest/);
  assert.throws(() => h.hex(), /already taken/);
});

test('hashBlob: a 9 MB Blob read in slices hashes as node:crypto, with progress up to its size', async () => {
  const bytes = randomBytes(9_000_001);
  const seen: number[] = [];
  const out = await hashBlob(new Blob([bytes]), (done, total) => {
    assert.equal(total, bytes.length);
    seen.push(done);
  });
  assert.deepEqual(out, { size: bytes.length, sha256: nodeSha(bytes) });
  // More than one slice, each further than the last, the last at the end.
  assert.ok(seen.length >= 3, JSON.stringify(seen));
  assert.ok(
    seen.every((v, i) => i === 0 || v > seen[i - 1]!),
    JSON.stringify(seen),
  );
  assert.equal(seen.at(-1), bytes.length);
  assert.deepEqual(await hashBlob(new Blob([])), { size: 0, sha256: nodeSha() });
});
