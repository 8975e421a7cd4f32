import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { publishableRpcUrl, saveDeployment } from '../../chain/index.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const secretUrl = 'https://rpc-user:rpc-pass@mainnet.infura.io/v3/0123456789abcdef0123456789abcdef?apikey=sekret#x';
let s: TestServer;
const saved = process.env.MAPMINT_DEPLOYMENT;

before(async () => {
  s = await startTestServer();
  process.env.MAPMINT_DEPLOYMENT = path.join(s.dir, 'deployment.json');
  await saveDeployment({
    rpcUrl: secretUrl,
    chainId: '1',
    token: '0x0000000000000000000000000000000000000001',
    distributor: '0x0000000000000000000000000000000000000002',
    credits: '0x0000000000000000000000000000000000000003',
    dev: false,
  });
});
after(async () => {
  if (saved === undefined) delete process.env.MAPMINT_DEPLOYMENT;
  else process.env.MAPMINT_DEPLOYMENT = saved;
  await s.close();
});

async function chainInfo(server: TestServer): Promise<{ rpcUrl: string | null }> {
  const r = await fetch(`${server.baseUrl}/v1/chain`);
  assert.equal(r.status, 200);
  return (await r.json()) as { rpcUrl: string | null };
}

test('/v1/chain never publishes credentials or keys embedded in the operator RPC URL', async () => {
  const { rpcUrl } = await chainInfo(s);
  for (const secret of ['rpc-user', 'rpc-pass', '0123456789abcdef0123456789abcdef', 'sekret', 'apikey']) {
    assert.ok(!String(rpcUrl).includes(secret), `${secret} leaked in ${rpcUrl}`);
  }
});

test('/v1/chain publishes the configured public RPC URL when there is one', async () => {
  const pub = await startTestServer({ publicRpcUrl: 'https://rpc.example.org' });
  try {
    assert.equal((await chainInfo(pub)).rpcUrl, 'https://rpc.example.org');
  } finally {
    await pub.close();
  }
});

test('a plain RPC URL (the local dev chain) is published as it is', () => {
  assert.equal(publishableRpcUrl('http://127.0.0.1:8545'), 'http://127.0.0.1:8545');
  assert.equal(publishableRpcUrl('https://rpc.example.org/rpc?key=abc'), 'https://rpc.example.org/rpc');
  assert.equal(publishableRpcUrl('https://eth-mainnet.g.alchemy.com/v2/AbCdEf0123456789AbCdEf'), null);
});
