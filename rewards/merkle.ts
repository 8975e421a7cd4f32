// Reward trees: (account, cumulativeAmount) rows -> an OpenZeppelin StandardMerkleTree (built by merkle-tree.ts) ->
// a proof file per epoch. The leaf is keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount)))),
// which is what MerkleDistributor.claim recomputes.
import { readFile } from 'node:fs/promises';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { getAddress, isAddress, isHexString } from 'ethers';
import { writeFileAtomic } from '../storage/index.ts';
import { buildRewardTree } from './merkle-tree.ts';

/** The Solidity types of a leaf, in order. */
export const leafEncoding = ['address', 'uint256'] as const;
/** Identifies the proof-file layout documented in contracts/README.md. */
export const proofFileFormat = 'mapmint-rewards-v1';

const maxUint256 = (1n << 256n) - 1n;

/** One contributor's lifetime total (in token wei) as of an epoch. */
export interface RewardRow {
  account: string;
  cumulativeAmount: bigint;
}

/** A claim's inputs for one account. */
export interface ClaimProof {
  cumulativeAmount: bigint;
  proof: string[];
}

/** Everything needed to publish an epoch's root and to claim from it. */
export interface ProofFile {
  format: typeof proofFileFormat;
  epoch: bigint;
  root: string;
  /** Sum of every leaf's cumulativeAmount: what the distributor's pool must hold in total. */
  totalCumulative: bigint;
  /** Keyed by checksummed address. */
  claims: Map<string, ClaimProof>;
}

/** Raised for rows or files that cannot make a valid tree; says which row or field is wrong. */
export class RewardTreeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RewardTreeError';
  }
}

/** The checksummed form of `account`, or undefined when it is not an address (one checksum, not two). */
function checksummed(account: string): string | undefined {
  try {
    return getAddress(account);
  } catch {
    return undefined;
  }
}

/**
 * Builds the epoch's tree from `rows` (any order; one row per account) and returns its root and every proof;
 * `claims` lists the accounts in the order of `rows`.
 */
export function buildProofFile(epoch: bigint, rows: readonly RewardRow[]): ProofFile {
  if (rows.length === 0) throw new RewardTreeError(`epoch ${epoch}: no rows, an empty tree has no root`);
  if (epoch < 0n || epoch >= 1n << 64n) throw new RewardTreeError(`epoch ${epoch} does not fit in uint64`);
  const seen = new Set<string>();
  const values: [string, bigint][] = [];
  let totalCumulative = 0n;
  for (const [i, row] of rows.entries()) {
    const account = checksummed(row.account);
    if (!account) throw new RewardTreeError(`row ${i}: not an address: ${row.account}`);
    if (seen.has(account)) throw new RewardTreeError(`row ${i}: ${account} appears twice`);
    if (row.cumulativeAmount < 0n || row.cumulativeAmount > maxUint256) {
      throw new RewardTreeError(`row ${i}: amount ${row.cumulativeAmount} is not a uint256`);
    }
    seen.add(account);
    values.push([account, row.cumulativeAmount]);
    totalCumulative += row.cumulativeAmount;
  }
  // Leaves are sorted by hash (as StandardMerkleTree does), so the root does not depend on row order.
  const tree = buildRewardTree(values);
  const claims = new Map<string, ClaimProof>();
  for (const [i, [account, cumulativeAmount]] of values.entries()) {
    claims.set(account, { cumulativeAmount, proof: tree.proof(i) });
  }
  return { format: proofFileFormat, epoch, root: tree.root, totalCumulative, claims };
}

/** Checks a proof off chain, exactly as the contract will. */
export function verifyClaim(root: string, account: string, claim: ClaimProof): boolean {
  return StandardMerkleTree.verify(root, [...leafEncoding], [getAddress(account), claim.cumulativeAmount], claim.proof);
}

/** Lists accounts whose cumulative amount went down from `previous` to `next` (or vanished); empty when sound. */
export function decreasedAccounts(previous: ProofFile, next: ProofFile): string[] {
  const out: string[] = [];
  for (const [account, before] of previous.claims) {
    const after = next.claims.get(account)?.cumulativeAmount ?? 0n;
    if (after < before.cumulativeAmount) out.push(account);
  }
  return out;
}

