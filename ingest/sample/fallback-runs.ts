/**
 * The second look: picks whose frame failed the quality check (or never arrived) are replaced by one of their next
 * `fallbackFrames` frames, fetched by seeking instead of piping every pick's neighbours on the first pass. Nearby
 * windows share one ffmpeg run, because each run costs a process start plus decoding from the keyframe before it.
 */

/** Frames of one pick that may stand in for it, as a [start, end] time window (seconds, file timeline). */
export interface FallbackSpan {
  /** Index of the pick it serves. */
  pick: number;
  start: number;
  end: number;
}

/** One ffmpeg run of the fallback pass: seek to `seekS`, pipe the spans' frames. */
export interface FallbackRun {
  seekS: number;
  spans: FallbackSpan[];
}

/**
 * Spans closer than this share a run (seconds). A separate run costs ~0.1 s of process start and probing plus decoding
 * from the keyframe before it (half a GOP on average: dashcams write one every 0.5-1 s); a shared run instead decodes
 * the gap between the spans, cheaper while the gap is shorter than that.
 */
export const MERGE_GAP_S = 1;

/** Groups spans sorted by time into runs: a new run wherever the gap to the previous span exceeds `mergeGapS`. */
export function fallbackRuns(spans: FallbackSpan[], mergeGapS = MERGE_GAP_S): FallbackRun[] {
  const runs: FallbackRun[] = [];
  let end = Number.NEGATIVE_INFINITY;
  for (const s of spans) {
    const run = runs[runs.length - 1];
    if (run && s.start - end <= mergeGapS) run.spans.push(s);
    else runs.push({ seekS: s.start, spans: [s] });
    end = Math.max(end, s.end);
  }
  return runs;
}
