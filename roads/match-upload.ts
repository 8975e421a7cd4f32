import type { Track } from '../core/index.ts';
import { trackPointsKey } from '../ingest/index.ts';
import type { StageContext } from '../queue/index.ts';
import { markDirty } from '../tiler/index.ts';
import { finishStep, runStep } from '../uploads/index.ts';
import { estimateSigmaZ } from './candidates.ts';
import { coverageOf } from './coverage.ts';
import { type BBox, loadGraph, trackBbox } from './load-graph.ts';
import { matchTrack } from './match-track.ts';

/**
 * Job `roads.match`: snaps the upload's validated track onto the road network, stores the ordered matched pieces and
 * the per-piece coverage, and enqueues reward booking. An upload far from any imported road matches nothing: that is
 * recorded (zero pieces), not an error.
 */
export async function matchUpload(ctx: StageContext, uploadId: string, jobId?: string) {
  return runStep(ctx.sql, { uploadId, step: 'roads.match', jobId }, async (tx) => {
    const key = await trackPointsKey(tx, uploadId);
    if (!key) return { pieces: 0, reason: 'no validated track' };
    const track = JSON.parse((await ctx.blobs.getBuffer(key)).toString('utf8')) as Track;
    const graph = await loadGraph(tx, trackBbox(track.points, 300));
    // Newson & Krumm's own estimate of sigma_z from the data (section 4.1), floored at their 4.07 m.
    const sigmaZ = Math.max(4.07, estimateSigmaZ(graph, track.points) || 4.07);
    const match = matchTrack(graph, track.points, { sigmaZ });
    const rows = match.subMatches
      .flatMap((sub, k) => sub.pieces.map((p) => ({ p, k })))
      .map(({ p, k }, seq) => ({
        upload_id: uploadId,
        seq,
        sub_match: k,
        segment_id: p.pieceId,
        direction: p.direction,
        from_frac: p.from,
        to_frac: p.to,
        length_m: p.lengthM,
        entered_at: new Date(p.enterT),
        exited_at: new Date(p.exitT),
      }));
    for (let i = 0; i < rows.length; i += 500) await tx`insert into upload_matches ${tx(rows.slice(i, i + 500))}`;
    const cov = coverageOf(match).map((c) => ({
      upload_id: uploadId,
      segment_id: c.segmentId,
      fraction: c.fraction,
      covered_at: new Date(c.coveredAt),
      counted: c.counted,
    }));
    for (let i = 0; i < cov.length; i += 500) await tx`insert into coverage ${tx(cov.slice(i, i + 500))}`;
    await finishStep(tx, ctx.queue, 'roads.match', uploadId);
    // The drive's path, frames and the coverage of the pieces it touched change the map here: the pieces whole,
    // since a matched piece can reach past the track's box and its whole line carries the new coverage.
    const [w, s, e, n] = trackBbox(track.points, 50);
    const pieces = [...new Set(rows.map((r) => r.segment_id))];
    const [ext] = await tx<{ w: number | null; s: number; e: number; n: number }[]>`
      select ST_XMin(x) as w, ST_YMin(x) as s, ST_XMax(x) as e, ST_YMax(x) as n
      from (select ST_Extent(geom) as x from road_segments where id = any(${pieces}::text[])) t`;
    const bb: BBox =
      ext === undefined || ext.w === null
        ? [w, s, e, n]
        : [Math.min(w, ext.w), Math.min(s, ext.s), Math.max(e, ext.e), Math.max(n, ext.n)];
    await markDirty(tx, bb, `upload ${uploadId}`);
    return {
      pieces: rows.length,
      matchedLengthM: Math.round(match.matchedLengthM),
      covered: cov.filter((c) => c.counted).length,
      sigmaZ: Number(sigmaZ.toFixed(2)),
    };
  });
}
