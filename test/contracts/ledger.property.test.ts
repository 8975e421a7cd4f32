// Property: for random ledgers (growing cumulative totals over 3 epochs, random claim timing), everything booked
// is claimed exactly once: the sum claimed equals the sum booked, and each balance equals the final total.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { claim, type DevChain, distributorAt, publishRoot, startDevChain } from '../../contracts/index.ts';
import { buildProofFile, type ProofFile } from '../../rewards/index.ts';
import { deployFixture, MAP } from './fixture.ts';

const maxAccounts = 12;
const epochs = 3;
let chain: DevChain;
before(async () => {
  chain = await startDevChain({ accounts: maxAccounts + 1 });
});

const ledger = fc.record({
  accounts: fc.integer({ min: 1, max: maxAccounts }),
  // Per epoch, per account: what it earned that epoch (often nothing) and whether it claims right after.
  earned: fc.array(
    fc.array(fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 5_000n * MAP })), {
      minLength: maxAccounts,
      maxLength: maxAccounts,
    }),
    { minLength: epochs, maxLength: epochs },
  ),
  claims: fc.array(fc.array(fc.boolean(), { minLength: maxAccounts, maxLength: maxAccounts }), {
    minLength: epochs,
    maxLength: epochs,
  }),
});

test('random ledgers: sum claimed equals sum booked; balances equal final cumulative amounts', async () => {
  await fc.assert(
    fc.asyncProperty(ledger, async ({ accounts: n, earned, claims }) => {
      const f = await deployFixture({ chain, cap: 10n ** 9n * MAP });
      const who = chain.accounts.slice(1, n + 1);
      const cumulative = who.map(() => 0n);
      const paid = who.map(() => 0n);
      let latest: ProofFile | undefined;
      for (let e = 0; e < epochs; e++) {
        for (const [i] of who.entries()) cumulative[i]! += earned[e]![i]!;
        // An account enters the tree once it has earned something; an epoch with no earners is not published.
        const rows = who.flatMap((account, i) =>
          cumulative[i]! > 0n ? [{ account, cumulativeAmount: cumulative[i]! }] : [],
        );
        if (rows.length === 0) continue;
        latest = buildProofFile(BigInt(e + 1), rows);
        assert.equal((await publishRoot(f.distributor, latest)).status, 'published');
        for (const [i] of who.entries()) {
          if (claims[e]![i]) paid[i]! += await claimOnce(i, latest, cumulative[i]! - paid[i]!);
        }
      }
      if (!latest) return;
      for (const [i] of who.entries()) paid[i]! += await claimOnce(i, latest, cumulative[i]! - paid[i]!);

      const booked = cumulative.reduce((a, b) => a + b, 0n);
      assert.equal(
        paid.reduce((a, b) => a + b, 0n),
        booked,
      );
      assert.equal(await f.distributor.getFunction('fundedTotal')(), booked);
      assert.equal(await f.token.getFunction('totalSupply')(), booked);
      assert.equal(await f.token.getFunction('balanceOf')(f.deployment.distributor), 0n);
      for (const [i, account] of who.entries()) {
        assert.equal(await f.token.getFunction('balanceOf')(account), cumulative[i]);
      }

      async function claimOnce(i: number, file: ProofFile, owed: bigint): Promise<bigint> {
        const d = distributorAt(f.deployment.distributor, await chain.signer(i + 1));
        const result = await claim(d, file);
        if (owed === 0n) {
          assert.notEqual(result.status, 'claimed');
          return 0n;
        }
        assert.equal(result.status, 'claimed');
        assert.ok(result.status === 'claimed' && result.amount === owed, `account ${i} paid ${owed}`);
        return result.amount;
      }
    }),
    { numRuns: 8 },
  );
});
