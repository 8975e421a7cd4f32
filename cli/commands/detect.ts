import type { Command } from 'commander';
import { detectImages, detectUpload } from '../../vision/index.ts';
import { openRuntime } from '../../worker/index.ts';
import { emit, type GlobalFlags, progressBar } from '../output.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `detect <upload|images...>`. */
export function registerDetect(program: Command, flags: () => GlobalFlags): void {
  program
    .command('detect <targets...>')
    .description(
      "detect map features (and read sign text) on an upload's frames (stored) or on image files (not stored)",
    )
    .option('--annotate <dir>', 'write images with the boxes and labels drawn, for a person to look at')
    .action(async (targets: string[], o: { annotate?: string }) => {
      const bar = progressBar('detecting', ' frames');
      let started = false;
      const onProgress = (p: { done: number; total: number }) => {
        if (!started) {
          bar.start(p.total, 0, { detail: '' });
          started = true;
        }
        bar.update(p.done);
      };
      try {
        if (targets.length === 1 && UUID.test(targets[0]!)) {
          const rt = await openRuntime();
          try {
            const r = await detectUpload({ sql: rt.sql, blobs: rt.blobs, queue: rt.queue }, targets[0]!, undefined, {
              onProgress,
              ...(o.annotate ? { annotateDir: o.annotate } : {}),
            });
            bar.stop();
            emit(flags(), r, () => (r.skipped ? 'already detected with this model version' : JSON.stringify(r.output)));
          } finally {
            await rt.close();
          }
          return;
        }
        const results = await detectImages(targets, { onProgress, ...(o.annotate ? { annotateDir: o.annotate } : {}) });
        bar.stop();
        emit(flags(), results, () =>
          results
            .map(
              (r) =>
                `${r.file}: ${r.detections.map((d) => `${d.feature}${d.value ? `=${d.value}` : ''} ${d.score.toFixed(2)}`).join(', ') || 'nothing'}${r.annotated ? ` (annotated: ${r.annotated})` : ''}`,
            )
            .join('\n'),
        );
      } finally {
        bar.stop();
      }
    });
}
