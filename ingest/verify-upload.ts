import type { Reason } from '../db/index.ts';
import type { StageContext } from '../queue/index.ts';
import { keyFor, sha256File } from '../storage/index.ts';
import { earlierDuplicate, finishStep, runStep, storedFiles, transition } from '../uploads/index.ts';

/**
 * First step after the last byte arrives: re-hash every stored file against the manifest, catch content already
 * uploaded by someone else (a replay), then hand the upload to validation or quarantine it with its reasons.
 */
export async function verifyUpload(ctx: StageContext, uploadId: string, jobId?: string): Promise<{ skipped: boolean }> {
  const r = await runStep(ctx.sql, { uploadId, step: 'upload.received', jobId }, async (tx) => {
    const reasons: Reason[] = [];
    const files = await storedFiles(tx, uploadId);
    for (const f of files) {
      if (f.blobKey !== keyFor(f.declaredSha256)) {
        reasons.push({ code: 'file_missing', message: `file ${f.idx} (${f.name}) was never stored` });
        continue;
      }
      const path = await ctx.blobs.localPath(f.blobKey).catch(() => undefined);
      const actual = path ? await sha256File(path) : undefined;
      if (!actual || actual.sha256 !== f.declaredSha256 || actual.size !== f.declaredSize) {
        reasons.push({
          code: 'file_corrupt',
          message: `file ${f.idx} (${f.name}) no longer matches its SHA-256: the stored copy is damaged or missing`,
        });
      }
    }
    const earlier = await earlierDuplicate(tx, uploadId);
    if (earlier) {
      reasons.push({
        code: 'duplicate_content',
        message: `identical files were uploaded earlier by another contributor (upload ${earlier})`,
        details: { originalUploadId: earlier },
      });
    }
    if (reasons.length > 0) {
      await transition(tx, uploadId, 'quarantined', { step: 'upload.received', actor: 'worker', reasons });
      return { verdict: 'quarantined', reasons: reasons.map((x) => x.code) };
    }
    await transition(tx, uploadId, 'validating', { step: 'upload.received', actor: 'worker' });
    await finishStep(tx, ctx.queue, 'upload.received', uploadId);
    return { verdict: 'validating', files: files.length };
  });
  return { skipped: r.skipped };
}
