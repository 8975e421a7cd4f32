import { Contract, getAddress, type Signer } from 'ethers';
import type { ChainInfo, Rewards } from '../api/index.ts';
import type { MapmintClient } from './client.ts';

/** The distributor's claim interface: what a wallet needs, nothing else. */
const DISTRIBUTOR_ABI = [
  'function claim(uint256 epoch, address account, uint256 cumulativeAmount, bytes32[] proof)',
  'function claimed(address account) view returns (uint256)',
  'function latestEpoch() view returns (uint64)',
];

/** What a claim did. */
export type ClaimOutcome =
  | { status: 'claimed'; amountWei: string; txHash: string; epoch: number }
  | { status: 'nothing-to-claim'; reason: string };

/**
 * Claims a signed-in contributor's rewards with their wallet (an ethers Signer: an injected browser wallet, a
 * WalletConnect session, a keystore): fetches the latest proof from the API and sends `claim` to the distributor.
 * The distributor pays the cumulative total minus what was already claimed.
 */
export async function claimRewards(client: MapmintClient, signer: Signer): Promise<ClaimOutcome> {
  const chain = await client.get<ChainInfo>('/v1/chain');
  const rewards = await client.get<Rewards>('/v1/me/rewards');
  if (!rewards.claim) return { status: 'nothing-to-claim', reason: 'no closed epoch includes your rewards yet' };
  const account = getAddress(await signer.getAddress());
  if (account !== getAddress(rewards.address)) {
    return {
      status: 'nothing-to-claim',
      reason: `the wallet is ${account}, the signed-in contributor is ${rewards.address}`,
    };
  }
  const d = new Contract(chain.distributor, DISTRIBUTOR_ABI, signer);
  const latest = BigInt(await d.getFunction('latestEpoch')());
  if (latest !== BigInt(rewards.claim.epoch)) {
    return {
      status: 'nothing-to-claim',
      reason: `epoch ${rewards.claim.epoch} is not published on chain yet (latest: ${latest})`,
    };
  }
  const already = BigInt(await d.getFunction('claimed')(account));
  const cumulative = BigInt(rewards.claim.cumulative);
  if (cumulative <= already)
    return { status: 'nothing-to-claim', reason: 'everything earned so far is already claimed' };
  const tx = await d.getFunction('claim')(rewards.claim.epoch, account, cumulative, rewards.claim.proof);
  const receipt = await tx.wait();
  return {
    status: 'claimed',
    amountWei: (cumulative - already).toString(),
    txHash: receipt.hash,
    epoch: rewards.claim.epoch,
  };
}
