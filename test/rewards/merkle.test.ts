// Reward trees and proof files, off chain. The leaf and proof checks are re-implemented here from the
// Solidity side (abi.encode, double keccak, sorted-pair hashing as in OpenZeppelin's MerkleProof), so a format
// drift in the library would show up even before the on-chain tests.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { AbiCoder, concat, getAddress, hexlify, keccak256, randomBytes } from 'ethers';
import fc from 'fast-check';
import {
  buildProofFile,
  buildRewardTree,
  decreasedAccounts,
  type ProofFile,
  parseProofFile,
  proofFileToJson,
  type RewardRow,
  RewardTreeError,
  readProofFile,
  verifyClaim,
  writeProofFile,
} from '../../rewards/index.ts';

const address = () => getAddress(hexlify(randomBytes(20)));
const rowsOf = (amounts: bigint[]): RewardRow[] => amounts.map((a) => ({ account: address(), cumulativeAmount: a }));

function solidityRoot(account: string, amount: bigint, proof: string[]): string {
  let node = keccak256(keccak256(AbiCoder.defaultAbiCoder().encode(['address', 'uint256'], [account, amount])));
  for (const sibling of proof) node = keccak256(node < sibling ? concat([node, sibling]) : concat([sibling, node]));
  return node;
}

test('every proof rebuilds the root with the contract leaf encoding and sorted-pair hashing', () => {
  const file = buildProofFile(3n, rowsOf([1n, 2n, 3n, 10n ** 24n, 0n, 7n, 7n]));
  assert.equal(file.claims.size, 7);
  assert.equal(file.totalCumulative, 10n ** 24n + 20n);
  for (const [account, claim] of file.claims) {
    assert.equal(solidityRoot(account, claim.cumulativeAmount, claim.proof), file.root);
    assert.ok(verifyClaim(file.root, account, claim));
    assert.ok(!verifyClaim(file.root, account, { ...claim, cumulativeAmount: claim.cumulativeAmount + 1n }));
  }
});

test('the root does not depend on row order, and the JSON file round-trips', () => {
  fc.assert(
    fc.property(
      fc.array(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), { minLength: 1, maxLength: 20 }),
      (amounts) => {
        const rows = rowsOf(amounts);
        const file = buildProofFile(1n, rows);
        assert.equal(buildProofFile(1n, [...rows].reverse()).root, file.root);
        assert.deepEqual(parseProofFile(proofFileToJson(file)), file);
      },
    ),
    { numRuns: 30 },
  );
});

test('a changed amount changes the root, and decreasedAccounts reports accounts that went down or vanished', () => {
  const rows = rowsOf([5n, 6n, 7n]);
  const before = buildProofFile(1n, rows);
  const grown = buildProofFile(
    2n,
    rows.map((r) => ({ ...r, cumulativeAmount: r.cumulativeAmount + 1n })),
  );
  assert.notEqual(grown.root, before.root);
  assert.deepEqual(decreasedAccounts(before, grown), []);
  const shrunk = buildProofFile(2n, [{ ...rows[0]!, cumulativeAmount: 4n }, rows[1]!]);
  assert.deepEqual(decreasedAccounts(before, shrunk).sort(), [rows[0]!.account, rows[2]!.account].sort());
});

test('the fast tree gives the same root and proofs as OpenZeppelin StandardMerkleTree on random ledgers', () => {
  // Sizes 1..300 cover every shape of the array tree (odd counts, powers of two and one past them); amounts include
  // 0, duplicates across accounts and the uint256 extremes.
  const amount = fc.oneof(
    fc.bigInt({ min: 0n, max: 10n ** 24n }),
    fc.constantFrom(0n, 1n, (1n << 256n) - 1n),
    fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
  );
  fc.assert(
    fc.property(fc.array(amount, { minLength: 1, maxLength: 300 }), (amounts) => {
      const rows = rowsOf(amounts);
      const values = rows.map((r) => [r.account, r.cumulativeAmount] as const);
      const fast = buildRewardTree(values);
      const oz = StandardMerkleTree.of(
        values.map(([a, v]) => [a, v.toString()]),
        ['address', 'uint256'],
      );
      assert.equal(fast.root, oz.root);
      for (let i = 0; i < values.length; i++) assert.deepEqual(fast.proof(i), oz.getProof(i));
      // And the proof file carries exactly those proofs.
      const file = buildProofFile(4n, rows);
      assert.equal(file.root, oz.root);
      for (const [i, [account]] of values.entries()) assert.deepEqual(file.claims.get(account)?.proof, oz.getProof(i));
    }),
    { numRuns: 40 },
  );
  // A one-leaf tree: the root is the leaf and the proof is empty.
  const [one] = rowsOf([5n]);
  assert.deepEqual(buildRewardTree([[one!.account, 5n]]).proof(0), []);
});

