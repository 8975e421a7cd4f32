import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { iou, nms } from '../../vision/index.ts';

const box = fc
  .record({
    x: fc.integer({ min: 0, max: 200 }),
    y: fc.integer({ min: 0, max: 200 }),
    w: fc.integer({ min: 1, max: 80 }),
    h: fc.integer({ min: 1, max: 80 }),
  })
  .map(({ x, y, w, h }) => ({ x1: x, y1: y, x2: x + w, y2: y + h }));
const cand = fc.record({
  box,
  score: fc.double({ min: 0, max: 1, noNaN: true }),
  classId: fc.integer({ min: 0, max: 2 }),
});
const cands = fc.array(cand, { maxLength: 40 });
const thr = fc.double({ min: 0.05, max: 0.95, noNaN: true });

test('iou is symmetric, within [0, 1], and 1 for a box with itself', () => {
  fc.assert(
    fc.property(box, box, (a, b) => {
      const v = iou(a, b);
      assert.ok(v >= 0 && v <= 1);
      assert.equal(v, iou(b, a));
      assert.equal(iou(a, a), 1);
    }),
  );
});

test('nms keeps a score-ordered subset with no same-class pair above the threshold', () => {
  fc.assert(
    fc.property(cands, thr, (items, t) => {
      const kept = nms(items, { iouThreshold: t });
      for (const k of kept) assert.ok(items.includes(k));
      for (let i = 1; i < kept.length; i++) assert.ok(kept[i - 1]!.score >= kept[i]!.score);
      for (const a of kept)
        for (const b of kept) if (a !== b && a.classId === b.classId) assert.ok(iou(a.box, b.box) <= t);
    }),
  );
});

test('every dropped box is explained by a kept, at-least-as-good, same-class box overlapping it', () => {
  fc.assert(
    fc.property(cands, thr, (items, t) => {
      const kept = nms(items, { iouThreshold: t });
      for (const d of items.filter((x) => !kept.includes(x))) {
        assert.ok(kept.some((k) => k.classId === d.classId && k.score >= d.score && iou(k.box, d.box) > t));
      }
    }),
  );
});

test('nms is idempotent and class-aware NMS equals per-class NMS merged', () => {
  fc.assert(
    fc.property(cands, thr, (items, t) => {
      const once = nms(items, { iouThreshold: t });
      assert.deepEqual(nms(once, { iouThreshold: t }), once);
      const perClass = [0, 1, 2].flatMap((c) =>
        nms(
          items.filter((x) => x.classId === c),
          { iouThreshold: t },
        ),
      );
      assert.deepEqual(new Set(once), new Set(perClass));
    }),
  );
});

test('class-agnostic mode suppresses across classes; maxDetections caps the output', () => {
  const a = { box: { x1: 0, y1: 0, x2: 10, y2: 10 }, score: 0.9, classId: 0 };
  const b = { box: { x1: 1, y1: 0, x2: 11, y2: 10 }, score: 0.8, classId: 1 };
  assert.deepEqual(nms([b, a], { iouThreshold: 0.5 }), [a, b]);
  assert.deepEqual(nms([b, a], { iouThreshold: 0.5, classAware: false }), [a]);
  fc.assert(
    fc.property(cands, fc.integer({ min: 0, max: 5 }), (items, max) => {
      assert.ok(nms(items, { iouThreshold: 0.5, maxDetections: max }).length <= max);
    }),
  );
});
