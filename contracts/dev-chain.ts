// A local development chain: Hardhat's EVM engine (@nomicfoundation/edr) in this process, exposed as an EIP-1193
// provider for ethers and, optionally, as HTTP JSON-RPC on 127.0.0.1 for other processes (`mapmint chain deploy`).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ContractDecoder,
  EdrContext,
  L1_CHAIN_TYPE,
  l1GenesisState,
  l1HardforkFromString,
  l1ProviderFactory,
  MineOrdering,
  PRAGUE,
  type Provider,
} from '@nomicfoundation/edr';
import { BrowserProvider, getBytes, type JsonRpcSigner, Wallet } from 'ethers';

/** The EIP-1193 request interface (what wallets expose and ethers' BrowserProvider consumes). */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown>;
}

/** A JSON-RPC error from the chain, with the code and data (revert bytes) ethers needs to decode custom errors. */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly data: unknown,
    readonly method: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/** Options for {@link startDevChain}. */
export interface DevChainOptions {
  /** How many funded accounts to create (default 10). */
  accounts?: number;
  /** Balance of each account in wei (default 10,000 ETH). */
  balance?: bigint;
  /** Chain id (default 31337, the usual local-chain id). */
  chainId?: bigint;
  /** Hardfork name as EDR spells it (default Prague). */
  hardfork?: string;
}

/** A running in-process chain. Its accounts are unlocked: the chain signs for them, keys never leave memory. */
export interface DevChain {
  readonly provider: Eip1193Provider;
  readonly ethers: BrowserProvider;
  readonly accounts: readonly string[];
  readonly chainId: bigint;
  /** An ethers signer for account `index` (0 is the deployer by convention). */
  signer(index: number): Promise<JsonRpcSigner>;
}

// EDR allows one context per process ("Should only be called once!"), so every dev chain shares it.
let context: Promise<EdrContext> | undefined;
function edrContext(): Promise<EdrContext> {
  context ??= (async () => {
    const ctx = new EdrContext();
    await ctx.registerProviderFactory(L1_CHAIN_TYPE, l1ProviderFactory());
    return ctx;
  })();
  return context;
}

/**
 * EDR reports a revert as `data: { data: "0x…", reason, transactionHash }`; wallets and Geth put the revert bytes
 * in `data` itself, which is where ethers looks for them to decode custom errors.
 */
function revertData(data: unknown): unknown {
  if (data !== null && typeof data === 'object' && 'data' in data && typeof data.data === 'string') return data.data;
  return data;
}

/** Wraps an EDR provider as EIP-1193: JSON-RPC errors become thrown {@link RpcError}s. */
function eip1193(edr: Provider): Eip1193Provider {
  let nextId = 1;
  return {
    async request({ method, params }) {
      const response = await edr.handleRequest(JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }));
      const body = (typeof response.data === 'string' ? JSON.parse(response.data) : response.data) as {
        result?: unknown;
        error?: { code: number; message: string; data?: unknown };
      };
      if (body.error) throw new RpcError(body.error.message, body.error.code, revertData(body.error.data), method);
      return body.result;
    },
  };
}

/** Starts an in-process EVM with `accounts` freshly generated, funded and unlocked dev accounts. */
export async function startDevChain(options: DevChainOptions = {}): Promise<DevChain> {
  const chainId = options.chainId ?? 31337n;
  const hardfork = options.hardfork ?? PRAGUE;
  const balance = options.balance ?? 10n ** 22n;
  // Random keys per chain: nothing to commit, nothing that works anywhere but this process.
  const wallets = Array.from({ length: options.accounts ?? 10 }, () => Wallet.createRandom());
  const ctx = await edrContext();
  const edr = await ctx.createProvider(
    L1_CHAIN_TYPE,
    {
      allowBlocksWithSameTimestamp: false,
      allowUnlimitedContractSize: false,
      bailOnCallFailure: false,
      bailOnTransactionFailure: false,
      chainId,
      coinbase: new Uint8Array(20),
      // EIP-7825 (Osaka) caps a transaction at 2^24 gas; staying under it keeps later hardforks usable.
      defaultTransactionGasLimit: 16_777_216n,
      genesisState: [
        ...l1GenesisState(l1HardforkFromString(hardfork)),
        ...wallets.map((w) => ({ address: getBytes(w.address), balance })),
      ],
      hardfork,
      initialBaseFeePerGas: 1_000_000_000n,
      minGasPrice: 0n,
      mining: { autoMine: true, memPool: { order: MineOrdering.Priority } },
      network: { genesisBlockGasLimit: 60_000_000n },
      networkId: chainId,
      observability: {},
      ownedAccounts: wallets.map((w) => w.privateKey),
      precompileOverrides: [],
    },
    { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => {} },
    { subscriptionCallback: () => {} },
    new ContractDecoder(),
  );
  const provider = eip1193(edr);
  const ethersProvider = new BrowserProvider(provider, Number(chainId), { cacheTimeout: -1 });
  const accounts = wallets.map((w) => w.address);
  return {
    provider,
    ethers: ethersProvider,
    accounts,
    chainId,
    signer(index) {
      const address = accounts[index];
      if (address === undefined) throw new RangeError(`dev chain has ${accounts.length} accounts, asked for #${index}`);
      return ethersProvider.getSigner(address);
    },
  };
}

