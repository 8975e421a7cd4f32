/**
 * What went wrong with an upload, in words a driver can act on: the server's error codes (quota, too many transfers,
 * a file that no longer matches its hash, a rejected file type) and the browser's (a file changed or moved after it
 * was chosen, a connection that stayed down) each become what happened and what to do next.
 */
import { ApiError } from './api.ts';

/** A problem already phrased for the driver. */
export class UploadProblem extends Error {
  override name = 'UploadProblem';
}

const AGAIN = 'then press Upload again with the same files: it goes on from where it stopped.';

/** The driver's words for each error code the upload endpoints answer with. */
const BY_CODE: Record<string, (e: ApiError, file: string) => string> = {
  storage_quota_exceeded: () =>
    'Your storage quota is full: files of your earlier uploads still wait to be processed. Wait until they are ' +
    `processed (see Uploads below), ${AGAIN}`,
  too_many_transfers: () =>
    'Too many transfers are open for your account at once (in other tabs, on other devices, or interrupted ' +
    `ones). Let them finish, or wait a few hours for idle ones to expire, ${AGAIN}`,
  checksum_mismatch: (_e, file) =>
    `${file} arrived, but its bytes are not the ones checked when the upload was declared: the file changed ` +
    'while it was being sent. Leave the files alone while they upload; press "Discard" on the interrupted upload ' +
    'and upload the files as they are now.',
  content_mismatch: (_e, file) =>
    `${file} is not the kind of file its name says (for example a renamed file, or a damaged video). Check that ` +
    'you chose the camera’s original file.',
  file_too_large: (e) => `${e.message}. Split the drive into shorter clips.`,
  upload_too_large: (e) => `${e.message}. Upload the drive in several parts.`,
  too_many_files: (e) => `${e.message}. Upload the drive in several parts.`,
  no_imagery: () => 'An upload needs at least one video or photo: add the camera’s video files.',
  too_many_uploads: () => `You have declared many uploads in the last hour. Wait a while, ${AGAIN}`,
  upload_not_receiving: (e) => `The server no longer takes files for this upload (${e.message}).`,
};

/** True when the browser can no longer read `file` (changed, moved or deleted since it was chosen). */
async function unreadable(file: File): Promise<boolean> {
  try {
    await file.slice(0, 1).arrayBuffer();
    return false;
  } catch {
    return true;
  }
}

/**
 * Turns any error of the upload flow into an UploadProblem. `file` is the file being sent, if any: a failed
 * transfer whose file cannot be read any more failed because of the file, not the network.
 */
export async function explainUploadError(err: unknown, file?: File): Promise<UploadProblem> {
  if (err instanceof UploadProblem) return err;
  const name = file?.name ?? 'A file';
  const domName = (err as { name?: string } | null)?.name;
  if (domName === 'NotReadableError' || (file && (await unreadable(file)))) {
    return new UploadProblem(
      `${name} can no longer be read: it was changed, moved or deleted after you chose it. Choose it again ` +
        '(and if its content changed, press "Discard" on the interrupted upload and start afresh).',
    );
  }
  if (err instanceof ApiError) {
    const say = BY_CODE[err.code];
    if (say) return new UploadProblem(say(err, name));
    if (err.status === 401) return new UploadProblem(`Your sign-in has expired. Sign out, sign in again, ${AGAIN}`);
    if (err.code === 'transfer_failed' || err.status === 0) {
      return new UploadProblem(
        `The connection to the server failed and the retries gave up. Check your connection, ${AGAIN}`,
      );
    }
    return new UploadProblem(`${err.message} (${err.code})`);
  }
  return new UploadProblem(`The upload stopped: ${(err as Error)?.message ?? String(err)}`);
}
