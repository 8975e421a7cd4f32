import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COCO_LABELS, mapModelClass, normaliseClassName, TAXONOMY } from '../../vision/index.ts';

test('the COCO classes mapmint cares about map to their map-feature classes', () => {
  const expected: Record<string, string> = {
    'stop sign': 'regulatory--stop',
    'traffic light': 'traffic-light',
    'fire hydrant': 'fire-hydrant',
    'parking meter': 'parking-meter',
    bench: 'bench',
    person: 'object--person',
    car: 'object--vehicle--car',
    bus: 'object--vehicle--bus',
    truck: 'object--vehicle--truck',
    bicycle: 'object--vehicle--bicycle',
    motorcycle: 'object--vehicle--motorcycle',
  };
  const mapped = Object.fromEntries(
    COCO_LABELS.flatMap((l) => {
      const e = mapModelClass(l);
      return e ? [[l, e.feature]] : [];
    }),
  );
  assert.deepEqual(mapped, expected);
});

test('every taxonomy key is a COCO class (no dead rows for the default model)', () => {
  for (const key of Object.keys(TAXONOMY)) assert.ok(COCO_LABELS.includes(key), key);
  assert.equal(COCO_LABELS.length, 80);
});

test('spelling variants from other label files map the same; unknown classes do not map', () => {
  assert.equal(mapModelClass('Stop_Sign')?.feature, 'regulatory--stop');
  assert.equal(mapModelClass(' traffic-light ')?.feature, 'traffic-light');
  assert.equal(normaliseClassName('Fire__Hydrant'), 'fire hydrant');
  assert.equal(mapModelClass('giraffe'), undefined);
  assert.equal(mapModelClass('stop'), undefined);
});

test('privacy flags: persons and motor vehicles are blurred, signs are not', () => {
  assert.equal(mapModelClass('person')?.privacy, true);
  assert.equal(mapModelClass('car')?.privacy, true);
  assert.equal(mapModelClass('stop sign')?.privacy, false);
  assert.equal(mapModelClass('stop sign')?.role, 'map-feature');
  assert.equal(mapModelClass('bus')?.role, 'context');
});
