// The ethers side of the contracts: deploy, publish an epoch's root (idempotently), claim with a proof file.
// Works with any ethers Signer: a dev-chain account, or a keystore/env wallet on a real RPC.
import {
  Contract,
  ContractFactory,
  type ContractRunner,
  getAddress,
  Interface,
  type InterfaceAbi,
  type Signer,
} from 'ethers';
import { type Artifact, loadArtifact } from './compile.ts';

/** What publishing and claiming need of an epoch's proof file (rewards/ builds it; contracts only read it). */
export interface EpochProofs {
  epoch: bigint;
  root: string;
  totalCumulative: bigint;
  /** Keyed by checksummed address. */
  claims: ReadonlyMap<string, { cumulativeAmount: bigint; proof: string[] }>;
}

/** Addresses of one deployment, as the CLI stores them. */
export interface Deployment {
  chainId: bigint;
  token: string;
  distributor: string;
  credits: string;
  /** Block of the last deployment transaction: where event indexing starts. */
  blockNumber: number;
}

/** Options for {@link deployContracts}. Roles default to the deploying signer. */
export interface DeployOptions {
  /** Hard cap on MAP supply, in wei. */
  cap: bigint;
  /** Final DEFAULT_ADMIN_ROLE holder of both contracts; the deployer renounces its admin role if this differs. */
  admin?: string;
  publisher?: string;
  pauser?: string;
  /** MapCredits rate: credits per whole MAP (default 1,000). */
  creditsPerToken?: bigint;
}

/** A chain call that cannot go ahead, with what to check. */
export class ChainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainError';
  }
}

/** A transaction the contract refused, with the custom error decoded (e.g. `InvalidProof`, `ERC20ExceededCap`). */
export class ContractRevertError extends ChainError {
  constructor(
    readonly method: string,
    readonly errorName: string,
    readonly args: readonly unknown[],
  ) {
    super(`${method} reverted with ${errorName}(${args.map(String).join(', ')})`);
    this.name = 'ContractRevertError';
  }
}

const artifacts = new Map<string, Artifact>();
function artifact(name: 'MapToken' | 'MerkleDistributor' | 'MapCredits'): Artifact {
  let a = artifacts.get(name);
  if (!a) {
    a = loadArtifact(name);
    artifacts.set(name, a);
  }
  return a;
}

let allErrors: Interface | undefined;

/** Decodes the custom error in a failed call or transaction from any mapmint contract, if there is one. */
export function revertOf(error: unknown): { name: string; args: unknown[] } | undefined {
  // ethers puts revert bytes on the error itself; JSON-RPC errors wrapped by ethers keep them under info/error.
  const e = error as { data?: unknown; info?: { error?: { data?: unknown } }; error?: { data?: unknown } } | null;
  const data = [e?.data, e?.info?.error?.data, e?.error?.data].find((d) => typeof d === 'string' && d.length >= 10);
  if (typeof data !== 'string') return undefined;
  if (!allErrors) {
    // One interface with every contract's errors: a revert bubbling up from the token (ERC20ExceededCap during
    // publishRoot) must decode too. Errors shared by two contracts (AccessControl's) are listed once.
    const seen = new Map<string, unknown>();
    for (const name of ['MapToken', 'MerkleDistributor', 'MapCredits'] as const) {
      for (const item of artifact(name).abi as { type?: string; name?: string }[]) {
        if (item.type === 'error' && item.name && !seen.has(item.name)) seen.set(item.name, item);
      }
    }
    allErrors = new Interface([...seen.values()] as InterfaceAbi);
  }
  const parsed = allErrors.parseError(data);
  return parsed ? { name: parsed.name, args: [...parsed.args] } : undefined;
}

/** The MapToken at `address`, bound to `runner` (a signer to send, a provider to read). */
export function tokenAt(address: string, runner: ContractRunner): Contract {
  return new Contract(address, artifact('MapToken').abi as InterfaceAbi, runner);
}

/** The MerkleDistributor at `address`, bound to `runner`. */
export function distributorAt(address: string, runner: ContractRunner): Contract {
  return new Contract(address, artifact('MerkleDistributor').abi as InterfaceAbi, runner);
}

/** The MapCredits at `address`, bound to `runner`. */
export function creditsAt(address: string, runner: ContractRunner): Contract {
  return new Contract(address, artifact('MapCredits').abi as InterfaceAbi, runner);
}

async function send(contract: Contract, method: string, args: unknown[]) {
  try {
    const tx = await contract.getFunction(method).send(...args);
    const receipt = await tx.wait();
    if (!receipt) throw new ChainError(`${method}: transaction ${tx.hash} has no receipt`);
    return receipt;
  } catch (e) {
    const revert = revertOf(e);
    if (revert) throw new ContractRevertError(method, revert.name, revert.args);
    throw e;
  }
}

