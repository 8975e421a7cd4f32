import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agrees, settle, type VoteLabel } from '../../review/index.ts';

const confirm: VoteLabel = { decision: 'confirm', class: 'regulatory--stop', value: null };
const reject: VoteLabel = { decision: 'reject', class: 'regulatory--stop', value: null };
const relabel = (cls: string, value: string | null = null): VoteLabel => ({ decision: 'relabel', class: cls, value });

test('agreement: same decision; relabels also need the same class and value', () => {
  assert.equal(agrees(confirm, { ...confirm }), true);
  assert.equal(agrees(confirm, reject), false);
  assert.equal(agrees(relabel('speed-limit', '50'), relabel('speed-limit', '50')), true);
  assert.equal(agrees(relabel('speed-limit', '50'), relabel('speed-limit', '30')), false);
  assert.equal(agrees(relabel('speed-limit', null), relabel('traffic-light', null)), false);
});

test('quorum of agreeing votes settles by agreement; fewer stay open', () => {
  assert.deepEqual(settle([confirm], 'open', { quorum: 2, lastIsSenior: false }), { status: 'open', outcome: null });
  assert.deepEqual(settle([confirm, confirm], 'open', { quorum: 2, lastIsSenior: false }), {
    status: 'settled',
    outcome: { ...confirm, by: 'agreement' },
  });
  assert.equal(settle([confirm, confirm], 'open', { quorum: 3, lastIsSenior: false }).status, 'open');
  assert.deepEqual(settle([reject], 'open', { quorum: 1, lastIsSenior: false }).outcome, {
    ...reject,
    by: 'agreement',
  });
});

test('a disagreement escalates; a senior vote on an open item counts like any other', () => {
  assert.deepEqual(settle([confirm, reject], 'open', { quorum: 2, lastIsSenior: true }), {
    status: 'escalated',
    outcome: null,
  });
  assert.equal(
    settle([relabel('speed-limit', '50'), relabel('speed-limit', '30')], 'open', { quorum: 2, lastIsSenior: false })
      .status,
    'escalated',
  );
  assert.equal(settle([confirm], 'open', { quorum: 2, lastIsSenior: true }).status, 'open');
});

test('on an escalated item only a senior vote settles, with that vote', () => {
  assert.deepEqual(settle([confirm, reject, confirm], 'escalated', { quorum: 2, lastIsSenior: false }), {
    status: 'escalated',
    outcome: null,
  });
  assert.deepEqual(
    settle([confirm, reject, relabel('traffic-light')], 'escalated', { quorum: 2, lastIsSenior: true }),
    {
      status: 'settled',
      outcome: { ...relabel('traffic-light'), by: 'senior' },
    },
  );
});
