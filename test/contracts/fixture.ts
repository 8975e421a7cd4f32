// Shared set-up for the contract tests: a fresh in-process chain with mapmint's contracts deployed.
import assert from 'node:assert/strict';
import type { Contract, JsonRpcSigner } from 'ethers';
import {
  type Deployment,
  type DevChain,
  deployContracts,
  distributorAt,
  revertOf,
  startDevChain,
  tokenAt,
} from '../../contracts/index.ts';

/** 1 MAP in wei. */
export const MAP = 10n ** 18n;

/** A deployed system; account 0 deployed it and holds every role. */
export interface Fixture {
  chain: DevChain;
  deployment: Deployment;
  admin: JsonRpcSigner;
  token: Contract;
  distributor: Contract;
  /** The distributor bound to account `i`'s signer. */
  distributorAs(i: number): Promise<Contract>;
}

/** Starts a chain (or reuses `chain`) and deploys the contracts with `cap`. */
export async function deployFixture(options: { cap?: bigint; accounts?: number; chain?: DevChain } = {}) {
  const chain = options.chain ?? (await startDevChain({ accounts: options.accounts ?? 8 }));
  const admin = await chain.signer(0);
  const deployment = await deployContracts(admin, { cap: options.cap ?? 1_000_000n * MAP });
  const fixture: Fixture = {
    chain,
    deployment,
    admin,
    token: tokenAt(deployment.token, admin),
    distributor: distributorAt(deployment.distributor, admin),
    distributorAs: async (i) => distributorAt(deployment.distributor, await chain.signer(i)),
  };
  return fixture;
}

/** Awaits `action`, asserts it reverted with custom error `name`, and returns the error's arguments. */
export async function expectRevert(action: Promise<unknown>, name: string): Promise<unknown[]> {
  try {
    await action;
  } catch (e) {
    const revert = revertOf(e);
    assert.ok(revert, `expected revert ${name}, got a failure without custom error: ${String(e)}`);
    assert.equal(revert.name, name);
    return revert.args;
  }
  assert.fail(`expected revert ${name}, but the call succeeded`);
}

/** Sends `method(...args)` on `contract`, waits, and returns the receipt's gas used. */
export async function sendAndMeasure(contract: Contract, method: string, ...args: unknown[]): Promise<bigint> {
  const tx = await contract.getFunction(method).send(...args);
  const receipt = await tx.wait();
  assert.ok(receipt && receipt.status === 1, `${method} failed`);
  return receipt.gasUsed;
}
