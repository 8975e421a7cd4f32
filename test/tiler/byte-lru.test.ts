import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteLru } from '../../tiler/byte-lru.ts';

const bytes = (n: number) => Buffer.alloc(n);

test('the LRU keeps at most maxBytes, evicting the least recently used first', () => {
  const lru = new ByteLru<string, Buffer>(10, (b) => b.length);
  lru.set('a', bytes(4));
  lru.set('b', bytes(4));
  assert.ok(lru.get('a')); // a is now the most recently used
  lru.set('c', bytes(4)); // 12 > 10: b goes
  assert.equal(lru.get('b'), undefined);
  assert.ok(lru.get('a') && lru.get('c'));
  assert.equal(lru.bytes, 8);
  lru.set('a', bytes(2)); // replacing a value recounts it
  assert.equal(lru.bytes, 6);
  lru.set('huge', bytes(11)); // larger than the whole budget: not kept, nothing evicted
  assert.equal(lru.get('huge'), undefined);
  assert.equal(lru.bytes, 6);
});

test('a value that grows after it was stored is counted, and evictions follow', () => {
  const held = new Map<string, number>([
    ['a', 3],
    ['b', 3],
  ]);
  const lru = new ByteLru<string, string>(8, (k) => held.get(k)!);
  lru.set('a', 'a');
  lru.set('b', 'b');
  held.set('b', 6);
  lru.grew('b', 3); // 3 + 6 > 8: a, the least recently used, goes
  assert.equal(lru.get('a'), undefined);
  assert.equal(lru.get('b'), 'b');
  assert.equal(lru.bytes, 6);
  held.set('b', 9);
  lru.grew('b', 3); // no longer fits at all
  assert.equal(lru.get('b'), undefined);
  assert.equal(lru.bytes, 0);
});
