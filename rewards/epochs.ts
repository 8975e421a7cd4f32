import type { Sql } from '../db/index.ts';
import type { RewardConfig } from './config.ts';

const DAY_MS = 86_400_000;

/** The epoch an instant falls in: its number and bounds. */
export function epochAt(
  at: Date,
  cfg: Pick<RewardConfig, 'epochDays' | 'genesis'>,
): { id: number; startsAt: Date; endsAt: Date } {
  const g = Date.parse(cfg.genesis);
  const len = cfg.epochDays * DAY_MS;
  const id = Math.max(0, Math.floor((at.getTime() - g) / len));
  return { id, startsAt: new Date(g + id * len), endsAt: new Date(g + (id + 1) * len) };
}

/**
 * The epoch to book into now: the current one, or, when it was already closed (an operator closed it early), the
 * first open one after it. Creates the row if needed and locks it against a concurrent close.
 */
export async function openEpochForBooking(tx: Sql, now: Date, cfg: RewardConfig): Promise<number> {
  let { id } = epochAt(now, cfg);
  for (;;) {
    const g = Date.parse(cfg.genesis);
    const len = cfg.epochDays * DAY_MS;
    await tx`insert into epochs (id, starts_at, ends_at) values (${id}, ${new Date(g + id * len)}, ${new Date(g + (id + 1) * len)})
             on conflict (id) do nothing`;
    const [e] = await tx<{ status: string }[]>`select status from epochs where id = ${id} for share`;
    if (e?.status === 'open') return id;
    id++;
  }
}
