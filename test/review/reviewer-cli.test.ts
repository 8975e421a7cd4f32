/** `mapmint reviewer grant|revoke`, run as a real process against a test database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Wallet } from 'ethers';
import { useCliSandbox } from '../support/cli.ts';

const sb = useCliSandbox('mapmint-reviewer-cli-');
const { mapmint } = sb;

const rolesOf = async (address: string) =>
  (await sb.db.sql<{ roles: string[] }[]>`select roles from contributors where address = ${address}`)[0]?.roles;

test('grant --senior, revoke --senior, revoke: roles in the database follow, JSON on stdout', async () => {
  const address = Wallet.createRandom().address;
  // Lower-case input is accepted and stored checksummed, for a wallet that never signed in.
  const g = await mapmint(['--json', 'reviewer', 'grant', address.toLowerCase(), '--senior']);
  assert.equal(g.code, 0, g.stderr);
  assert.deepEqual(JSON.parse(g.stdout), { address, roles: ['reviewer', 'senior'] });
  assert.deepEqual(await rolesOf(address), ['reviewer', 'senior']);
  const r = await mapmint(['--json', 'reviewer', 'revoke', address, '--senior']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await rolesOf(address), ['reviewer']);
  const all = await mapmint(['reviewer', 'revoke', address]);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /no review roles/);
  assert.deepEqual(await rolesOf(address), []);
});

test('errors: a malformed address is bad input (exit 2), an unknown wallet is not found (exit 5)', async () => {
  const bad = await mapmint(['--json', 'reviewer', 'grant', '0x1234']);
  assert.equal(bad.code, 2);
  assert.equal((JSON.parse(bad.stdout) as { error: { code: string } }).error.code, 'bad_address');
  const unknown = await mapmint(['--json', 'reviewer', 'revoke', Wallet.createRandom().address]);
  assert.equal(unknown.code, 5);
  assert.equal((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code, 'unknown_contributor');
});
