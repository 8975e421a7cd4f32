/** How rewards are computed. Every number here is documented in rewards/README.md. */
export interface RewardConfig {
  /** Epoch length in days (default 7: weekly) and the instant epoch 0 starts (a Monday, 00:00 UTC). */
  epochDays: number;
  genesis: string;
  /** Base reward per kilometre of novel road, in token base units (18 decimals): 1 MAP per km. */
  baseWeiPerKm: bigint;
  /** A piece is stale, and its coverage worth refreshing, after this many days (per road class, else `default`). */
  freshnessDays: Record<string, number>;
  /** Refreshing stale coverage pays this fraction of a first coverage. */
  refreshMultiplier: number;
  /** Demand per road class: where fresh imagery is worth more. */
  classDemand: Record<string, number>;
  /** Frames expected per metre of a covered piece (the sampler keeps one every 4 m): fewer lowers its quality factor. */
  expectedFramesPerM: number;
  /**
   * How far from a piece a kept frame may lie and still count for it, in metres: GPS error (~5 m) plus half a wide
   * road's width plus the sampler's pose error leave a margin well inside a parallel street's distance (~40 m+).
   */
  frameReachM: number;
  /** Multiplier on every entry of an upload whose manifest no registered device key signed (MAPMINT_UNSIGNED_REWARD_MULTIPLIER). */
  unsignedMultiplier: number;
}

/** Defaults: weekly epochs, 1 MAP/km, 30-day freshness (90 on motorways, which change slowly). */
export const DEFAULT_REWARDS: RewardConfig = {
  epochDays: 7,
  genesis: '2024-01-01T00:00:00Z',
  baseWeiPerKm: 10n ** 18n,
  freshnessDays: { default: 30, motorway: 90, motorway_link: 90, trunk: 60, trunk_link: 60 },
  refreshMultiplier: 0.5,
  classDemand: {
    default: 1,
    motorway: 0.5,
    motorway_link: 0.5,
    trunk: 0.7,
    trunk_link: 0.7,
    primary: 0.9,
    secondary: 1,
    tertiary: 1,
    residential: 1.2,
    living_street: 1.2,
    unclassified: 1,
    service: 0.5,
  },
  expectedFramesPerM: 1 / 8,
  frameReachM: 20,
  unsignedMultiplier: 0.5,
};

/** MAPMINT_UNSIGNED_REWARD_MULTIPLIER: a number from 0 to 1, or the default when unset. */
function unsignedMultiplier(): number {
  const v = process.env.MAPMINT_UNSIGNED_REWARD_MULTIPLIER;
  if (v === undefined || v === '') return DEFAULT_REWARDS.unsignedMultiplier;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new Error(`MAPMINT_UNSIGNED_REWARD_MULTIPLIER must be a number from 0 to 1, got ${JSON.stringify(v)}`);
  }
  return n;
}

/**
 * The rewards configuration: defaults overridden by MAPMINT_EPOCH_DAYS, MAPMINT_REWARD_WEI_PER_KM and
 * MAPMINT_UNSIGNED_REWARD_MULTIPLIER.
 */
export function rewardConfigFromEnv(over: Partial<RewardConfig> = {}): RewardConfig {
  const days = Number(process.env.MAPMINT_EPOCH_DAYS ?? DEFAULT_REWARDS.epochDays);
  const wei = process.env.MAPMINT_REWARD_WEI_PER_KM;
  return {
    ...DEFAULT_REWARDS,
    epochDays: Number.isFinite(days) && days > 0 ? days : DEFAULT_REWARDS.epochDays,
    ...(wei && /^\d+$/.test(wei) ? { baseWeiPerKm: BigInt(wei) } : {}),
    unsignedMultiplier: unsignedMultiplier(),
    ...over,
  };
}
