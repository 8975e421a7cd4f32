import type { VoteResult } from '../api/index.ts';
import type { ReviewDecision, ReviewItemKind, ReviewStatus } from '../core/index.ts';
import { invalid, MapmintError } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import { applyFeatureReview } from '../fusion/index.ts';
import type { RewardConfig } from '../rewards/index.ts';
import { isReviewClass } from './classes.ts';
import type { ReviewConfig } from './config.ts';
import { bookReviewCredits } from './credit.ts';
import { isSenior, type Reviewer, requireReviewer } from './roles.ts';
import { agrees, settle, type VoteLabel } from './settle.ts';

/** A vote as a reviewer sends it. */
export interface VoteInput {
  decision: ReviewDecision;
  /** Relabel only: the new class (from the review classes). */
  class?: string;
  /** Relabel only: the new value (null or absent: none). */
  value?: string | null;
}

export type { VoteResult };

const forbidden = (code: string, message: string) => new MapmintError('forbidden', code, message);
const conflict = (code: string, message: string) => new MapmintError('conflict', code, message);

/** Checks a vote's shape (the HTTP schema checks types; this checks meaning). */
export function validateVote(v: VoteInput): void {
  if (v.decision === 'relabel') {
    if (!v.class) throw invalid('class_required', 'a relabel needs `class`, one of the review classes');
    if (!isReviewClass(v.class))
      throw invalid('unknown_class', `${JSON.stringify(v.class)} is not a review class: see \`classes\` in the queue`);
  } else if (v.class !== undefined || (v.value !== undefined && v.value !== null)) {
    throw invalid('label_not_allowed', `\`class\` and \`value\` are only for relabel, not ${v.decision}`);
  }
}

/** The item's current label and whether any of its supporting uploads belongs to the reviewer; undefined if none. */
async function loadItem(
  tx: Sql,
  kind: ReviewItemKind,
  id: number,
  me: string,
): Promise<{ class: string; value: string | null; own: boolean } | undefined> {
  // One read inside the vote's transaction, joining the item's table with the uploads behind it (the db/README.md
  // exception): the own-capture check must see the same snapshot as the vote it guards.
  const [row] =
    kind === 'feature'
      ? await tx<{ class: string; value: string | null; own: boolean }[]>`
          select f.class, f.value, exists(select 1 from feature_observations fo join uploads u on u.id = fo.upload_id
            where fo.feature_id = f.id and u.contributor_id = ${me}) as own
          from map_features f where f.id = ${id}`
      : await tx<{ class: string; value: string | null; own: boolean }[]>`
          select d.class, d.value, u.contributor_id = ${me} as own
          from detections d join frames fr on fr.id = d.frame_id join uploads u on u.id = fr.upload_id
          where d.id = ${id}`;
  return row;
}

/**
 * Casts a reviewer's vote in one transaction: checks role, item, own capture, state; records the vote; settles or
 * escalates; applies a settled feature's outcome to fusion (status or label, version row, dirty tile area); books a
 * credit for every vote that agrees with the outcome in the epoch open now. Concurrent votes on one item queue on
 * the item's review_outcomes row lock, so each sees the others' votes and an item settles exactly once.
 */
export async function castVote(
  sql: Sql,
  who: Reviewer,
  item: { kind: ReviewItemKind; id: number },
  input: VoteInput,
  cfg: { review: ReviewConfig; rewards: RewardConfig },
): Promise<VoteResult> {
  requireReviewer(who.roles);
  validateVote(input);
  const senior = isSenior(who.roles);
  const me = who.contributorId;
  return (await sql.begin(async (t) => {
    const tx = t as unknown as Sql;
    const it = await loadItem(tx, item.kind, item.id, me);
    if (!it) throw new MapmintError('not_found', 'not_found', `no ${item.kind} ${item.id}`);
    if (it.own)
      throw forbidden(
        'own_capture',
        `${item.kind} ${item.id} comes from your own uploads: others review your captures`,
      );
    const before = await lockOutcome(tx, item, senior);
    const vote = voteLabel(input, it, item);
    const { mineId, votes } = await recordVote(tx, item, { me, vote, senior });
    const next = settle(votes, before, { quorum: cfg.review.quorum, lastIsSenior: senior });
    if (next.outcome) await applyOutcome(tx, item, { out: next.outcome, votes, mineId }, cfg);
    else if (next.status !== before) {
      await tx`update review_outcomes set status = ${next.status} where item_kind = ${item.kind} and item_id = ${item.id}`;
    }
    return {
      item: { kind: item.kind, id: item.id },
      vote,
      settled: next.outcome !== null,
      outcome: next.outcome,
      escalated: next.status === 'escalated',
    };
  })) as VoteResult;
}

