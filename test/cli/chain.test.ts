// The chain commands as a user runs them: `mapmint chain deploy` starts a local dev chain in its own process,
// `rewards close-epoch` and `rewards publish` (idempotent) post a root to it, and `rewards claim` signs in to the
// real server and claims with the contributor's key. Exit codes and --json output are checked at each step.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { JsonRpcProvider, Wallet } from 'ethers';
import { tokenAt } from '../../contracts/index.ts';
import { DEFAULT_REWARDS } from '../../rewards/index.ts';
import { CLI_MAIN, type CliResult, runCli } from '../support/cli.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { REPO_ROOT } from '../support/shared-data.ts';

const EPOCH = 3;

let s: TestServer;
let home: string;
let chain: ChildProcessWithoutNullStreams | undefined;
/** What `chain deploy --json` printed. */
let deployed: { rpcUrl: string; chainId: string; token: string; distributor: string; file: string; dev: boolean };
const contributor = Wallet.createRandom();

before(async () => {
  s = await startTestServer();
  home = await mkdtemp(path.join(tmpdir(), 'mapmint-cli-chain-'));
  // The server (in this process) reads the deployment the CLI writes under MAPMINT_HOME.
  process.env.MAPMINT_DEPLOYMENT = path.join(home, 'chain', 'deployment.json');
});
after(async () => {
  if (chain && chain.exitCode === null) chain.kill('SIGKILL');
  delete process.env.MAPMINT_DEPLOYMENT;
  await s.close();
  await rm(home, { recursive: true, force: true });
});

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  // No operator key or wallet from the developer's shell: each test says which it uses.
  const { MAPMINT_OPERATOR_KEY, MAPMINT_PRIVATE_KEY, MAPMINT_KEYSTORE, MAPMINT_DEPLOYMENT, MAPMINT_RPC_URL, ...rest } =
    process.env;
  return { ...rest, MAPMINT_HOME: home, DATABASE_URL: s.db.url, ...extra };
}

/** Runs the CLI to completion: exit code, stdout, stderr. */
function mapmint(args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, env(extra));
}

test('chain deploy without a key for --rpc exits 4 (unauthorized) with a typed error', async () => {
  const r = await mapmint(['--json', 'chain', 'deploy', '--rpc', 'http://127.0.0.1:9']);
  assert.equal(r.code, 4, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'no_operator_key');
});

test('publish and claim before any deployment exit 5 (not_deployed)', async () => {
  for (const args of [
    ['rewards', 'publish', String(EPOCH)],
    ['rewards', 'claim', '--server', s.baseUrl],
  ]) {
    const r = await mapmint(['--json', ...args], { MAPMINT_PRIVATE_KEY: contributor.privateKey });
    assert.equal(r.code, 5, `${args.join(' ')}: ${r.stderr}`);
    assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'not_deployed');
  }
});

test('chain deploy starts a dev chain with the contracts deployed and records it', async () => {
  chain = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, '--json', 'chain', 'deploy', '--port', '0'], {
    cwd: REPO_ROOT,
    env: env({}),
  });
  let out = '';
  let err = '';
  chain.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const line = await new Promise<string>((resolve, reject) => {
    chain!.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    chain!.on('exit', (code) => reject(new Error(`chain deploy exited ${code}: ${err}`)));
  });
  deployed = JSON.parse(line) as typeof deployed;
  assert.equal(deployed.dev, true);
  assert.match(deployed.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(deployed.file, process.env.MAPMINT_DEPLOYMENT);
  assert.deepEqual(
    JSON.parse(await readFile(deployed.file, 'utf8')),
    Object.fromEntries(Object.entries(deployed).filter(([k]) => k !== 'file')),
  );
  const provider = new JsonRpcProvider(deployed.rpcUrl, Number(deployed.chainId), { staticNetwork: true });
  for (const address of [deployed.token, deployed.distributor]) {
    assert.notEqual(await provider.getCode(address), '0x', `no code at ${address}`);
  }
  assert.equal(await tokenAt(deployed.token, provider).getFunction('symbol')(), 'MAP');
  // Gas for the contributor's claim, from the dev chain's first (unlocked) account.
  const [funder] = (await provider.send('eth_accounts', [])) as string[];
  const signer = await provider.getSigner(funder);
  await (await signer.sendTransaction({ to: contributor.address, value: 10n ** 18n })).wait();
  provider.destroy();
});

