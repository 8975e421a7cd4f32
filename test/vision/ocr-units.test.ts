import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ctcAlphabet,
  ctcGreedy,
  dbBoxes,
  normalisePlate,
  parseSpeedLimit,
  parseStreetName,
} from '../../vision/index.ts';

test('DB post-processing finds each blob, scores it and unclips by A*r/L', () => {
  const w = 40;
  const h = 20;
  const prob = new Float32Array(w * h);
  for (let y = 5; y < 9; y++) for (let x = 4; x < 16; x++) prob[y * w + x] = 0.9; // 12 x 4 text kernel
  for (let y = 12; y < 14; y++) for (let x = 30; x < 32; x++) prob[y * w + x] = 0.9; // 2 x 2: below minSize
  for (let y = 14; y < 18; y++) for (let x = 20; x < 28; x++) prob[y * w + x] = 0.4; // above thresh, low score
  const boxes = dbBoxes(prob, w, h);
  assert.equal(boxes.length, 1);
  const d = (12 * 4 * 1.5) / (2 * 16);
  assert.deepEqual(boxes[0]!.box, { x1: 4 - d, y1: 5 - d, x2: 16 + d, y2: 9 + d });
  assert.ok(Math.abs(boxes[0]!.score - 0.9) < 1e-6);
});

test('greedy CTC merges repeats, drops blanks and keeps doubled letters split by a blank', () => {
  const chars = ctcAlphabet('a\nb\n');
  assert.deepEqual(chars, ['', 'a', 'b', ' ']);
  const seq = [1, 1, 0, 1, 2, 2, 0, 3, 2]; // a a _ a b b _ ' ' b -> "aab b"
  const probs = new Float32Array(seq.length * 4);
  for (const [t, c] of seq.entries()) probs[t * 4 + c] = 0.9;
  assert.equal(ctcGreedy(probs, seq.length, 4, chars).text, 'aab b');
});

test('sign and plate text parsing', () => {
  assert.equal(parseSpeedLimit('40'), '40');
  assert.equal(parseSpeedLimit(' 110 '), '110');
  assert.equal(parseSpeedLimit('43'), undefined);
  assert.equal(parseSpeedLimit('STOP'), undefined);
  assert.equal(parseSpeedLimit('4000'), undefined);
  assert.equal(parseStreetName('SE MORRISON St'), 'SE MORRISON St');
  assert.equal(parseStreetName('STOP'), undefined);
  assert.equal(normalisePlate('DR·68651'), 'DR68651');
});
