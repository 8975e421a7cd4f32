import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { startTestServer } from '../support/server.ts';

/** Statuses of `n` GETs of `path`, each with the headers `headers(i)` gives. */
async function statuses(baseUrl: string, path: string, n: number, headers: (i: number) => Record<string, string>) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await fetch(baseUrl + path, { headers: headers(i) })).status);
  return out;
}

test('random bearer tokens share the caller IP bucket', async () => {
  const s = await startTestServer({ rateLimitPerMinute: 5 });
  try {
    const got = await statuses(s.baseUrl, '/healthz', 8, () => ({
      authorization: `Bearer ${randomBytes(32).toString('base64url')}`,
    }));
    assert.deepEqual(got.slice(0, 5), [200, 200, 200, 200, 200]);
    assert.deepEqual(got.slice(5), [429, 429, 429], got.join(','));
  } finally {
    await s.close();
  }
});

test('X-Forwarded-For is ignored unless trustProxy is configured', async () => {
  const direct = await startTestServer({ rateLimitPerMinute: 5 });
  try {
    const got = await statuses(direct.baseUrl, '/healthz', 8, (i) => ({ 'x-forwarded-for': `198.51.100.${i + 1}` }));
    assert.deepEqual(got.slice(5), [429, 429, 429], `spoofed client addresses got fresh buckets: ${got.join(',')}`);
  } finally {
    await direct.close();
  }
  const proxied = await startTestServer({ rateLimitPerMinute: 5, trustProxy: true });
  try {
    const got = await statuses(proxied.baseUrl, '/healthz', 8, (i) => ({ 'x-forwarded-for': `198.51.100.${i + 1}` }));
    assert.ok(
      got.every((x) => x === 200),
      `behind a trusted proxy each client has its own bucket: ${got.join(',')}`,
    );
  } finally {
    await proxied.close();
  }
});

test('expensive public routes have their own smaller bucket', async () => {
  const s = await startTestServer({ rateLimitPerMinute: 100, expensiveRateLimitPerMinute: 3 });
  try {
    const got = await statuses(s.baseUrl, '/v1/coverage?bbox=13.3,52.5,13.4,52.6', 5, () => ({}));
    assert.deepEqual(got, [200, 200, 200, 429, 429]);
    const crops = await statuses(s.baseUrl, '/v1/detections/1/crop', 5, () => ({}));
    assert.deepEqual(crops, [404, 404, 404, 429, 429], 'crops are limited too, in a bucket of their own');
    assert.equal((await fetch(`${s.baseUrl}/healthz`)).status, 200, 'the general bucket is not spent');
  } finally {
    await s.close();
  }
});

test('the default limit is a few hundred requests a minute, not thousands', async () => {
  const { serverConfigFromEnv } = await import('../../server/index.ts');
  const c = serverConfigFromEnv();
  assert.ok(c.rateLimitPerMinute <= 600, `default ${c.rateLimitPerMinute}`);
});
