import type { Command } from 'commander';
import { JsonRpcProvider, Wallet } from 'ethers';
import {
  distributor,
  operatorSigner,
  providerFor,
  requireDeployment,
  saveDeployment,
  startLocalChain,
} from '../../chain/index.ts';
import { deployContracts } from '../../contracts/index.ts';
import { MapmintError } from '../../core/index.ts';
import { publishEpoch } from '../../rewards/index.ts';
import { claimRewards, MapmintClient } from '../../sdk/index.ts';
import { openRuntime } from '../../worker/index.ts';
import { emit, type GlobalFlags, log } from '../output.ts';
import { loadWallet } from '../wallet.ts';
import { untilSignal } from './service.ts';

const DEFAULT_SERVER = process.env.MAPMINT_SERVER ?? 'http://127.0.0.1:8787';

/** `chain deploy`, `rewards publish`, `rewards claim`. */
export function registerChain(program: Command, flags: () => GlobalFlags): void {
  registerDeploy(program.command('chain').description('the token and distributor contracts'), flags);
  const rewards = program.commands.find((c) => c.name() === 'rewards') ?? program.command('rewards');
  registerPublish(rewards, flags);
  registerClaim(rewards, flags);
}

/** `chain deploy`: to a real chain with --rpc, else a local dev chain kept running. */
function registerDeploy(chain: Command, flags: () => GlobalFlags): void {
  chain
    .command('deploy')
    .description(
      'deploy the contracts to --rpc (key: MAPMINT_OPERATOR_KEY); without --rpc, start a local dev chain and keep it running',
    )
    .option('--rpc <url>', 'JSON-RPC URL (default MAPMINT_RPC_URL; none: a local dev chain)')
    .option('--port <port>', 'dev chain port', Number, 8545)
    .option('--cap <tokens>', 'token supply cap in whole tokens', '1000000000')
    .action(async (o: { rpc?: string; port: number; cap: string }) => {
      const capWei = BigInt(o.cap) * 10n ** 18n;
      const rpc = o.rpc ?? process.env.MAPMINT_RPC_URL;
      if (rpc) await deployToRpc(rpc, capWei, flags());
      else await runLocalChain(o.port, capWei, flags());
    });
}

/** Deploys with the operator key to a real chain and saves the deployment. */
async function deployToRpc(rpc: string, capWei: bigint, f: GlobalFlags): Promise<void> {
  const key = process.env.MAPMINT_OPERATOR_KEY;
  if (!key)
    throw new MapmintError('unauthorized', 'no_operator_key', 'set MAPMINT_OPERATOR_KEY to deploy to a real chain');
  const provider = new JsonRpcProvider(rpc);
  const d = await deployContracts(new Wallet(key, provider), { cap: capWei });
  const info = {
    rpcUrl: rpc,
    chainId: d.chainId.toString(),
    token: d.token,
    distributor: d.distributor,
    credits: d.credits,
    dev: false,
  };
  const file = await saveDeployment(info);
  emit(f, { ...info, file }, () => `deployed: token ${d.token}, distributor ${d.distributor} (written to ${file})`);
}

/** Starts a local dev chain with the contracts deployed, saves the deployment, and runs until a signal. */
async function runLocalChain(port: number, capWei: bigint, f: GlobalFlags): Promise<void> {
  const local = await startLocalChain({ port, capWei });
  const file = await saveDeployment(local.info);
  emit(
    f,
    { ...local.info, file },
    () =>
      `local dev chain at ${local.info.rpcUrl}: token ${local.info.token}, distributor ${local.info.distributor} (written to ${file}); Ctrl-C stops it`,
  );
  await untilSignal(() => local.close());
}

/** `rewards publish <epoch>`. */
function registerPublish(rewards: Command, flags: () => GlobalFlags): void {
  rewards
    .command('publish <epoch>')
    .description("post a closed epoch's Merkle root to the distributor (idempotent)")
    .action(async (epoch: string) => {
      const info = await requireDeployment();
      const rt = await openRuntime();
      try {
        const r = await publishEpoch(rt.sql, distributor(info, await operatorSigner(info)), Number(epoch));
        emit(flags(), { ...r, gasUsed: 'gasUsed' in r ? r.gasUsed.toString() : undefined }, () =>
          r.status === 'published'
            ? `epoch ${epoch} root ${r.root} published in ${r.txHash}`
            : `epoch ${epoch} was already published with root ${r.root}`,
        );
      } finally {
        await rt.close();
      }
    });
}

/** `rewards claim`. */
function registerClaim(rewards: Command, flags: () => GlobalFlags): void {
  rewards
    .command('claim')
    .description('claim your rewards: fetch your proof from the server and send the claim with your wallet')
    .option('-s, --server <url>', 'server URL', DEFAULT_SERVER)
    .option('--keystore <file>', 'encrypted wallet keystore')
    .action(async (o: { server: string; keystore?: string }) => {
      const info = await requireDeployment();
      const wallet = (await loadWallet(o.keystore)).connect(providerFor(info));
      const client = new MapmintClient({ baseUrl: o.server });
      await client.signIn(wallet);
      log(`claiming for ${wallet.address}...`);
      const r = await claimRewards(client, wallet);
      emit(flags(), r, () =>
        r.status === 'claimed' ? `claimed ${r.amountWei} wei in ${r.txHash}` : `nothing to claim: ${r.reason}`,
      );
    });
}
