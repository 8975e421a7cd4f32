import type { Outcome, VoteLabel } from '../api/index.ts';
import type { ReviewStatus } from '../core/index.ts';

export type { Outcome, VoteLabel };

/** Two votes agree when they decide the same; relabels must also name the same class and value. */
export function agrees(a: VoteLabel, b: VoteLabel): boolean {
  if (a.decision !== b.decision) return false;
  return a.decision !== 'relabel' || (a.class === b.class && a.value === b.value);
}

/**
 * The state after a vote, from every vote on the item (oldest first, the new one last) and the state before it:
 * on an escalated item a senior's vote settles; otherwise any disagreement escalates, and `quorum` votes that all
 * agree settle. A senior's vote on an item that is not escalated counts like any other.
 */
export function settle(
  votes: readonly VoteLabel[],
  before: Exclude<ReviewStatus, 'settled'>,
  opts: { quorum: number; lastIsSenior: boolean },
): { status: ReviewStatus; outcome: Outcome | null } {
  const last = votes.at(-1);
  if (!last) return { status: before, outcome: null };
  if (before === 'escalated') {
    if (!opts.lastIsSenior) return { status: 'escalated', outcome: null };
    return { status: 'settled', outcome: { ...label(last), by: 'senior' } };
  }
  const first = votes[0] as VoteLabel;
  if (votes.some((v) => !agrees(v, first))) return { status: 'escalated', outcome: null };
  if (votes.length >= opts.quorum) return { status: 'settled', outcome: { ...label(first), by: 'agreement' } };
  return { status: 'open', outcome: null };
}

function label(v: VoteLabel): VoteLabel {
  return { decision: v.decision, class: v.class, value: v.value };
}
