import type { Contract } from 'ethers';
import { type PublishResult, publishRoot } from '../contracts/index.ts';
import { MapmintError } from '../core/index.ts';
import type { Sql } from '../db/index.ts';

/** Posts a closed epoch's root and total to the distributor; idempotent (the same root again sends nothing). */
export async function publishEpoch(
  sql: Sql,
  distributor: Contract,
  epoch: number,
): Promise<PublishResult & { root: string }> {
  const [e] = await sql<{ status: string; root: string | null; total: string | null }[]>`
    select status, root, total_cumulative::text as total from epochs where id = ${epoch}`;
  if (!e) throw new MapmintError('not_found', 'epoch_not_found', `no epoch ${epoch}`);
  if (e.status !== 'closed' || !e.root || !e.total) {
    throw new MapmintError(
      'conflict',
      'epoch_not_closed',
      `epoch ${epoch} has no root yet: run \`mapmint rewards close-epoch --epoch ${epoch}\` first`,
    );
  }
  const r = await publishRoot(distributor, { epoch: BigInt(epoch), root: e.root, totalCumulative: BigInt(e.total) });
  return { ...r, root: e.root };
}
