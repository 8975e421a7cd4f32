/**
 * Upload again with a clock fix: a driver told "this camera wrote local time: upload again with --timezone ..." sends
 * the same files with new clock fields. Identical content maps to the existing upload (uploads/create-upload.ts), so
 * without this the advice would change nothing. A quarantined upload whose every reason is about time is validated
 * again with the new clock fields, at most {@link MAX_RECLOCKS} times: a driver can correct a clock, but cannot try
 * offsets until one passes.
 */
import type { UploadManifest } from '../api/index.ts';
import { MapmintError, type Reason } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import type { Queue } from '../queue/index.ts';
import { transition } from './upload-lifecycle.ts';

/** How often one upload may be validated again with other clock fields. */
export const MAX_RECLOCKS = 3;

/** Reasons a wrong or missing clock causes; an upload quarantined for anything else is not validated again. */
export const CLOCK_REASONS: ReadonlySet<string> = new Set([
  'video_unaligned',
  'video_duration_mismatch',
  'timezone_invalid',
]);

/** The manifest fields that say how the video sits in time. */
const CLOCK_FIELDS = ['startTime', 'timeOffsetMs', 'timezone'] as const;
/** What a re-clock replaces: the clock fields and the device signature that covers them. */
const REPLACED_FIELDS = [...CLOCK_FIELDS, 'deviceSignature'] as const;

const clockOf = (m: UploadManifest) => JSON.stringify(CLOCK_FIELDS.map((k) => m[k] ?? null));

/**
 * Validates a quarantined upload again when `m` (same content) brings other clock fields and every reason of the
 * quarantine is about time. Inside the caller's transaction: the clock fields are replaced, the validation step's
 * record and the reasons are cleared, the upload goes back to `validating`, and `ingest.validate` is enqueued under a
 * key of its own (the first validation job is finished and keeps its id). Returns whether the upload was re-clocked.
 */
export async function reclockQuarantined(
  tx: Sql,
  queue: Queue,
  uploadId: string,
  m: UploadManifest,
  who: { actor: string; signedBy: string | null },
): Promise<boolean> {
  const [u] = await tx<{ status: string; manifest: UploadManifest; reasons: Reason[]; key: string | null }[]>`
    select status, manifest, reasons, device_key_id as key from uploads where id = ${uploadId} for no key update`;
  if (u?.status !== 'quarantined' || clockOf(u.manifest) === clockOf(m)) return false;
  // The device that signed the drive is the one that may correct its clock (an unsigned drive: unsigned again).
  if ((u.key ?? null) !== (who.signedBy ?? null)) return false;
  if (u.reasons.length === 0 || !u.reasons.every((r) => CLOCK_REASONS.has(r.code))) return false;
  const [n] = await tx<{ n: number }[]>`
    select count(*)::int as n from upload_events where upload_id = ${uploadId} and step = 'upload.reclock'`;
  const done = n?.n ?? 0;
  if (done >= MAX_RECLOCKS) {
    throw new MapmintError(
      'rate_limited',
      'too_many_reclocks',
      `upload ${uploadId} was validated again with other clock settings ${done} times already (at most ${MAX_RECLOCKS}): record the drive again, or ask an operator to look at it`,
      { uploadId, reclocks: done },
    );
  }
  const clock: Record<string, unknown> = {};
  for (const k of REPLACED_FIELDS) if (m[k] !== undefined) clock[k] = m[k];
  await tx`update uploads
           set manifest = (manifest - ${REPLACED_FIELDS as unknown as string[]}::text[]) || ${tx.json(clock as never)}::jsonb,
               reasons = '[]'::jsonb, validation = null
           where id = ${uploadId}`;
  await tx`delete from step_runs where upload_id = ${uploadId} and step = 'ingest.validate'`;
  await tx`delete from upload_progress where upload_id = ${uploadId} and step = 'ingest.validate'`;
  await transition(tx, uploadId, 'validating', { step: 'upload.reclock', actor: who.actor });
  await queue.send('ingest.validate', { uploadId }, { tx, key: `${uploadId}:reclock:${done + 1}` });
  return true;
}
