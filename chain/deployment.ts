import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { JsonRpcProvider, type Signer, Wallet } from 'ethers';
import { distributorAt } from '../contracts/index.ts';
import { MapmintError } from '../core/index.ts';
import { stateDir } from '../db/index.ts';

/** Where the contracts live, as `chain deploy` records it and the server and CLI read it. */
export interface ChainInfo {
  rpcUrl: string;
  chainId: string;
  token: string;
  distributor: string;
  credits: string;
  /** True for the local development chain (its accounts are unlocked, its state lives in one process). */
  dev: boolean;
  /** Dev chain only: the unlocked account that deployed and publishes. */
  operator?: string;
}

/** The deployment file: `MAPMINT_DEPLOYMENT`, else `<state>/chain/deployment.json`. */
export function deploymentPath(): string {
  return process.env.MAPMINT_DEPLOYMENT ?? path.join(stateDir(), 'chain', 'deployment.json');
}

/** Writes the deployment file. */
export async function saveDeployment(info: ChainInfo): Promise<string> {
  const p = deploymentPath();
  await mkdir(path.dirname(p), { recursive: true });
  await writeFile(p, `${JSON.stringify(info, null, 2)}\n`);
  return p;
}

/** Reads the deployment file, or undefined when nothing was deployed. */
export async function loadDeployment(): Promise<ChainInfo | undefined> {
  const p = deploymentPath();
  if (!existsSync(p)) return undefined;
  return JSON.parse(await readFile(p, 'utf8')) as ChainInfo;
}

/**
 * The deployment's RPC URL as it may be published: without user, password, query or fragment, and null when a path
 * segment looks like an API key (Infura's `/v3/<key>`, Alchemy's `/v2/<key>`), since the operator's URL often
 * carries a paid key. Publish a separate public URL (MAPMINT_PUBLIC_RPC_URL) for such providers.
 */
export function publishableRpcUrl(rpcUrl: string): string | null {
  let u: URL;
  try {
    u = new URL(rpcUrl);
  } catch {
    return null;
  }
  if (u.pathname.split('/').some((seg) => /^[A-Za-z0-9_-]{16,}$/.test(seg))) return null;
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

/** A provider for the deployment's RPC URL (a fixed network, so no chain-id round trips). */
export function providerFor(info: ChainInfo): JsonRpcProvider {
  return new JsonRpcProvider(info.rpcUrl, Number(info.chainId), { staticNetwork: true, cacheTimeout: -1 });
}

/**
 * The operator's signer (publishes roots): `MAPMINT_OPERATOR_KEY`, or on the dev chain its unlocked deployer account.
 * Keys never come from the repository.
 */
export async function operatorSigner(info: ChainInfo): Promise<Signer> {
  const provider = providerFor(info);
  const key = process.env.MAPMINT_OPERATOR_KEY;
  if (key) return new Wallet(key, provider);
  if (info.dev && info.operator) return provider.getSigner(info.operator);
  throw new MapmintError(
    'unauthorized',
    'no_operator_key',
    "set MAPMINT_OPERATOR_KEY to the publisher account's private key",
  );
}

/** The distributor contract, connected to a signer. */
export function distributor(info: ChainInfo, signer: Signer) {
  return distributorAt(info.distributor, signer);
}

/** Throws a clear error when nothing was deployed yet. */
export async function requireDeployment(): Promise<ChainInfo> {
  const info = await loadDeployment();
  if (!info) {
    throw new MapmintError(
      'not_found',
      'not_deployed',
      `no deployment at ${deploymentPath()}: run \`mapmint chain deploy\` first`,
    );
  }
  return info;
}
