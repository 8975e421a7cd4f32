import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { startTestServer, type TestServer } from '../support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => s.close());

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(s.baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
}

async function message(wallet: Wallet, over: Partial<SiweMessage> = {}): Promise<string> {
  const { body } = await post('/v1/auth/nonce', {});
  const host = new URL(s.baseUrl).host;
  return new SiweMessage({
    domain: host,
    address: wallet.address,
    uri: s.baseUrl,
    version: '1',
    chainId: 1,
    nonce: body.nonce as string,
    issuedAt: new Date().toISOString(),
    expirationTime: new Date(Date.now() + 60_000).toISOString(),
    ...over,
  }).prepareMessage();
}

test('a wallet signs in and the token identifies it', async () => {
  const w = Wallet.createRandom();
  const msg = await message(w as unknown as Wallet);
  const r = await post('/v1/auth/verify', { message: msg, signature: await w.signMessage(msg) });
  assert.equal(r.status, 200);
  assert.equal(r.body.address, w.address);
  const me = await fetch(`${s.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${r.body.token}` } });
  assert.equal(me.status, 200);
  assert.equal(((await me.json()) as { address: string }).address, w.address);
});

test('a replayed sign-in message is refused (the nonce is single-use)', async () => {
  const w = Wallet.createRandom() as unknown as Wallet;
  const msg = await message(w);
  const sig = await w.signMessage(msg);
  assert.equal((await post('/v1/auth/verify', { message: msg, signature: sig })).status, 200);
  const again = await post('/v1/auth/verify', { message: msg, signature: sig });
  assert.equal(again.status, 401);
  assert.equal(again.body.error?.code, 'siwe_bad_nonce');
});

test('forged sign-ins are refused with 401 and a reason', async () => {
  const w = Wallet.createRandom() as unknown as Wallet;
  const other = Wallet.createRandom();
  const cases: [string, () => Promise<{ message: string; signature: string }>][] = [
    [
      'siwe_bad_signature',
      async () => {
        const m = await message(w);
        return { message: m, signature: await other.signMessage(m) };
      },
    ],
    [
      'siwe_wrong_domain',
      async () => {
        const m = await message(w, { domain: 'evil.example' });
        return { message: m, signature: await w.signMessage(m) };
      },
    ],
    [
      'siwe_expired',
      async () => {
        const m = await message(w, { expirationTime: new Date(Date.now() - 1000).toISOString() });
        return { message: m, signature: await w.signMessage(m) };
      },
    ],
    [
      'siwe_stale',
      async () => {
        const m = await message(w, { issuedAt: new Date(Date.now() - 3600_000).toISOString() });
        return { message: m, signature: await w.signMessage(m) };
      },
    ],
    [
      'siwe_bad_nonce',
      async () => {
        const m = await message(w, { nonce: 'neverIssued12345' });
        return { message: m, signature: await w.signMessage(m) };
      },
    ],
    [
      'siwe_malformed',
      async () => {
        const m = "'; DROP TABLE contributors; --";
        return { message: m, signature: await w.signMessage(m) };
      },
    ],
    [
      'siwe_bad_signature',
      async () => {
        // The message is edited after signing (a later expiry), so the signature no longer matches.
        const m = await message(w);
        const sig = await w.signMessage(m);
        const later = `Expiration Time: ${new Date(Date.now() + 120_000).toISOString()}`;
        return { message: m.replace(/Expiration Time: .*/, later), signature: sig };
      },
    ],
  ];
  for (const [code, make] of cases) {
    const r = await post('/v1/auth/verify', await make());
    assert.equal(r.status, 401, `${code}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error?.code, code);
  }
  const [n] = await s.db.sql`select count(*)::int as n from contributors where address = ${w.address}`;
  assert.equal(n!.n, 0, 'no contributor row was created by a failed sign-in');
  const [t] = await s.db.sql`select to_regclass('contributors') is not null as present`;
  assert.equal(t!.present, true, 'the injection attempt in a message left the contributors table in place');
});

test('malformed bodies and tokens get 400/401, never 500', async () => {
  assert.equal((await post('/v1/auth/verify', { message: 'x' })).status, 400);
  assert.equal((await post('/v1/auth/verify', { message: 'x', signature: '0x12' })).status, 400);
  const bad = await fetch(`${s.baseUrl}/v1/me`, { headers: { authorization: "Bearer ' OR 1=1 --" } });
  assert.equal(bad.status, 401);
  const unknown = await fetch(`${s.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${'a'.repeat(43)}` } });
  assert.equal(unknown.status, 401);
  const wrongType = await fetch(`${s.baseUrl}/v1/auth/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml' },
    body: '<a/>',
  });
  assert.equal(wrongType.status, 415);
});

/** Posts a sign-in through Fastify's inject, so the test controls the Host header a browser or proxy would send. */
async function verifyWithHost(host: string, body: { message: string; signature: string }) {
  const r = await s.app.inject({ method: 'POST', url: '/v1/auth/verify', headers: { host }, payload: body });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> & { error?: { code: string } } };
}

