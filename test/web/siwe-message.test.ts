import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Wallet } from 'ethers';
import fc from 'fast-check';
import { SiweMessage as Reference } from 'siwe';
import { SiweMessage } from '../../web/src/siwe-message.ts';

// The browser bundle formats sign-in messages with web/src/siwe-message.ts; the server parses them with `siwe`.
const iso = fc
  .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString());
const fields = fc.record(
  {
    domain: fc.constantFrom('localhost:8787', 'map.example.org', '127.0.0.1:45123'),
    address: fc.constant(Wallet.createRandom().address),
    statement: fc.stringMatching(/^[A-Za-z0-9 .,!?'-]{1,60}$/),
    uri: fc.constantFrom('http://localhost:8787', 'https://map.example.org'),
    version: fc.constant('1'),
    chainId: fc.integer({ min: 1, max: 2 ** 31 }),
    nonce: fc.stringMatching(/^[A-Za-z0-9]{8,24}$/),
    issuedAt: iso,
    expirationTime: iso,
    notBefore: iso,
    requestId: fc.stringMatching(/^[A-Za-z0-9]{1,12}$/),
    resources: fc.array(fc.constantFrom('https://a.example/x', 'ipfs://bafy'), { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: ['domain', 'address', 'uri', 'version', 'chainId', 'nonce', 'issuedAt'] },
);

test('the browser SIWE formatter writes exactly what siwe writes, and siwe parses it back', () => {
  fc.assert(
    fc.property(fields, (f) => {
      const mine = new SiweMessage(f).prepareMessage();
      assert.equal(mine, new Reference(f).prepareMessage());
      const parsed = new Reference(mine);
      assert.equal(parsed.address, f.address);
      assert.equal(parsed.nonce, f.nonce);
      assert.equal(parsed.statement, f.statement);
    }),
    { numRuns: 50 },
  );
});