/** A JSON-RPC HTTP endpoint started by {@link serveJsonRpc}. */
export interface JsonRpcServer {
  readonly url: string;
  close(): Promise<void>;
}

interface JsonRpcRequest {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

const maxBodyBytes = 5 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new RangeError(`request body over ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Methods a browser page may not call: those that sign with the chain's unlocked accounts, or make any address one
 * (impersonation), and the node's other test controls. A page signs with its own key and sends the raw transaction;
 * `hardhat_setBalance` stays, so the driver page can give a fresh local key gas.
 */
function refusedForPages(method: string): boolean {
  if (method === 'hardhat_setBalance') return false;
  return (
    /^(hardhat|evm|anvil|debug)_/.test(method) ||
    ['eth_sendTransaction', 'eth_sign', 'eth_signTransaction', 'personal_sign'].includes(method) ||
    method.startsWith('eth_signTypedData')
  );
}

/** Whether a page's origin may call: loopback pages (the local web app on any port) and the configured ones. */
function originAllowed(origin: string, extra: readonly string[]): boolean {
  if (extra.includes(origin)) return true;
  try {
    const u = new URL(origin);
    return (
      (u.protocol === 'http:' || u.protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)
    );
  } catch {
    return false;
  }
}

async function answer(
  provider: Eip1193Provider,
  call: JsonRpcRequest,
  fromPage: boolean,
): Promise<Record<string, unknown>> {
  const id = call.id ?? null;
  if (typeof call.method !== 'string') {
    return { jsonrpc: '2.0', id, error: { code: -32600, message: 'method must be a string' } };
  }
  if (fromPage && refusedForPages(call.method)) {
    const message = `${call.method} is not available to browser pages: sign with your own key and send the raw transaction`;
    return { jsonrpc: '2.0', id, error: { code: 4100, message } };
  }
  const params = Array.isArray(call.params) ? call.params : [];
  try {
    return { jsonrpc: '2.0', id, result: (await provider.request({ method: call.method, params })) ?? null };
  } catch (e) {
    const err = e instanceof RpcError ? e : new RpcError(String(e), -32603, undefined, call.method);
    return { jsonrpc: '2.0', id, error: { code: err.code, message: err.message, data: err.data ?? undefined } };
  }
}

/** Options of {@link serveJsonRpc}. */
export interface JsonRpcServeOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Web origins besides loopback ones whose pages may call (e.g. the site's public URL). */
  allowedOrigins?: readonly string[];
}

/**
 * Serves `provider` as HTTP JSON-RPC (single and batch requests) on 127.0.0.1. Browser pages (the driver page's
 * local development key) call it from the web app's origin, so CORS is granted to loopback and configured origins
 * only, and any other page is refused outright (a no-preflight POST would otherwise still run). Pages never get the
 * unlocked accounts: a browser request is known by its Origin header, which browsers send on every POST.
 */
export async function serveJsonRpc(
  provider: Eip1193Provider,
  options: JsonRpcServeOptions = {},
): Promise<JsonRpcServer> {
  const extra = options.allowedOrigins ?? [];
  const server: Server = createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, extra)) {
      res.writeHead(403, { 'content-type': 'application/json', vary: 'Origin' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: null,
          error: { code: -32600, message: `origin ${origin} may not call this chain` },
        }),
      );
      return;
    }
    const cors = origin
      ? {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': 'POST, OPTIONS',
          'access-control-allow-headers': 'content-type',
          vary: 'Origin',
        }
      : {};
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', ...cors }).end(JSON.stringify(body));
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-max-age': '600' }).end();
      return;
    }
    if (req.method !== 'POST') {
      reply(405, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'JSON-RPC needs POST' } });
      return;
    }
    readBody(req)
      .then(async (text) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          reply(400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
          return;
        }
        if (Array.isArray(parsed)) {
          // Sequential on purpose: a batch's transactions must be mined in the order they were sent.
          const out = [];
          for (const call of parsed) out.push(await answer(provider, (call ?? {}) as JsonRpcRequest, !!origin));
          reply(200, out);
        } else {
          reply(200, await answer(provider, (parsed ?? {}) as JsonRpcRequest, !!origin));
        }
      })
      .catch((e: unknown) => {
        // The rest of the oversized body is never read: close the connection so no client reuses it.
        res.shouldKeepAlive = false;
        reply(413, { jsonrpc: '2.0', id: null, error: { code: -32600, message: String(e) } });
      });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((ok, fail) => server.close((e) => (e ? fail(e) : ok()))),
  };
}