/**
 * The proof file's JSON text in pieces, byte for byte what `JSON.stringify(doc, null, 2)` gives for the document
 * below, but without building a 100,000-key object and one 150 MB string at once (that took seconds).
 */
function* proofFileChunks(file: ProofFile): Generator<string> {
  const q = JSON.stringify;
  yield `{\n  "format": ${q(file.format)},\n  "epoch": ${q(file.epoch.toString())},\n  "root": ${q(file.root)},\n`;
  yield `  "totalCumulative": ${q(file.totalCumulative.toString())},\n`;
  yield `  "leafEncoding": [\n${leafEncoding.map((t) => `    ${q(t)}`).join(',\n')}\n  ],\n`;
  const accounts = [...file.claims.keys()].sort();
  if (accounts.length === 0) {
    yield '  "claims": {}\n}\n';
    return;
  }
  yield '  "claims": {\n';
  let chunk = '';
  for (const [i, account] of accounts.entries()) {
    const claim = file.claims.get(account)!;
    const proof =
      claim.proof.length === 0 ? '[]' : `[\n${claim.proof.map((p) => `        ${q(p)}`).join(',\n')}\n      ]`;
    chunk += `    ${q(account)}: {\n      "cumulativeAmount": ${q(claim.cumulativeAmount.toString())},\n      "proof": ${proof}\n    }`;
    chunk += i === accounts.length - 1 ? '\n' : ',\n';
    if (chunk.length > 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}  }\n}\n`;
}

/** Serialises a proof file as JSON: amounts and epoch as decimal strings, claims sorted by address. */
export function proofFileToJson(file: ProofFile): string {
  return [...proofFileChunks(file)].join('');
}

/**
 * Writes a proof file (the JSON of {@link proofFileToJson}) to `path`, streamed in ~1 MB pieces, atomically: a
 * failure or crash mid-write leaves the previous file whole (contributors' claims are read from it).
 */
export async function writeProofFile(path: string, file: ProofFile): Promise<void> {
  await writeFileAtomic(path, proofFileChunks(file));
}

const isBytes32 = (v: unknown): v is string => typeof v === 'string' && isHexString(v, 32);
const decimal = (v: unknown, what: string): bigint => {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v)) throw new RewardTreeError(`${what}: not a decimal string`);
  return BigInt(v);
};

/** Parses and validates proof-file JSON (the boundary: everything inside trusts the returned value). */
export function parseProofFile(json: string, source = 'proof file'): ProofFile {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new RewardTreeError(`${source}: not JSON (${(e as Error).message})`);
  }
  const obj = raw as Record<string, unknown> | null;
  if (obj?.format !== proofFileFormat) throw new RewardTreeError(`${source}: format is not ${proofFileFormat}`);
  if (!isBytes32(obj.root)) throw new RewardTreeError(`${source}: root is not bytes32 hex`);
  if (JSON.stringify(obj.leafEncoding) !== JSON.stringify(leafEncoding)) {
    throw new RewardTreeError(`${source}: leafEncoding must be ${JSON.stringify(leafEncoding)}`);
  }
  const claimsRaw = obj.claims;
  if (claimsRaw === null || typeof claimsRaw !== 'object') throw new RewardTreeError(`${source}: claims missing`);
  const claims = new Map<string, ClaimProof>();
  for (const [account, value] of Object.entries(claimsRaw)) {
    if (!isAddress(account)) throw new RewardTreeError(`${source}: claim key ${account} is not an address`);
    const entry = value as { cumulativeAmount?: unknown; proof?: unknown };
    if (!Array.isArray(entry.proof) || !entry.proof.every(isBytes32)) {
      throw new RewardTreeError(`${source}: proof of ${account} is not a list of bytes32`);
    }
    claims.set(getAddress(account), {
      cumulativeAmount: decimal(entry.cumulativeAmount, `${source}: amount of ${account}`),
      proof: entry.proof,
    });
  }
  return {
    format: proofFileFormat,
    epoch: decimal(obj.epoch, `${source}: epoch`),
    root: obj.root,
    totalCumulative: decimal(obj.totalCumulative, `${source}: totalCumulative`),
    claims,
  };
}

/** Reads and validates a proof file from disk. */
export async function readProofFile(path: string): Promise<ProofFile> {
  return parseProofFile(await readFile(path, 'utf8'), path);
}
