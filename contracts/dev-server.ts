// `npm run contracts:dev-chain`: a local chain on http://127.0.0.1:<port> with mapmint's contracts deployed, for
// the CLI, the server and the web pages to use when no RPC URL is configured. Runs until Ctrl-C.
// Env: MAPMINT_DEV_CHAIN_PORT (default 8545), MAPMINT_DEV_CHAIN_DEPLOYMENT (write the addresses there as JSON).
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Deployment, deployContracts } from './chain.ts';
import { type JsonRpcServer, serveJsonRpc, startDevChain } from './dev-chain.ts';

/** Options for {@link startDevServer}. */
export interface DevServerOptions {
  port?: number;
  /** MAP cap for the dev deployment, in wei (default 1e9 MAP). */
  cap?: bigint;
}

/** Starts a dev chain, deploys the contracts with account 0 and serves JSON-RPC on 127.0.0.1. */
export async function startDevServer(
  options: DevServerOptions = {},
): Promise<{ server: JsonRpcServer; deployment: Deployment; accounts: readonly string[] }> {
  const chain = await startDevChain();
  const deployment = await deployContracts(await chain.signer(0), { cap: options.cap ?? 10n ** 27n });
  const server = await serveJsonRpc(chain.provider, options.port === undefined ? {} : { port: options.port });
  return { server, deployment, accounts: chain.accounts };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const port = Number(process.env['MAPMINT_DEV_CHAIN_PORT'] ?? 8545);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`MAPMINT_DEV_CHAIN_PORT must be a port number, got ${process.env['MAPMINT_DEV_CHAIN_PORT']}`);
    process.exit(2);
  }
  const { server, deployment, accounts } = await startDevServer({ port });
  const summary = {
    rpcUrl: server.url,
    ...deployment,
    chainId: deployment.chainId.toString(),
    // Unlocked on this chain (eth_sendTransaction); their keys stay in this process.
    accounts,
  };
  const out = process.env['MAPMINT_DEV_CHAIN_DEPLOYMENT'];
  if (out) await writeFile(out, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
  const stop = () => {
    server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
