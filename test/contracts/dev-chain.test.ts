// The dev chain served over HTTP JSON-RPC on 127.0.0.1, driven by ethers' JsonRpcProvider as `mapmint chain
// deploy` would: deploy, publish and claim all go through the HTTP server, reverts included.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { JsonRpcProvider, Wallet } from 'ethers';
import {
  claim,
  type DevChain,
  deployContracts,
  distributorAt,
  type JsonRpcServer,
  publishRoot,
  serveJsonRpc,
  startDevChain,
  startDevServer,
  tokenAt,
} from '../../contracts/index.ts';
import { buildProofFile } from '../../rewards/index.ts';
import { expectRevert, MAP } from './fixture.ts';

let chain: DevChain;
let server: JsonRpcServer;
let rpc: JsonRpcProvider;
before(async () => {
  chain = await startDevChain({ accounts: 3, chainId: 1337n });
  server = await serveJsonRpc(chain.provider);
  rpc = new JsonRpcProvider(server.url, 1337, { staticNetwork: true, cacheTimeout: -1 });
});
after(async () => {
  rpc.destroy();
  await server.close();
});

const post = (body: string, method = 'POST') =>
  fetch(server.url, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? body : null });

test('ethers deploys, publishes and claims through the HTTP endpoint', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await rpc.getNetwork()).chainId, 1337n);
  assert.deepEqual(
    (await rpc.send('eth_accounts', [])).map((a: string) => a.toLowerCase()),
    chain.accounts.map((a) => a.toLowerCase()),
  );
  assert.ok((await rpc.getBalance(chain.accounts[2]!)) > 0n, 'dev accounts are funded');

  const admin = await rpc.getSigner(chain.accounts[0]!);
  const d = await deployContracts(admin, { cap: 1_000n * MAP });
  assert.equal(d.chainId, 1337n);
  const file = buildProofFile(1n, [{ account: chain.accounts[1]!, cumulativeAmount: 42n * MAP }]);
  assert.equal((await publishRoot(distributorAt(d.distributor, admin), file)).status, 'published');

  const claimant = distributorAt(d.distributor, await rpc.getSigner(chain.accounts[1]!));
  const result = await claim(claimant, file);
  assert.equal(result.status, 'claimed');
  assert.equal(await tokenAt(d.token, rpc).getFunction('balanceOf')(chain.accounts[1]), 42n * MAP);
  // Revert data survives the HTTP hop, so custom errors still decode.
  const entry = file.claims.get(chain.accounts[1]!)!;
  await expectRevert(
    claimant.getFunction('claim')(1n, chain.accounts[1], entry.cumulativeAmount, entry.proof),
    'NothingToClaim',
  );
});

test('JSON-RPC framing: batches, unknown methods, bad requests', async () => {
  const batch = await post(
    JSON.stringify([
      { jsonrpc: '2.0', id: 7, method: 'eth_chainId', params: [] },
      { jsonrpc: '2.0', id: 'x', method: 'eth_nope', params: [] },
      { jsonrpc: '2.0', id: 9 },
    ]),
  );
  assert.equal(batch.status, 200);
  const [chainId, unknown, invalid] = (await batch.json()) as {
    id: unknown;
    result?: unknown;
    error?: { code: number };
  }[];
  assert.deepEqual(chainId, { jsonrpc: '2.0', id: 7, result: '0x539' });
  assert.equal(unknown?.id, 'x');
  assert.equal(unknown?.error?.code, -32004);
  assert.equal(invalid?.error?.code, -32600);

  const bad = await post('{not json');
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: number } }).error.code, -32700);
  assert.equal((await post('', 'GET')).status, 405);
  const huge = await post(
    JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x', params: ['a'.repeat(6 * 1024 * 1024)] }),
  );
  assert.equal(huge.status, 413);
});

test('browser pages may call the dev chain from another origin (CORS), and fund a fresh key for gas', async () => {
  const pre = await fetch(server.url, {
    method: 'OPTIONS',
    headers: { origin: 'http://127.0.0.1:8787', 'access-control-request-method': 'POST' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8787');
  assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.match(pre.headers.get('access-control-allow-headers') ?? '', /content-type/);
  const r = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:8787' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
  });
  assert.equal(r.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8787');
  // What the driver page does for a new local development key on the dev chain.
  const fresh = Wallet.createRandom().address;
  await rpc.send('hardhat_setBalance', [fresh, '0x8ac7230489e80000']);
  assert.equal(await rpc.getBalance(fresh), 10n ** 19n);
});

/** A JSON-RPC call as a browser page on `origin` would send it (browsers send Origin on every POST). */
const fromPage = (origin: string, method: string, params: unknown[] = [], contentType = 'application/json') =>
  fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': contentType, origin },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });

test('pages on other sites get no CORS grant and no answer, not even through a simple (no-preflight) POST', async () => {
  const pre = await fetch(server.url, {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
  });
  assert.equal(pre.status, 403);
  assert.equal(pre.headers.get('access-control-allow-origin'), null);
  const to = Wallet.createRandom().address;
  const tx = [{ from: chain.accounts[0], to, value: '0x1' }];
  const r = await fromPage('https://evil.example', 'eth_sendTransaction', tx, 'text/plain');
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('access-control-allow-origin'), null);
  assert.equal(await rpc.getBalance(to), 0n, 'the unlocked account sent nothing');
});

test("browser pages, even allowed ones, cannot use the chain's unlocked accounts", async () => {
  const to = Wallet.createRandom().address;
  for (const [method, params] of [
    ['eth_sendTransaction', [{ from: chain.accounts[0], to, value: '0x1' }]],
    ['eth_sign', [chain.accounts[0], '0x1234']],
    ['personal_sign', ['0x1234', chain.accounts[0]]],
    ['hardhat_impersonateAccount', [to]],
  ] as const) {
    const r = await fromPage('http://127.0.0.1:8787', method, [...params]);
    const body = (await r.json()) as { error?: { code: number } };
    assert.ok(body.error, `${method} answered without error`);
  }
  assert.equal(await rpc.getBalance(to), 0n);
});

test('startDevServer serves a chain with the contracts already deployed', async () => {
  const { server: dev, deployment, accounts } = await startDevServer({ port: 0 });
  const client = new JsonRpcProvider(dev.url, undefined, { staticNetwork: false, cacheTimeout: -1 });
  try {
    assert.equal((await client.getNetwork()).chainId, deployment.chainId);
    const token = tokenAt(deployment.token, client);
    assert.equal(await token.getFunction('symbol')(), 'MAP');
    assert.equal(await token.getFunction('cap')(), 10n ** 27n);
    const dist = distributorAt(deployment.distributor, client);
    assert.equal(await dist.getFunction('hasRole')(await dist.getFunction('PUBLISHER_ROLE')(), accounts[0]), true);
    assert.notEqual(await client.getCode(deployment.credits), '0x');
  } finally {
    client.destroy();
    await dev.close();
  }
});