test('rewards publish posts a closed epoch root once; again it is a no-op; unknown or open epochs fail', async () => {
  assert.ok(deployed, 'needs the chain from the deploy test');
  const sql = s.db.sql;
  const [c] = await sql<
    { id: string }[]
  >`insert into contributors (address) values (${contributor.address}) returning id`;
  const g = Date.parse(DEFAULT_REWARDS.genesis);
  const week = DEFAULT_REWARDS.epochDays * 86_400_000;
  for (const id of [EPOCH, EPOCH + 1]) {
    await sql`insert into epochs (id, starts_at, ends_at) values (${id}, ${new Date(g + id * week)}, ${new Date(g + (id + 1) * week)})`;
  }
  await sql`insert into ledger_entries (epoch_id, contributor_id, kind, rule, base_amount, multipliers, amount)
            values (${EPOCH}, ${c!.id}, 'coverage', 'first_coverage', 3000000000000000000, ${sql.json({ rule: 1 })}, 3000000000000000000),
                   (${EPOCH}, ${c!.id}, 'coverage', 'refresh', 500000000000000000, ${sql.json({ rule: 0.5 })}, 250000000000000000)`;

  const open = await mapmint(['--json', 'rewards', 'publish', String(EPOCH)]);
  assert.equal(open.code, 6, open.stderr);
  assert.equal((JSON.parse(open.stdout) as { error: { code: string } }).error.code, 'epoch_not_closed');
  const missing = await mapmint(['--json', 'rewards', 'publish', '999']);
  assert.equal(missing.code, 5, missing.stderr);
  assert.equal((JSON.parse(missing.stdout) as { error: { code: string } }).error.code, 'epoch_not_found');

  const closed = await mapmint([
    '--json',
    'rewards',
    'close-epoch',
    '--epoch',
    String(EPOCH),
    '--out',
    path.join(home, 'epochs'),
  ]);
  assert.equal(closed.code, 0, closed.stderr);
  const close = JSON.parse(closed.stdout) as { root: string; totalCumulativeWei: string };
  assert.equal(close.totalCumulativeWei, '3250000000000000000');

  const first = await mapmint(['--json', 'rewards', 'publish', String(EPOCH)]);
  assert.equal(first.code, 0, first.stderr);
  const p1 = JSON.parse(first.stdout) as { status: string; root: string; txHash: string; gasUsed: string };
  assert.equal(p1.status, 'published');
  assert.equal(p1.root, close.root);
  assert.match(p1.txHash, /^0x[0-9a-f]{64}$/);
  assert.ok(Number(p1.gasUsed) > 21_000);
  const again = await mapmint(['--json', 'rewards', 'publish', String(EPOCH)]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout), { status: 'already-published', root: close.root });
  const human = await mapmint(['rewards', 'publish', String(EPOCH)]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`epoch ${EPOCH} was already published with root ${close.root}`));

  const provider = new JsonRpcProvider(deployed.rpcUrl, Number(deployed.chainId), { staticNetwork: true });
  const d = tokenAt(deployed.token, provider);
  assert.equal(await d.getFunction('balanceOf')(deployed.distributor), 3_250_000_000_000_000_000n, 'pool funded once');
  provider.destroy();
});

test('rewards claim pays the contributor through the server and the SDK; a second claim has nothing to pay', async () => {
  assert.ok(deployed, 'needs the chain from the deploy test');
  const key = { MAPMINT_PRIVATE_KEY: contributor.privateKey };
  const r = await mapmint(['--json', 'rewards', 'claim', '--server', s.baseUrl], key);
  assert.equal(r.code, 0, r.stderr);
  const claimed = JSON.parse(r.stdout) as { status: string; amountWei: string; epoch: number; txHash: string };
  assert.equal(claimed.status, 'claimed');
  assert.equal(claimed.amountWei, '3250000000000000000');
  assert.equal(claimed.epoch, EPOCH);
  assert.match(r.stderr, new RegExp(`claiming for ${contributor.address}`));
  const provider = new JsonRpcProvider(deployed.rpcUrl, Number(deployed.chainId), { staticNetwork: true });
  const receipt = await provider.getTransactionReceipt(claimed.txHash);
  assert.equal(receipt?.status, 1);
  const token = tokenAt(deployed.token, provider);
  assert.equal(await token.getFunction('balanceOf')(contributor.address), 3_250_000_000_000_000_000n);
  provider.destroy();

  const again = await mapmint(['--json', 'rewards', 'claim', '--server', s.baseUrl], key);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as { status: string }).status, 'nothing-to-claim');
  // Another wallet, not in any tree: told so, not an error.
  const stranger = await mapmint(['--json', 'rewards', 'claim', '--server', s.baseUrl], {
    MAPMINT_PRIVATE_KEY: Wallet.createRandom().privateKey,
  });
  assert.equal(stranger.code, 0, stranger.stderr);
  assert.deepEqual(JSON.parse(stranger.stdout), {
    status: 'nothing-to-claim',
    reason: 'no closed epoch includes your rewards yet',
  });
});

test('the dev chain stops cleanly on SIGINT', async () => {
  assert.ok(chain, 'needs the chain from the deploy test');
  const exited = new Promise<number | null>((resolve) => chain!.once('exit', (code) => resolve(code)));
  chain.kill('SIGINT');
  assert.equal(await exited, 0);
});