type ItemRef = { kind: ReviewItemKind; id: number };
type CastVote = VoteLabel & { id: number; reviewerId: string; senior: boolean };

/**
 * Locks the item's review_outcomes row (creating it on the first vote), so concurrent votes on one item queue here;
 * returns its status, refusing a settled item, and an escalated one to a non-senior.
 */
async function lockOutcome(tx: Sql, item: ItemRef, senior: boolean): Promise<Exclude<ReviewStatus, 'settled'>> {
  await tx`insert into review_outcomes (item_kind, item_id) values (${item.kind}, ${item.id}) on conflict do nothing`;
  const [o] = await tx<{ status: ReviewStatus }[]>`
      select status from review_outcomes where item_kind = ${item.kind} and item_id = ${item.id} for update`;
  const before = o!.status;
  if (before === 'settled') throw conflict('settled', `${item.kind} ${item.id} is already settled`);
  if (before === 'escalated' && !senior)
    throw forbidden('senior_required', `reviewers disagreed on ${item.kind} ${item.id}: a senior reviewer settles it`);
  return before;
}

/** The vote as a label: a confirm or reject keeps the item's class and value; a relabel must change one of them. */
function voteLabel(input: VoteInput, it: { class: string; value: string | null }, item: ItemRef): VoteLabel {
  const vote: VoteLabel =
    input.decision === 'relabel'
      ? { decision: 'relabel', class: input.class as string, value: input.value ?? null }
      : { decision: input.decision, class: it.class, value: it.value };
  if (vote.decision === 'relabel' && vote.class === it.class && vote.value === it.value)
    throw invalid('relabel_unchanged', `${item.kind} ${item.id} already has that class and value: confirm it instead`);
  return vote;
}

/** Records the vote (once per reviewer and item) and returns it with every vote on the item, oldest first. */
async function recordVote(
  tx: Sql,
  item: ItemRef,
  v: { me: string; vote: VoteLabel; senior: boolean },
): Promise<{ mineId: number; votes: CastVote[] }> {
  const [mine] = await tx<{ id: number }[]>`
      insert into reviews (item_kind, item_id, reviewer_id, decision, class, value, senior)
      values (${item.kind}, ${item.id}, ${v.me}, ${v.vote.decision}, ${v.vote.class}, ${v.vote.value}, ${v.senior})
      on conflict do nothing returning id::float8 as id`;
  if (!mine) throw conflict('already_voted', `you already voted on ${item.kind} ${item.id}`);
  const votes = await tx<CastVote[]>`
      select id::float8 as id, reviewer_id as "reviewerId", decision, class, value, senior from reviews
      where item_kind = ${item.kind} and item_id = ${item.id} order by id`;
  return { mineId: mine.id, votes };
}

/** Settles the item: the outcome row, a feature's new status or label in fusion, and credits for agreeing votes. */
async function applyOutcome(
  tx: Sql,
  item: ItemRef,
  s: { out: NonNullable<ReturnType<typeof settle>['outcome']>; votes: CastVote[]; mineId: number },
  cfg: { review: ReviewConfig; rewards: RewardConfig },
): Promise<void> {
  const { out } = s;
  await tx`update review_outcomes set status = 'settled', decision = ${out.decision}, class = ${out.class},
                 value = ${out.value}, settled_by = ${out.by}, settled_at = now()
               where item_kind = ${item.kind} and item_id = ${item.id}`;
  const agreeing = s.votes.filter((v) => agrees(v, out));
  if (item.kind === 'feature') {
    await applyFeatureReview(tx, item.id, {
      decision: out.decision,
      ...(out.decision === 'relabel' ? { class: out.class, value: out.value } : {}),
      votes: agreeing.length,
    });
  }
  await bookReviewCredits(
    tx,
    agreeing.map((v) => ({
      reviewId: v.id,
      contributorId: v.reviewerId,
      settledEscalation: v.id === s.mineId && out.by === 'senior',
    })),
    cfg,
  );
}
