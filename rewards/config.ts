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
  /** Frames expected per metre of matched road (the sampler keeps one every 4 m): fewer lowers the quality factor. */
  expectedFramesPerM: number;
  /** The quality factor's floor (an upload with very few frames still earns something for its track). */
  minQuality: number;
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
  minQuality: 0.25,
};

/** The rewards configuration: defaults overridden by MAPMINT_EPOCH_DAYS and MAPMINT_REWARD_WEI_PER_KM. */
export function rewardConfigFromEnv(over: Partial<RewardConfig> = {}): RewardConfig {
  const days = Number(process.env.MAPMINT_EPOCH_DAYS ?? DEFAULT_REWARDS.epochDays);
  const wei = process.env.MAPMINT_REWARD_WEI_PER_KM;
  return {
    ...DEFAULT_REWARDS,
    epochDays: Number.isFinite(days) && days > 0 ? days : DEFAULT_REWARDS.epochDays,
    ...(wei && /^\d+$/.test(wei) ? { baseWeiPerKm: BigInt(wei) } : {}),
    ...over,
  };
}
