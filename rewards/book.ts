import type { StageContext } from '../queue/index.ts';
import { finishStep, runStep } from '../uploads/index.ts';
import type { RewardConfig } from './config.ts';
import { openEpochForBooking } from './epochs.ts';

const DAY_MS = 86_400_000;

/** One covered piece as booking sees it. */
interface Candidate {
  segment_id: string;
  covered_at: Date;
  length_m: number;
  class: string;
  /** The latest counted coverage of this piece by any other accepted upload, or null. */
  last_other: Date | null;
}

/** Why a piece earns or not: `first_coverage`, `refresh`, or null (covered recently by someone else). */
export function noveltyRule(
  c: Pick<Candidate, 'covered_at' | 'class' | 'last_other'>,
  cfg: RewardConfig,
): 'first_coverage' | 'refresh' | null {
  if (!c.last_other) return 'first_coverage';
  const days = cfg.freshnessDays[c.class] ?? cfg.freshnessDays.default ?? 30;
  return c.last_other.getTime() < c.covered_at.getTime() - days * DAY_MS ? 'refresh' : null;
}

/** base x length x factor in integer base units; the factor is kept to 1e-9. */
export function rewardWei(baseWeiPerKm: bigint, lengthM: number, factor: number): { base: bigint; amount: bigint } {
  const mm = BigInt(Math.round(lengthM * 1000));
  const base = (baseWeiPerKm * mm) / 1_000_000n;
  return { base, amount: (base * BigInt(Math.round(factor * 1e9))) / 1_000_000_000n };
}

/**
 * Job `rewards.book`: books the upload's novel road pieces in the ledger of the open epoch. Only uploads that passed
 * validation earn. A piece is novel if nobody's accepted coverage of it exists (`first_coverage`) or the latest is
 * older than the class's freshness window (`refresh`). Amount = base per km x length x rule x class demand x frame
 * quality x contributor reputation, every factor written into the entry. Two uploads of the same novel piece in one
 * epoch: the first booked wins (a unique index decides, race-free); booking the same upload again adds nothing.
 */
export async function bookUpload(ctx: StageContext, uploadId: string, cfg: RewardConfig, jobId?: string) {
  return runStep(ctx.sql, { uploadId, step: 'rewards.book', jobId }, async (tx) => {
    const [u] = await tx<{ status: string; verdict: string | null; contributor_id: string; reputation: number }[]>`
      select u.status, u.validation->>'verdict' as verdict, u.contributor_id, c.reputation
      from uploads u join contributors c on c.id = u.contributor_id where u.id = ${uploadId}`;
    if (!u || u.status === 'quarantined' || !u.verdict?.startsWith('accepted')) {
      return { booked: 0, amountWei: '0', reason: 'upload did not pass validation' };
    }
    const [m] = await tx<{ matched_m: number; frames: number }[]>`
      select coalesce((select sum(length_m) from upload_matches where upload_id = ${uploadId}), 0)::float8 as matched_m,
             (select count(*) from frames where upload_id = ${uploadId})::int as frames`;
    const matched = m?.matched_m ?? 0;
    const quality =
      matched > 0 ? Math.min(1, Math.max(cfg.minQuality, (m?.frames ?? 0) / (matched * cfg.expectedFramesPerM))) : 0;
    const candidates = await tx<Candidate[]>`
      select c.segment_id, c.covered_at, s.length_m, s.class,
        (select max(o.covered_at) from coverage o join uploads ou on ou.id = o.upload_id
          where o.segment_id = c.segment_id and o.upload_id <> c.upload_id and o.counted and ou.status <> 'quarantined') as last_other
      from coverage c join road_segments s on s.id = c.segment_id
      where c.upload_id = ${uploadId} and c.counted order by c.covered_at, c.segment_id`;
    const epochId = await openEpochForBooking(tx, new Date(), cfg);
    const reputation = Math.min(1, Math.max(0, u.reputation));
    const rows = [];
    for (const c of candidates) {
      const rule = noveltyRule(c, cfg);
      if (!rule) continue;
      const multipliers = {
        rule: rule === 'refresh' ? cfg.refreshMultiplier : 1,
        demand: cfg.classDemand[c.class] ?? cfg.classDemand.default ?? 1,
        quality: Number(quality.toFixed(4)),
        reputation: Number(reputation.toFixed(4)),
      };
      const factor = multipliers.rule * multipliers.demand * multipliers.quality * multipliers.reputation;
      const { base, amount } = rewardWei(cfg.baseWeiPerKm, c.length_m, factor);
      rows.push({
        epoch_id: epochId,
        contributor_id: u.contributor_id,
        kind: 'coverage',
        upload_id: uploadId,
        segment_id: c.segment_id,
        rule,
        base_amount: base.toString(),
        multipliers: tx.json(multipliers),
        amount: amount.toString(),
      });
    }
    let booked = 0;
    let total = 0n;
    for (let i = 0; i < rows.length; i += 500) {
      const inserted = await tx<{ amount: string }[]>`
        insert into ledger_entries ${tx(rows.slice(i, i + 500))} on conflict do nothing returning amount::text`;
      booked += inserted.length;
      for (const r of inserted) total += BigInt(r.amount);
    }
    // Novelty changed the coverage layer's `novel` flags: the tiles follow.
    await finishStep(tx, ctx.queue, 'rewards.book', uploadId);
    return { booked, amountWei: total.toString(), epoch: epochId, candidates: candidates.length };
  });
}
