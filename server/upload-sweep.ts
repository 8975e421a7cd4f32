import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Sql } from '../db/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { expireAbandonedUploads, expireTransfers, purgeQuarantinedFiles } from '../uploads/index.ts';

/** What one sweep did. */
export interface SweepResult {
  transfersExpired: number;
  uploadsExpired: number;
  quarantinedPurged: number;
}

/** How long abandoned partials and quarantined files are kept, and where the partials are. */
export interface SweepOptions {
  tusDir: string;
  transferExpiryS: number;
  quarantineRetentionS: number;
}

/**
 * One pass of the disk sweep: partial transfers idle for longer than the expiry are deleted from the tus folder (it
 * is the server's, so the server sweeps it), then uploads left receiving expire and quarantined files past their
 * retention are deleted (uploads/expire-uploads.ts).
 */
export async function sweepUploads(deps: { sql: Sql; blobs: BlobStore }, opts: SweepOptions): Promise<SweepResult> {
  const ids = await expireTransfers(deps.sql, opts.transferExpiryS);
  for (const id of ids) {
    // Ids are `<uuid>.<index>.<hex>` (server/tus.ts), never a path.
    await rm(path.join(opts.tusDir, path.basename(id)), { force: true });
    await rm(path.join(opts.tusDir, `${path.basename(id)}.json`), { force: true });
  }
  return {
    transfersExpired: ids.length,
    uploadsExpired: await expireAbandonedUploads(deps.sql, deps.blobs, opts.transferExpiryS),
    quarantinedPurged: await purgeQuarantinedFiles(deps.sql, deps.blobs, opts.quarantineRetentionS),
  };
}

/** Runs `sweepUploads` every `intervalS` seconds (not keeping the process alive); returns the function that stops it. */
export function startUploadSweep(
  deps: { sql: Sql; blobs: BlobStore },
  opts: SweepOptions & { intervalS: number },
): () => void {
  if (opts.intervalS <= 0) return () => {};
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepUploads(deps, opts)
      .catch((err: unknown) => process.stderr.write(`upload sweep failed: ${(err as Error).stack ?? String(err)}\n`))
      .finally(() => {
        running = false;
      });
  }, opts.intervalS * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
