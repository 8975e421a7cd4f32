import path from 'node:path';
import type { Command } from 'commander';
import { MapmintError } from '../../core/index.ts';
import { type Sql, stateDir } from '../../db/index.ts';
import { readTrack } from '../../ingest/index.ts';
import { closeEpoch, epochTotals, rewardConfigFromEnv } from '../../rewards/index.ts';
import { importRoads, loadGraph, matchTrack, matchUpload, trackBbox } from '../../roads/index.ts';
import { openRuntime } from '../../worker/index.ts';
import { emit, type GlobalFlags, log } from '../output.ts';

/** `roads import`, `match`, `rewards close-epoch`, `rewards status`. */
export function registerRoads(program: Command, flags: () => GlobalFlags): void {
  registerImport(program.command('roads').description('the road network'), flags);
  registerMatch(program, flags);
  const rewards = program.command('rewards').description('the reward ledger and epochs');
  registerCloseEpoch(rewards, flags);
  registerRewardsStatus(rewards, flags);
}

/** `roads import <file>`. */
function registerImport(roads: Command, flags: () => GlobalFlags): void {
  roads
    .command('import <file>')
    .description('import drivable roads from an OpenStreetMap file (.osm.pbf, .osm) as pieces of at most --max-piece m')
    .option('--region <name>', 'region name (default: from the file name); a re-import retires pieces gone from it')
    .option('--max-piece <m>', 'longest piece in metres', Number, 100)
    .action(async (file: string, o: { region?: string; maxPiece: number }) => {
      const rt = await openRuntime();
      try {
        log(`importing ${file}...`);
        const r = await importRoads(rt.sql, file, { ...(o.region ? { region: o.region } : {}), maxPieceM: o.maxPiece });
        emit(flags(), r, () => JSON.stringify(r, null, 2));
      } finally {
        await rt.close();
      }
    });
}

/** `match [upload]` or `match --track FILE`. */
function registerMatch(program: Command, flags: () => GlobalFlags): void {
  program
    .command('match [upload]')
    .description("match an upload's validated track (or --track FILE) onto the imported road network")
    .option('--track <file>', 'a track file (GPX, NMEA, CSV, JSON, GoPro MP4) instead of an upload')
    .action(async (upload: string | undefined, o: { track?: string }) => {
      if (!upload && !o.track)
        throw new MapmintError('invalid_input', 'nothing_to_match', 'give an upload id or --track FILE');
      const rt = await openRuntime();
      try {
        if (o.track) return await matchTrackFile(rt.sql, o.track, flags());
        const r = await matchUpload({ sql: rt.sql, blobs: rt.blobs, queue: rt.queue }, upload!);
        emit(flags(), r, () => (r.skipped ? 'already matched' : JSON.stringify(r.output)));
      } finally {
        await rt.close();
      }
    });
}

/** Matches a track file (not stored as an upload) and prints its pieces with ISO times. */
async function matchTrackFile(sql: Sql, file: string, f: GlobalFlags): Promise<void> {
  const track = await readTrack({ path: file });
  const graph = await loadGraph(sql, trackBbox(track.points, 300));
  const m = matchTrack(graph, track.points);
  const pieces = m.subMatches.flatMap((s) =>
    s.pieces.map((p) => ({
      ...p,
      enterT: new Date(p.enterT).toISOString(),
      exitT: new Date(p.exitT).toISOString(),
    })),
  );
  const out = {
    points: track.points.length,
    matchedLengthM: m.matchedLengthM,
    subMatches: m.subMatches.length,
    pieces,
    stats: m.stats,
  };
  emit(
    f,
    out,
    () => `${pieces.length} pieces, ${Math.round(m.matchedLengthM)} m matched in ${m.subMatches.length} sub-match(es)`,
  );
}

/** `rewards close-epoch`. */
function registerCloseEpoch(rewards: Command, flags: () => GlobalFlags): void {
  rewards
    .command('close-epoch')
    .description('close an epoch (default: the current one): cumulative totals, Merkle root, proofs file')
    .option('--epoch <n>', 'epoch number', Number)
    .option('--out <dir>', 'where to write the proofs file', path.join(stateDir(), 'epochs'))
    .action(async (o: { epoch?: number; out: string }) => {
      const rt = await openRuntime();
      try {
        const r = await closeEpoch(rt.sql, rewardConfigFromEnv(), {
          ...(o.epoch !== undefined ? { epoch: o.epoch } : {}),
          outDir: o.out,
        });
        emit(flags(), r, () =>
          [
            `epoch ${r.epoch} ${r.alreadyClosed ? 'was already closed' : 'closed'}: ${r.contributors} contributor(s)`,
            `root ${r.root ?? '(none: nothing booked)'}`,
            `total cumulative ${r.totalCumulativeWei} wei`,
            r.proofsFile ? `proofs in ${r.proofsFile}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      } finally {
        await rt.close();
      }
    });
}

/** `rewards status`. */
function registerRewardsStatus(rewards: Command, flags: () => GlobalFlags): void {
  rewards
    .command('status')
    .description('ledger totals per epoch')
    .action(async () => {
      const rt = await openRuntime();
      try {
        const rows = await epochTotals(rt.sql);
        emit(
          flags(),
          rows,
          () =>
            rows
              .map(
                (r) =>
                  `epoch ${r.epoch} ${r.status}: ${r.entries} entries, ${r.contributors} contributors, ${r.amount} wei${r.root ? `, root ${r.root}` : ''}`,
              )
              .join('\n') || 'no epochs yet',
        );
      } finally {
        await rt.close();
      }
    });
}
