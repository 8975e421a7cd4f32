// The ethers adapter (deploy with admin hand-over, publish, claim outcomes, decoded reverts) and MapCredits.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type Contract, Signature } from 'ethers';
import {
  ChainError,
  ContractRevertError,
  claim,
  creditsAt,
  type DevChain,
  deployContracts,
  distributorAt,
  publishRoot,
  startDevChain,
  tokenAt,
} from '../../contracts/index.ts';
import { buildProofFile } from '../../rewards/index.ts';
import { deployFixture, expectRevert, MAP } from './fixture.ts';

let chain: DevChain;
before(async () => {
  chain = await startDevChain({ accounts: 6 });
});

test('deployContracts hands the admin role over and wires minter, publisher and pauser', async () => {
  const [deployer, , publisher, pauser, , admin] = chain.accounts;
  const d = await deployContracts(await chain.signer(0), { cap: 10n * MAP, admin, publisher, pauser });
  const token = tokenAt(d.token, chain.ethers);
  const dist = distributorAt(d.distributor, chain.ethers);
  const has = (c: Contract, role: string, who: string | undefined) => c.getFunction('hasRole')(role, who);
  const adminRole = await token.getFunction('DEFAULT_ADMIN_ROLE')();
  for (const c of [token, dist]) {
    assert.equal(await has(c, adminRole, admin), true);
    assert.equal(await has(c, adminRole, deployer), false, 'deployer renounced');
  }
  assert.equal(await has(token, await token.getFunction('MINTER_ROLE')(), d.distributor), true);
  assert.equal(await has(dist, await dist.getFunction('PUBLISHER_ROLE')(), publisher), true);
  assert.equal(await has(dist, await dist.getFunction('PUBLISHER_ROLE')(), deployer), false);
  assert.equal(await has(dist, await dist.getFunction('PAUSER_ROLE')(), pauser), true);
  assert.equal(await token.getFunction('cap')(), 10n * MAP);
  assert.ok(d.blockNumber > 0);

  // The deployer is no publisher here: the adapter throws the decoded custom error.
  const file = buildProofFile(1n, [{ account: chain.accounts[1]!, cumulativeAmount: 1n }]);
  await assert.rejects(publishRoot(distributorAt(d.distributor, await chain.signer(0)), file), (e) => {
    assert.ok(e instanceof ContractRevertError);
    assert.equal(e.errorName, 'AccessControlUnauthorizedAccount');
    assert.equal(e.method, 'publishRoot');
    return true;
  });
  assert.equal((await publishRoot(distributorAt(d.distributor, await chain.signer(2)), file)).status, 'published');
});

test('claim answers not-in-tree and nothing-to-claim, and refuses a stale proof file', async () => {
  const f = await deployFixture({ chain });
  const e1 = buildProofFile(1n, [{ account: chain.accounts[1]!, cumulativeAmount: 5n * MAP }]);
  await publishRoot(f.distributor, e1);
  assert.deepEqual(await claim(await f.distributorAs(2), e1), { status: 'not-in-tree' });
  const first = await claim(await f.distributorAs(1), e1);
  assert.ok(first.status === 'claimed' && first.amount === 5n * MAP && first.gasUsed > 21_000n);
  assert.deepEqual(await claim(await f.distributorAs(1), e1), { status: 'nothing-to-claim', alreadyClaimed: 5n * MAP });

  const e2 = buildProofFile(2n, [{ account: chain.accounts[1]!, cumulativeAmount: 8n * MAP }]);
  await publishRoot(f.distributor, e2);
  await assert.rejects(
    claim(await f.distributorAs(1), e1),
    (e) => e instanceof ChainError && /epoch 1/.test(e.message),
  );
  const second = await claim(await f.distributorAs(1), e2);
  assert.ok(second.status === 'claimed' && second.amount === 3n * MAP);
});

test('MapCredits: burning MAP buys credits, with an allowance or a permit', async () => {
  const f = await deployFixture({ chain });
  const token = f.token;
  await (await token.getFunction('grantRole')(await token.getFunction('MINTER_ROLE')(), chain.accounts[0])).wait();
  const buyer = await chain.signer(4);
  const buyerAddress = chain.accounts[4]!;
  await (await token.getFunction('mint')(buyerAddress, 10n * MAP)).wait();
  const credits = creditsAt(f.deployment.credits, buyer);
  const tokenAsBuyer = tokenAt(f.deployment.token, buyer);
  const apiAccount = `0x${'a1'.repeat(32)}`;

  await expectRevert(credits.getFunction('burnForCredits')(apiAccount, MAP), 'ERC20InsufficientAllowance');
  await (await tokenAsBuyer.getFunction('approve')(f.deployment.credits, 2n * MAP)).wait();
  await expectRevert(credits.getFunction('burnForCredits')(apiAccount, 1n), 'TooSmall');
  const receipt = await (await credits.getFunction('burnForCredits')(apiAccount, 2n * MAP)).wait();
  const event = credits.interface.parseLog(receipt.logs.at(-1));
  assert.equal(event?.name, 'CreditsPurchased');
  assert.deepEqual([...(event?.args ?? [])], [buyerAddress, apiAccount, 2n * MAP, 2_000n]);
  assert.equal(await credits.getFunction('creditsOf')(apiAccount), 2_000n);
  assert.equal(await token.getFunction('totalSupply')(), 8n * MAP);

  // Permit: sign, then approve-and-burn in one transaction; a permit front-run by someone else still works.
  const permit = async (value: bigint) => {
    const nonce: bigint = await token.getFunction('nonces')(buyerAddress);
    const domain = {
      name: 'mapmint Map Token',
      version: '1',
      chainId: chain.chainId,
      verifyingContract: f.deployment.token,
    };
    const types = {
      Permit: [
        { name: 'owner', type: 'address' },
        { name: 'spender', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint256' },
      ],
    };
    const deadline = 2n ** 40n;
    const message = { owner: buyerAddress, spender: f.deployment.credits, value, nonce, deadline };
    return { deadline, sig: Signature.from(await buyer.signTypedData(domain, types, message)) };
  };
  const p1 = await permit(3n * MAP);
  await (
    await credits.getFunction('burnForCreditsWithPermit')(
      apiAccount,
      3n * MAP,
      p1.deadline,
      p1.sig.v,
      p1.sig.r,
      p1.sig.s,
    )
  ).wait();
  assert.equal(await credits.getFunction('creditsOf')(apiAccount), 5_000n);

  const p2 = await permit(MAP);
  const frontRunner = tokenAt(f.deployment.token, await chain.signer(5));
  await (
    await frontRunner.getFunction('permit')(
      buyerAddress,
      f.deployment.credits,
      MAP,
      p2.deadline,
      p2.sig.v,
      p2.sig.r,
      p2.sig.s,
    )
  ).wait();
  await (
    await credits.getFunction('burnForCreditsWithPermit')(apiAccount, MAP, p2.deadline, p2.sig.v, p2.sig.r, p2.sig.s)
  ).wait();
  assert.equal(await credits.getFunction('creditsOf')(apiAccount), 6_000n);
  assert.equal(await token.getFunction('balanceOf')(buyerAddress), 4n * MAP);
});
