/** How reviews are settled and paid. Every number here is explained in review/README.md. */
export interface ReviewConfig {
  /** Agreeing votes (same decision, and for a relabel the same class and value) that settle an item. */
  quorum: number;
  /** Detections scoring below this that support no map feature are queued for review. */
  detectionBelow: number;
  /** Credit per vote that agrees with the settled outcome, in token base units (18 decimals). */
  creditWei: bigint;
  /** Multiplier on the credit of the senior vote that settles an escalated (disputed) item. */
  seniorMultiplier: number;
  /** Most crops shown per queued item. */
  maxCrops: number;
}

/**
 * Defaults: a quorum of two, detections under 0.6, 0.02 MAP per agreeing vote (the reward for 20 m of first
 * coverage at 1 MAP/km), twice that for the senior who settles a dispute, eight crops per item.
 */
export const DEFAULT_REVIEW: ReviewConfig = {
  quorum: 2,
  detectionBelow: 0.6,
  creditWei: 2n * 10n ** 16n,
  seniorMultiplier: 2,
  maxCrops: 8,
};

function envNumber(name: string, fallback: number, ok: (n: number) => boolean): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!ok(n)) throw new RangeError(`${name} is out of range: ${JSON.stringify(v)}`);
  return n;
}

/**
 * The review configuration: defaults overridden by MAPMINT_REVIEW_QUORUM, MAPMINT_REVIEW_DETECTION_BELOW,
 * MAPMINT_REVIEW_CREDIT_WEI and MAPMINT_REVIEW_SENIOR_MULTIPLIER, then by `over`.
 */
export function reviewConfigFromEnv(over: Partial<ReviewConfig> = {}): ReviewConfig {
  const wei = process.env.MAPMINT_REVIEW_CREDIT_WEI;
  if (wei !== undefined && wei !== '' && !/^\d{1,40}$/.test(wei))
    throw new RangeError(
      `MAPMINT_REVIEW_CREDIT_WEI must be an integer number of base units, got ${JSON.stringify(wei)}`,
    );
  const cfg: ReviewConfig = {
    quorum: envNumber('MAPMINT_REVIEW_QUORUM', DEFAULT_REVIEW.quorum, (n) => Number.isInteger(n) && n >= 1),
    detectionBelow: envNumber('MAPMINT_REVIEW_DETECTION_BELOW', DEFAULT_REVIEW.detectionBelow, (n) => n >= 0 && n <= 1),
    creditWei: wei ? BigInt(wei) : DEFAULT_REVIEW.creditWei,
    seniorMultiplier: envNumber(
      'MAPMINT_REVIEW_SENIOR_MULTIPLIER',
      DEFAULT_REVIEW.seniorMultiplier,
      (n) => Number.isFinite(n) && n >= 0,
    ),
    maxCrops: DEFAULT_REVIEW.maxCrops,
    ...over,
  };
  if (!Number.isInteger(cfg.quorum) || cfg.quorum < 1)
    throw new RangeError(`review quorum must be a positive integer, got ${cfg.quorum}`);
  return cfg;
}
