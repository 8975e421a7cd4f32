// The reward tree, built the way OpenZeppelin's StandardMerkleTree (@openzeppelin/merkle-tree 1.0.x) builds it, but
// fast enough for an epoch with 100,000+ contributors. The library compares hashes through BigInt, re-validates every
// hex string and re-verifies each proof as it hands it out: about 1 ms per leaf, so 100,000 contributors took minutes.
// Here each leaf costs two keccaks and each inner node one, with no re-verification (test/rewards/merkle.test.ts
// checks root and every proof against the library on random ledgers).
//
// Layout (the library's `makeMerkleTree`): leaves sorted by hash ascending; a complete binary tree in an array of
// 2n - 1 nodes, leaf i at index (2n - 2 - i), children of node k at 2k + 1 and 2k + 2, inner node = keccak256 of the
// two children in ascending order (the sorted-pair hashing of OpenZeppelin's MerkleProof).
import { keccak256 } from 'ethers';

/** A built tree: its root and, for each input value (in input order), its proof. */
export interface RewardTree {
  root: string;
  /** Sibling hashes from the leaf up, as MerkleDistributor.claim expects them, for the value at `valueIndex`. */
  proof(valueIndex: number): string[];
}

const hashBuffer = (buf: Uint8Array): string => keccak256(buf);

/**
 * The StandardMerkleTree leaf of `(address account, uint256 amount)`:
 * keccak256(bytes.concat(keccak256(abi.encode(account, amount)))), lowercase 0x-hex.
 */
export function rewardLeaf(account: string, amount: bigint): string {
  // abi.encode(address, uint256): two 32-byte words, the address right-aligned in the first.
  const word = Buffer.alloc(64);
  word.write(account.slice(2).padStart(40, '0'), 12, 'hex');
  word.write(amount.toString(16).padStart(64, '0'), 32, 'hex');
  return hashBuffer(Buffer.from(hashBuffer(word).slice(2), 'hex'));
}

/** keccak256 of the two nodes in ascending order (OpenZeppelin's `standardNodeHash`). */
function nodeHash(a: string, b: string): string {
  const pair = a < b ? a.slice(2) + b.slice(2) : b.slice(2) + a.slice(2);
  return hashBuffer(Buffer.from(pair, 'hex'));
}

/**
 * Builds the tree of `(account, amount)` values. Accounts must already be valid addresses and amounts uint256: the
 * caller validates (see buildProofFile). The root and proofs equal `StandardMerkleTree.of(values, ['address',
 * 'uint256'])`'s.
 */
export function buildRewardTree(values: readonly (readonly [account: string, amount: bigint])[]): RewardTree {
  const n = values.length;
  if (n === 0) throw new RangeError('a Merkle tree needs at least one leaf');
  const leaves = values.map(([account, amount], valueIndex) => ({ hash: rewardLeaf(account, amount), valueIndex }));
  // Lowercase hex of equal length sorts like the numbers, which is the library's order; sort is stable, as is its.
  leaves.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const tree = new Array<string>(2 * n - 1);
  const treeIndexOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const leaf = leaves[i]!;
    tree[tree.length - 1 - i] = leaf.hash;
    treeIndexOf[leaf.valueIndex] = tree.length - 1 - i;
  }
  for (let k = tree.length - 1 - n; k >= 0; k--) tree[k] = nodeHash(tree[2 * k + 1]!, tree[2 * k + 2]!);
  return {
    root: tree[0]!,
    proof(valueIndex) {
      const out: string[] = [];
      let k = treeIndexOf[valueIndex];
      if (k === undefined || valueIndex < 0) throw new RangeError(`no value ${valueIndex} in a tree of ${n}`);
      while (k > 0) {
        // Odd indices are left children: the sibling is to the right.
        out.push(tree[k % 2 === 1 ? k + 1 : k - 1]!);
        k = (k - 1) >> 1;
      }
      return out;
    },
  };
}
