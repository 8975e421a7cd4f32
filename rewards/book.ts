import type { StageContext } from '../queue/index.ts';
import { type CoveredPiece, coveredPieces } from '../roads/index.ts';
import { finishStep, runStep, uploadOwner } from '../uploads/index.ts';
import type { RewardConfig } from './config.ts';
import { openEpochForBooking } from './epochs.ts';
import { insertLedgerEntries, type LedgerInsert } from './ledger.ts';

const DAY_MS = 86_400_000;

/** Why a piece earns or not: `first_coverage`, `refresh`, or null (covered recently by someone else). */
export function noveltyRule(
  c: Pick<CoveredPiece, 'coveredAt' | 'class' | 'lastOther'>,
  cfg: RewardConfig,
): 'first_coverage' | 'refresh' | null {
  if (!c.lastOther) return 'first_coverage';
  const days = cfg.freshnessDays[c.class] ?? cfg.freshnessDays.default ?? 30;
  return c.lastOther.getTime() < c.coveredAt.getTime() - days * DAY_MS ? 'refresh' : null;
}

/** base x length x factor in integer base units; the factor is kept to 1e-9. */
export function rewardWei(baseWeiPerKm: bigint, lengthM: number, factor: number): { base: bigint; amount: bigint } {
  const mm = BigInt(Math.round(lengthM * 1000));
  const base = (baseWeiPerKm * mm) / 1_000_000n;
  return { base, amount: (base * BigInt(Math.round(factor * 1e9))) / 1_000_000_000n };
}

/**
 * The quality factor of one piece: the frames kept along it against the frames expected over its length, at most 1.
 * No floor: a piece with no kept frames along it scores 0 and earns nothing (rewards follow imagery, not GPS).
 */
export function pieceQuality(frames: number, lengthM: number, cfg: Pick<RewardConfig, 'expectedFramesPerM'>): number {
  if (frames <= 0) return 0;
  const expected = lengthM * cfg.expectedFramesPerM;
  return expected > 0 ? Math.min(1, frames / expected) : 1;
}

/**
 * Job `rewards.book`: books the upload's novel road pieces in the ledger of the open epoch. Only uploads that passed
 * validation earn, and only for pieces with kept frames along them. A piece is novel if nobody else's accepted
 * coverage with imagery exists (`first_coverage`) or the latest is older than the class's freshness window
 * (`refresh`). Amount = base per km x length x rule x class demand x the piece's frame quality x contributor
 * reputation (x the unsigned-upload multiplier when the manifest was not signed by a device key), every factor
 * written into the entry. Two uploads of the same novel piece in one epoch: the first booked wins (a unique index
 * decides, race-free); booking the same upload again adds nothing.
 */
export async function bookUpload(ctx: StageContext, uploadId: string, cfg: RewardConfig, jobId?: string) {
  return runStep(ctx.sql, { uploadId, step: 'rewards.book', jobId }, async (tx) => {
    const u = await uploadOwner(tx, uploadId);
    if (!u || u.status === 'quarantined' || !u.verdict?.startsWith('accepted')) {
      return { booked: 0, amountWei: '0', reason: 'upload did not pass validation' };
    }
    const candidates = await coveredPieces(tx, uploadId, cfg.frameReachM);
    const epochId = await openEpochForBooking(tx, new Date(), cfg);
    const reputation = Math.min(1, Math.max(0, u.reputation));
    const rows: LedgerInsert[] = [];
    let withoutFrames = 0;
    for (const c of candidates) {
      const quality = pieceQuality(c.frames, c.lengthM, cfg);
      if (quality === 0) {
        withoutFrames++;
        continue;
      }
      const rule = noveltyRule(c, cfg);
      if (!rule) continue;
      const multipliers: Record<string, number> = {
        rule: rule === 'refresh' ? cfg.refreshMultiplier : 1,
        demand: cfg.classDemand[c.class] ?? cfg.classDemand.default ?? 1,
        quality: Number(quality.toFixed(4)),
        reputation: Number(reputation.toFixed(4)),
        ...(u.signed ? {} : { unsigned: cfg.unsignedMultiplier }),
      };
      const factor = Object.values(multipliers).reduce((a, b) => a * b, 1);
      if (factor <= 0) continue;
      const { base, amount } = rewardWei(cfg.baseWeiPerKm, c.lengthM, factor);
      rows.push({
        epoch_id: epochId,
        contributor_id: u.contributorId,
        kind: 'coverage',
        upload_id: uploadId,
        segment_id: c.segmentId,
        rule,
        base_amount: base.toString(),
        multipliers: tx.json(multipliers),
        amount: amount.toString(),
      });
    }
    const inserted = await insertLedgerEntries(tx, rows);
    const booked = inserted.length;
    const total = inserted.reduce((s, r) => s + BigInt(r.amount), 0n);
    // Novelty changed the coverage layer's `novel` flags: the tiles follow.
    await finishStep(tx, ctx.queue, 'rewards.book', uploadId);
    return { booked, amountWei: total.toString(), epoch: epochId, candidates: candidates.length, withoutFrames };
  });
}
