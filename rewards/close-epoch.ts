import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildProofFile, type ProofFile, proofFileToJson } from '../contracts/index.ts';
import { MapmintError } from '../core/errors.ts';
import type { Sql } from '../db/index.ts';
import type { RewardConfig } from './config.ts';
import { epochAt } from './epochs.ts';

/** What closing an epoch produced. */
export interface ClosedEpoch {
  epoch: number;
  root: string | null;
  totalCumulativeWei: string;
  contributors: number;
  /** Where the proofs were written. */
  proofsFile: string | null;
  /** True when the epoch was already closed and this call only re-derived the same root. */
  alreadyClosed: boolean;
}

/**
 * Closes an epoch (default: the current one): freezes it (bookings move to the next epoch), sums every contributor's
 * ledger entries up to and including it (cumulative over all epochs, as the distributor's lazy claims need), builds
 * the Merkle tree in OpenZeppelin StandardMerkleTree format `(address, uint256 cumulative)`, stores the root and each
 * proof, and writes the proofs file. Closing twice re-derives the tree from the stored totals and returns the same
 * root (and fails loudly if it would not).
 */
export async function closeEpoch(
  sql: Sql,
  cfg: RewardConfig,
  opts: { epoch?: number; outDir: string },
): Promise<ClosedEpoch> {
  const id = opts.epoch ?? epochAt(new Date(), cfg).id;
  const e = epochAt(new Date(Date.parse(cfg.genesis) + id * cfg.epochDays * 86_400_000), cfg);
  const result = (await sql.begin(async (tx) => {
    await tx`insert into epochs (id, starts_at, ends_at) values (${id}, ${e.startsAt}, ${e.endsAt}) on conflict (id) do nothing`;
    const [row] = await tx<
      { status: string; root: string | null }[]
    >`select status, root from epochs where id = ${id} for update`;
    const alreadyClosed = row?.status === 'closed';
    const totals = alreadyClosed
      ? await tx<{ contributor_id: string; address: string; cumulative: string }[]>`
          select contributor_id, address, cumulative::text from epoch_balances where epoch_id = ${id} order by address`
      : await tx<{ contributor_id: string; address: string; cumulative: string }[]>`
          select l.contributor_id, c.address, sum(l.amount)::text as cumulative
          from ledger_entries l join contributors c on c.id = l.contributor_id
          where l.epoch_id <= ${id} group by l.contributor_id, c.address having sum(l.amount) > 0 order by c.address`;
    let file: ProofFile | null = null;
    if (totals.length > 0) {
      file = buildProofFile(
        BigInt(id),
        totals.map((t) => ({ account: t.address, cumulativeAmount: BigInt(t.cumulative) })),
      );
    }
    const root = file?.root ?? null;
    if (alreadyClosed) {
      if (root !== row?.root) {
        throw new MapmintError(
          'internal',
          'epoch_root_mismatch',
          `epoch ${id}: stored root ${row?.root} but the stored totals give ${root}`,
        );
      }
    } else {
      await tx`update epochs set status = 'closed', closed_at = now() where id < ${id} and status = 'open'`;
      await tx`update epochs set status = 'closed', closed_at = now(), root = ${root},
               total_cumulative = ${file ? file.totalCumulative.toString() : '0'} where id = ${id}`;
      if (file) {
        const rows = totals.map((t) => ({
          epoch_id: id,
          contributor_id: t.contributor_id,
          address: t.address,
          cumulative: t.cumulative,
          proof: tx.json(file!.claims.get(t.address)?.proof ?? []),
        }));
        for (let i = 0; i < rows.length; i += 1000) await tx`insert into epoch_balances ${tx(rows.slice(i, i + 1000))}`;
      }
    }
    return { file, alreadyClosed, contributors: totals.length };
  })) as { file: ProofFile | null; alreadyClosed: boolean; contributors: number };
  let proofsFile: string | null = null;
  if (result.file) {
    await mkdir(opts.outDir, { recursive: true });
    proofsFile = path.join(opts.outDir, `epoch-${id}.json`);
    await writeFile(proofsFile, proofFileToJson(result.file));
  }
  return {
    epoch: id,
    root: result.file?.root ?? null,
    totalCumulativeWei: (result.file?.totalCumulative ?? 0n).toString(),
    contributors: result.contributors,
    proofsFile,
    alreadyClosed: result.alreadyClosed,
  };
}