test('a signature made for a phishing site is refused, whatever Host header the request carries', async () => {
  const w = Wallet.createRandom() as unknown as Wallet;
  const m = await message(w, { domain: 'mapmint-rewards.example', uri: 'https://mapmint-rewards.example/' });
  const r = await verifyWithHost('mapmint-rewards.example', { message: m, signature: await w.signMessage(m) });
  assert.equal(r.status, 401, JSON.stringify(r.body));
  assert.equal(r.body.error?.code, 'siwe_wrong_domain');
});

test('a spoofed Host header does not change what a genuine message must name', async () => {
  const w = Wallet.createRandom() as unknown as Wallet;
  const m = await message(w);
  const r = await verifyWithHost('evil.example', { message: m, signature: await w.signMessage(m) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

test('a message whose URI is on another origin is refused', async () => {
  const w = Wallet.createRandom() as unknown as Wallet;
  const m = await message(w, { uri: 'https://evil.example/login' });
  const r = await post('/v1/auth/verify', { message: m, signature: await w.signMessage(m) });
  assert.equal(r.status, 401, JSON.stringify(r.body));
  assert.equal(r.body.error?.code, 'siwe_wrong_uri');
});

test('a message for another chain is refused, and the nonce names the chain to use', async () => {
  const { body } = await post('/v1/auth/nonce', {});
  assert.equal(body.chainId, 1);
  const w = Wallet.createRandom() as unknown as Wallet;
  const m = await message(w, { chainId: 5 });
  const r = await post('/v1/auth/verify', { message: m, signature: await w.signMessage(m) });
  assert.equal(r.status, 401, JSON.stringify(r.body));
  assert.equal(r.body.error?.code, 'siwe_wrong_chain');
});

async function signedIn(w: Wallet): Promise<{ token: string; expiresAt: string; nonce: string }> {
  const m = await message(w);
  const r = await post('/v1/auth/verify', { message: m, signature: await w.signMessage(m) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { token: r.body.token as string, expiresAt: r.body.expiresAt as string, nonce: /Nonce: (\S+)/.exec(m)![1]! };
}

const me = (token: string) => fetch(`${s.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

test('tokens live 12 hours and the used nonce is deleted at sign-in', async () => {
  const w = Wallet.createRandom() as unknown as Wallet;
  const { expiresAt, nonce } = await signedIn(w);
  const hours = (Date.parse(expiresAt) - Date.now()) / 3600_000;
  assert.ok(hours > 11 && hours <= 12, `token lifetime ${hours} h`);
  const left = await s.db.sql`select 1 from auth_nonces where nonce = ${nonce}`;
  assert.equal(left.length, 0, 'the used nonce row is gone');
});

test('expired nonces and sessions are swept when a nonce is issued', async () => {
  const [c] = await s.db.sql<{ id: string }[]>`
    insert into contributors (address) values (${Wallet.createRandom().address}) returning id`;
  await s.db.sql`insert into auth_nonces (nonce, expires_at) values ('expiredNonce0001', now() - interval '1 hour')`;
  await s.db.sql`insert into sessions (token_hash, contributor_id, expires_at)
                 values ('expired-session-hash', ${c!.id}, now() - interval '1 hour')`;
  await post('/v1/auth/nonce', {});
  assert.equal((await s.db.sql`select 1 from auth_nonces where nonce = 'expiredNonce0001'`).length, 0);
  assert.equal((await s.db.sql`select 1 from sessions where token_hash = 'expired-session-hash'`).length, 0);
});

test('logout revokes the current token only', async () => {
  const w = Wallet.createRandom() as unknown as Wallet;
  const a = await signedIn(w);
  const b = await signedIn(w);
  const out = await fetch(`${s.baseUrl}/v1/auth/logout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${a.token}` },
  });
  assert.equal(out.status, 204);
  assert.equal((await me(a.token)).status, 401);
  assert.equal((await me(b.token)).status, 200);
});

test('revoking all sessions signs the contributor out everywhere', async () => {
  const w = Wallet.createRandom() as unknown as Wallet;
  const a = await signedIn(w);
  const b = await signedIn(w);
  const other = await signedIn(Wallet.createRandom() as unknown as Wallet);
  const out = await fetch(`${s.baseUrl}/v1/auth/sessions`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${a.token}` },
  });
  assert.equal(out.status, 200);
  assert.deepEqual(await out.json(), { revoked: 2 });
  assert.equal((await me(a.token)).status, 401);
  assert.equal((await me(b.token)).status, 401);
  assert.equal((await me(other.token)).status, 200, "another contributor's session is untouched");
});
