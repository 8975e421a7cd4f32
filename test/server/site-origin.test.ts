import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import Fastify from 'fastify';
import { serverConfigFromEnv } from '../../server/index.ts';
import { siteOf } from '../../server/site-origin.ts';

test('the site origin comes from the configuration; a Host header can only pick among our own names', async () => {
  const configured = siteOf(Fastify(), serverConfigFromEnv({ publicUrl: 'https://map.example.org' }));
  assert.deepEqual(configured.origins(), ['https://map.example.org']);
  assert.equal(configured.originFor('evil.example'), 'https://map.example.org');

  const app = Fastify();
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const port = (app.server.address() as AddressInfo).port;
    const local = siteOf(app, serverConfigFromEnv({ publicUrl: undefined, host: '127.0.0.1' }));
    assert.ok(local.origins().includes(`http://127.0.0.1:${port}`));
    assert.equal(local.originFor(`localhost:${port}`), `http://localhost:${port}`);
    assert.equal(local.originFor('evil.example'), `http://127.0.0.1:${port}`);
  } finally {
    await app.close();
  }
});
