import type { Reason } from '../db/index.ts';
import type { StageContext } from '../queue/index.ts';
import { keyFor, sha256File } from '../storage/index.ts';
import { finishStep, runStep, transition } from '../uploads/index.ts';

interface FileRow {
  idx: number;
  name: string;
  declared_sha256: string;
  declared_size: number;
  blob_key: string | null;
}

/**
 * First step after the last byte arrives: re-hash every stored file against the manifest, catch content already
 * uploaded by someone else (a replay), then hand the upload to validation or quarantine it with its reasons.
 */
export async function verifyUpload(ctx: StageContext, uploadId: string, jobId?: string): Promise<{ skipped: boolean }> {
  const r = await runStep(ctx.sql, { uploadId, step: 'upload.received', jobId }, async (tx) => {
    const reasons: Reason[] = [];
    const files = await tx<
      FileRow[]
    >`select idx, name, declared_sha256, declared_size::float8 as declared_size, blob_key
                                      from upload_files where upload_id = ${uploadId} order by idx`;
    for (const f of files) {
      if (f.blob_key !== keyFor(f.declared_sha256)) {
        reasons.push({ code: 'file_missing', message: `file ${f.idx} (${f.name}) was never stored` });
        continue;
      }
      const path = await ctx.blobs.localPath(f.blob_key).catch(() => undefined);
      const actual = path ? await sha256File(path) : undefined;
      if (!actual || actual.sha256 !== f.declared_sha256 || actual.size !== f.declared_size) {
        reasons.push({
          code: 'file_corrupt',
          message: `file ${f.idx} (${f.name}) no longer matches its SHA-256: the stored copy is damaged or missing`,
        });
      }
    }
    const [me] = await tx<{ content_hash: string; contributor_id: string }[]>`
      select content_hash, contributor_id from uploads where id = ${uploadId}`;
    const earlier = await tx<{ id: string }[]>`
      select id from uploads where content_hash = ${me!.content_hash} and contributor_id <> ${me!.contributor_id}
        and created_at < (select created_at from uploads where id = ${uploadId}) order by created_at limit 1`;
    if (earlier[0]) {
      reasons.push({
        code: 'duplicate_content',
        message: `identical files were uploaded earlier by another contributor (upload ${earlier[0].id})`,
        details: { originalUploadId: earlier[0].id },
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
