import type { Wallet } from 'ethers';
import { distributor, operatorSigner, providerFor, saveDeployment, startLocalChain } from '../../chain/index.ts';
import { tokenAt } from '../../contracts/index.ts';
import type { Sql } from '../../db/index.ts';
import { publishEpoch } from '../../rewards/index.ts';
import { claimRewards, type MapmintClient } from '../../sdk/index.ts';

/**
 * The demo's on-chain half: starts a local dev chain with the contracts, publishes the closed epoch's root, gives
 * the demo wallet gas, and claims its rewards through the SDK (as the companion app and driver page do).
 */
export async function demoPayout(sql: Sql, client: MapmintClient, wallet: Wallet, epoch: number) {
  const local = await startLocalChain({ port: 0 });
  await saveDeployment(local.info);
  const published = await publishEpoch(sql, distributor(local.info, await operatorSigner(local.info)), epoch);
  await local.fund(wallet.address);
  const claim = await claimRewards(client, wallet.connect(providerFor(local.info)));
  const balance: bigint = await tokenAt(local.info.token, providerFor(local.info)).getFunction('balanceOf')(
    wallet.address,
  );
  return {
    chain: { rpcUrl: local.info.rpcUrl, token: local.info.token, distributor: local.info.distributor },
    published: published.status,
    claim,
    balanceWei: balance.toString(),
    close: () => local.close(),
  };
}
