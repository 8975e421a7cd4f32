import { deployContracts, serveJsonRpc, startDevChain } from '../contracts/index.ts';
import type { ChainInfo } from './deployment.ts';

/**
 * Starts the local development chain (an in-process EVM served as JSON-RPC on 127.0.0.1) with the contracts
 * deployed by its first account; the chain lives as long as this process.
 */
export async function startLocalChain(opts: { port?: number; capWei?: bigint } = {}) {
  const chain = await startDevChain();
  const operator = await chain.signer(0);
  const d = await deployContracts(operator, { cap: opts.capWei ?? 10n ** 27n });
  // Pages of the web app may call it: loopback ones always, and the site's public origin when one is configured.
  const site = process.env.MAPMINT_PUBLIC_URL;
  const server = await serveJsonRpc(chain.provider, {
    ...(opts.port === undefined ? {} : { port: opts.port }),
    ...(site ? { allowedOrigins: [new URL(site).origin] } : {}),
  });
  const info: ChainInfo = {
    rpcUrl: server.url,
    chainId: d.chainId.toString(),
    token: d.token,
    distributor: d.distributor,
    credits: d.credits,
    dev: true,
    operator: await operator.getAddress(),
  };
  return {
    info,
    /** Sends ETH for gas from the operator account (dev chain only). */
    async fund(address: string, wei = 10n ** 18n) {
      const tx = await operator.sendTransaction({ to: address, value: wei });
      await tx.wait();
    },
    close: () => server.close(),
  };
}
