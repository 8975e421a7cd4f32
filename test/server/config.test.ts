import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverConfigFromEnv } from '../../server/index.ts';

test('serving beyond loopback without MAPMINT_PUBLIC_URL is a startup error that names the variable', () => {
  const saved = process.env.MAPMINT_PUBLIC_URL;
  delete process.env.MAPMINT_PUBLIC_URL;
  try {
    assert.throws(() => serverConfigFromEnv({ host: '0.0.0.0' }), /MAPMINT_PUBLIC_URL/);
    assert.doesNotThrow(() => serverConfigFromEnv({ host: '127.0.0.1' }));
    process.env.MAPMINT_PUBLIC_URL = 'https://map.example.org/';
    const c = serverConfigFromEnv({ host: '0.0.0.0' });
    assert.equal(c.publicUrl, 'https://map.example.org');
    process.env.MAPMINT_PUBLIC_URL = 'map.example.org';
    assert.throws(() => serverConfigFromEnv({ host: '0.0.0.0' }), /MAPMINT_PUBLIC_URL/);
  } finally {
    if (saved === undefined) delete process.env.MAPMINT_PUBLIC_URL;
    else process.env.MAPMINT_PUBLIC_URL = saved;
  }
});