test('the streamed proof-file JSON is byte for byte JSON.stringify(doc, null, 2), on disk too', async () => {
  /** The layout contracts/README.md documents, as one object: the reference serialisation. */
  const reference = (file: ProofFile) => {
    const claims: Record<string, { cumulativeAmount: string; proof: string[] }> = {};
    for (const account of [...file.claims.keys()].sort()) {
      const c = file.claims.get(account)!;
      claims[account] = { cumulativeAmount: c.cumulativeAmount.toString(), proof: c.proof };
    }
    const doc = {
      format: file.format,
      epoch: file.epoch.toString(),
      root: file.root,
      totalCumulative: file.totalCumulative.toString(),
      leafEncoding: ['address', 'uint256'],
      claims,
    };
    return `${JSON.stringify(doc, null, 2)}\n`;
  };
  const dir = await mkdtemp(join(tmpdir(), 'mapmint-proofs-'));
  try {
    // 1 leaf (empty proof), 2, an odd count and one big enough to be streamed in several pieces.
    for (const n of [1, 2, 7, 3000]) {
      const file = buildProofFile(BigInt(n), rowsOf(Array.from({ length: n }, (_, i) => BigInt(i) * 10n ** 15n)));
      assert.equal(proofFileToJson(file), reference(file));
      const path = join(dir, `epoch-${n}.json`);
      await writeProofFile(path, file);
      assert.equal(await readFile(path, 'utf8'), reference(file));
    }
    const empty = { ...buildProofFile(1n, rowsOf([1n])), claims: new Map() };
    assert.equal(proofFileToJson(empty), reference(empty));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad rows are refused with the row that is wrong', () => {
  const a = address();
  assert.throws(() => buildProofFile(1n, []), RewardTreeError);
  assert.throws(
    () =>
      buildProofFile(1n, [
        { account: a, cumulativeAmount: 1n },
        { account: a.toLowerCase(), cumulativeAmount: 2n },
      ]),
    /row 1: .* appears twice/,
  );
  assert.throws(() => buildProofFile(1n, [{ account: a, cumulativeAmount: -1n }]), /row 0: amount -1/);
  assert.throws(() => buildProofFile(1n, [{ account: a, cumulativeAmount: 1n << 256n }]), /not a uint256/);
  assert.throws(() => buildProofFile(1n, [{ account: '0x1234', cumulativeAmount: 1n }]), /not an address/);
  assert.throws(() => buildProofFile(1n << 64n, [{ account: a, cumulativeAmount: 1n }]), /uint64/);
});

test('proof files are validated when read', async () => {
  const file = buildProofFile(9n, rowsOf([1n, 2n]));
  const good = JSON.parse(proofFileToJson(file)) as Record<string, unknown>;
  const bad = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
  assert.throws(() => parseProofFile('{'), /not JSON/);
  assert.throws(() => parseProofFile(bad({ format: 'other' })), /format/);
  assert.throws(() => parseProofFile(bad({ root: '0x12' })), /root/);
  assert.throws(() => parseProofFile(bad({ epoch: 9 })), /epoch: not a decimal string/);
  assert.throws(() => parseProofFile(bad({ totalCumulative: '-3' })), /totalCumulative/);
  assert.throws(() => parseProofFile(bad({ leafEncoding: ['uint256', 'address'] })), /leafEncoding/);
  assert.throws(() => parseProofFile(bad({ claims: { nope: {} } })), /not an address/);
  const account = [...file.claims.keys()][0]!;
  assert.throws(
    () => parseProofFile(bad({ claims: { [account]: { cumulativeAmount: '1', proof: ['0x00'] } } })),
    /list of bytes32/,
  );

  const dir = await mkdtemp(join(tmpdir(), 'mapmint-proofs-'));
  try {
    const path = join(dir, 'epoch-9.json');
    await writeFile(path, proofFileToJson(file));
    assert.deepEqual(await readProofFile(path), file);
    await writeFile(path, bad({ epoch: 'x' }));
    await assert.rejects(readProofFile(path), (e: Error) => e.message.startsWith(path));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a proof file that fails mid-write leaves the previous file intact and no partial file behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mapmint-proof-atomic-'));
  try {
    const target = join(dir, 'epoch-3.json');
    const previous = buildProofFile(3n, [{ account: getAddress(hexlify(randomBytes(20))), cumulativeAmount: 5n }]);
    await writeProofFile(target, previous);
    const before = await readFile(target, 'utf8');
    const account = getAddress(hexlify(randomBytes(20)));
    const broken = {
      ...previous,
      claims: new Map([
        [
          account,
          {
            proof: [],
            get cumulativeAmount(): bigint {
              throw new Error('disk full (simulated)');
            },
          },
        ],
      ]),
    } as ProofFile;
    await assert.rejects(writeProofFile(target, broken), /disk full/);
    assert.equal(await readFile(target, 'utf8'), before, 'the previous proofs file is whole');
    assert.deepEqual(await readdir(dir), ['epoch-3.json'], 'no temporary file is left behind');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
