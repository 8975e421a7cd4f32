// Epoch close on a random ledger in a real database: the root, every stored proof (epoch_balances, via COPY) and
// the proofs file equal what OpenZeppelin's StandardMerkleTree gives for the cumulative totals computed here.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { getAddress, hexlify } from 'ethers';
import { type CloseStep, closeEpoch, DEFAULT_REWARDS } from '../../rewards/index.ts';
import { useDatabaseAndDir } from '../support/db.ts';
import { mulberry32 } from '../support/prng.ts';

const sb = useDatabaseAndDir('mapmint-close-');

test('closing a random ledger gives the StandardMerkleTree root and proofs, stored and written', async () => {
  const rnd = mulberry32(20240610);
  const sql = sb.db.sql;
  const contributors = 257; // an odd count: the array tree's last level is ragged
  const ids: string[] = [];
  const addresses: string[] = [];
  for (let i = 0; i < contributors; i++) {
    const bytes = Uint8Array.from({ length: 20 }, () => Math.floor(rnd() * 256));
    const address = getAddress(hexlify(bytes));
    const [c] = await sql<{ id: string }[]>`insert into contributors (address) values (${address}) returning id`;
    ids.push(c!.id);
    addresses.push(address);
  }
  const g = Date.parse(DEFAULT_REWARDS.genesis);
  const week = DEFAULT_REWARDS.epochDays * 86_400_000;
  for (const e of [5, 6, 7, 8]) {
    await sql`insert into epochs (id, starts_at, ends_at) values (${e}, ${new Date(g + e * week)}, ${new Date(g + (e + 1) * week)})`;
  }
  // Entries in epochs 5..8; the close of 7 must count 5..7 (cumulative) and ignore 8. Contributors with no entry
  // up to 7 stay out of the tree.
  const expected = new Map<string, bigint>();
  const rows: { epoch_id: number; contributor_id: string; amount: string }[] = [];
  for (let k = 0; k < 1500; k++) {
    const i = Math.floor(rnd() * (contributors - 20));
    const epoch = 5 + Math.floor(rnd() * 4);
    const amount = BigInt(Math.floor(rnd() * 1e9)) * 10n ** BigInt(Math.floor(rnd() * 10));
    rows.push({ epoch_id: epoch, contributor_id: ids[i]!, amount: amount.toString() });
    if (epoch <= 7) expected.set(addresses[i]!, (expected.get(addresses[i]!) ?? 0n) + amount);
  }
  for (const r of expected) if (r[1] === 0n) expected.delete(r[0]);
  await sql`insert into ledger_entries ${sql(
    rows.map((r) => ({
      ...r,
      kind: 'coverage',
      rule: 'first_coverage',
      base_amount: r.amount,
      multipliers: sql.json({}),
    })),
  )}`;

  const steps: CloseStep[] = [];
  const closed = await closeEpoch(sql, DEFAULT_REWARDS, {
    epoch: 7,
    outDir: sb.dir,
    onStep: (s, seconds) => {
      assert.ok(Number.isFinite(seconds) && seconds >= 0, `${s} reported ${seconds} s`);
      steps.push(s);
    },
  });
  assert.deepEqual(steps, ['totals', 'tree', 'store', 'file']);
  const values = [...expected].map(([a, v]) => [a, v.toString()]);
  const oz = StandardMerkleTree.of(values, ['address', 'uint256']);
  assert.equal(closed.root, oz.root);
  assert.equal(closed.contributors, expected.size);
  assert.equal(
    BigInt(closed.totalCumulativeWei),
    [...expected.values()].reduce((a, b) => a + b, 0n),
  );

  const stored = await sql<{ address: string; cumulative: string; proof: string[] }[]>`
    select address, cumulative::text, proof from epoch_balances where epoch_id = 7`;
  assert.equal(stored.length, expected.size);
  const file = JSON.parse(await readFile(closed.proofsFile!, 'utf8')) as {
    root: string;
    claims: Record<string, { cumulativeAmount: string; proof: string[] }>;
  };
  assert.equal(file.root, oz.root);
  for (const [i, [address, amount]] of oz.entries()) {
    const proof = oz.getProof(i);
    const row = stored.find((s) => s.address === address);
    assert.deepEqual(row, { address, cumulative: amount, proof }, `stored balance of ${address}`);
    assert.deepEqual(file.claims[address as string], { cumulativeAmount: amount, proof });
  }

  // Closing again re-derives the same root from the stored totals.
  const again = await closeEpoch(sql, DEFAULT_REWARDS, { epoch: 7, outDir: sb.dir });
  assert.equal(again.alreadyClosed, true);
  assert.equal(again.root, oz.root);
});