async function deploy(signer: Signer, name: 'MapToken' | 'MerkleDistributor' | 'MapCredits', args: unknown[]) {
  const a = artifact(name);
  const contract = await new ContractFactory(a.abi as InterfaceAbi, a.bytecode, signer).deploy(...args);
  await contract.waitForDeployment();
  return new Contract(await contract.getAddress(), a.abi as InterfaceAbi, signer);
}

/** Deploys MapToken, MerkleDistributor and MapCredits, and wires the roles (distributor = token minter). */
export async function deployContracts(signer: Signer, options: DeployOptions): Promise<Deployment> {
  const deployer = await signer.getAddress();
  const token = await deploy(signer, 'MapToken', [deployer, options.cap]);
  const tokenAddress = await token.getAddress();
  const distributor = await deploy(signer, 'MerkleDistributor', [deployer, tokenAddress]);
  const credits = await deploy(signer, 'MapCredits', [tokenAddress, options.creditsPerToken ?? 1000n]);
  const distributorAddress = await distributor.getAddress();
  await send(token, 'grantRole', [await token.getFunction('MINTER_ROLE')(), distributorAddress]);
  await send(distributor, 'grantRole', [
    await distributor.getFunction('PUBLISHER_ROLE')(),
    options.publisher ?? deployer,
  ]);
  let last = await send(distributor, 'grantRole', [
    await distributor.getFunction('PAUSER_ROLE')(),
    options.pauser ?? deployer,
  ]);
  if (options.admin !== undefined && options.admin.toLowerCase() !== deployer.toLowerCase()) {
    const adminRole = await token.getFunction('DEFAULT_ADMIN_ROLE')();
    for (const c of [token, distributor]) {
      await send(c, 'grantRole', [adminRole, options.admin]);
      last = await send(c, 'renounceRole', [adminRole, deployer]);
    }
  }
  const network = await signer.provider?.getNetwork();
  if (!network) throw new ChainError('deployContracts: the signer has no provider');
  return {
    chainId: network.chainId,
    token: tokenAddress,
    distributor: distributorAddress,
    credits: await credits.getAddress(),
    blockNumber: last.blockNumber,
  };
}

/** Result of {@link publishRoot}; `already-published` means the identical root was on chain and nothing was sent. */
export type PublishResult = { status: 'published'; txHash: string; gasUsed: bigint } | { status: 'already-published' };

/** Publishes an epoch's root; a no-op when the same root and total are already published for that epoch. */
export async function publishRoot(
  distributor: Contract,
  epoch: Pick<EpochProofs, 'epoch' | 'root' | 'totalCumulative'>,
): Promise<PublishResult> {
  const published: string = await distributor.getFunction('rootOf')(epoch.epoch);
  if (published !== `0x${'0'.repeat(64)}`) {
    const total: bigint = await distributor.getFunction('totalCumulativeOf')(epoch.epoch);
    if (published === epoch.root && total === epoch.totalCumulative) return { status: 'already-published' };
    throw new ChainError(
      `epoch ${epoch.epoch} already has root ${published} (total ${total}); refusing to publish ${epoch.root} ` +
        `(total ${epoch.totalCumulative}): close a new epoch instead`,
    );
  }
  const receipt = await send(distributor, 'publishRoot', [epoch.epoch, epoch.root, epoch.totalCumulative]);
  return { status: 'published', txHash: receipt.hash, gasUsed: receipt.gasUsed };
}

/** Result of {@link claim}. Not being in the tree and having nothing left to claim are answers, not errors. */
export type ClaimResult =
  | { status: 'claimed'; amount: bigint; cumulativeAmount: bigint; txHash: string; gasUsed: bigint }
  | { status: 'nothing-to-claim'; alreadyClaimed: bigint }
  | { status: 'not-in-tree' };

/** Claims for the distributor's signer from `file`, which must be the latest published epoch's proof file. */
export async function claim(distributor: Contract, file: EpochProofs): Promise<ClaimResult> {
  const runner = distributor.runner as Signer | null;
  if (!runner || typeof runner.getAddress !== 'function') throw new ChainError('claim: distributor needs a signer');
  const account = getAddress(await runner.getAddress());
  const entry = file.claims.get(account);
  if (!entry) return { status: 'not-in-tree' };
  const latest: bigint = await distributor.getFunction('latestEpoch')();
  const root: string = await distributor.getFunction('rootOf')(file.epoch);
  if (file.epoch !== latest || root !== file.root) {
    throw new ChainError(
      `proof file is for epoch ${file.epoch} (root ${file.root}) but the chain's latest is epoch ${latest}` +
        ` (root of ${file.epoch} on chain: ${root}): fetch the latest proof file`,
    );
  }
  const already: bigint = await distributor.getFunction('claimed')(account);
  if (entry.cumulativeAmount <= already) return { status: 'nothing-to-claim', alreadyClaimed: already };
  const receipt = await send(distributor, 'claim', [file.epoch, account, entry.cumulativeAmount, entry.proof]);
  return {
    status: 'claimed',
    amount: entry.cumulativeAmount - already,
    cumulativeAmount: entry.cumulativeAmount,
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed,
  };
}
