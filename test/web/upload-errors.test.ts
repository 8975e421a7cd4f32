import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../sdk/index.ts';
import { explainUploadError, UploadProblem } from '../../web/src/upload-errors.ts';

// The upload form's errors say what happened and what to do, whatever the server's or the browser's words were.
const video = new File([new Uint8Array(16)], 'FILE0001.MP4', { type: 'video/mp4' });
/** A chosen file the browser can no longer read (changed, moved or deleted on disk). */
const gone = {
  name: 'FILE0002.MP4',
  slice: () => ({ arrayBuffer: () => Promise.reject(new DOMException('changed', 'NotReadableError')) }),
} as unknown as File;

test('upload errors: quota, too many transfers, changed bytes and wrong content become instructions', async () => {
  const say = async (code: string, status = 400) =>
    (await explainUploadError(new ApiError(status, code, `server words for ${code}`), video)).message;
  assert.match(await say('storage_quota_exceeded', 413), /storage quota is full[\s\S]*Wait until they are processed/);
  assert.match(await say('too_many_transfers', 429), /Too many transfers[\s\S]*goes on from where it stopped/);
  assert.match(await say('checksum_mismatch'), /^FILE0001\.MP4 arrived, but its bytes[\s\S]*"Discard"/);
  assert.match(await say('content_mismatch', 415), /^FILE0001\.MP4 is not the kind of file its name says/);
  assert.match(await say('file_too_large', 413), /^server words for file_too_large\. Split the drive/);
  assert.match(await say('invalid_token', 401), /sign-in has expired/);
  // A code the form has no words for keeps the server's message and names the code.
  assert.equal(await say('something_new'), 'server words for something_new (something_new)');
});

test('upload errors: a failed transfer blames the file when it cannot be read any more, else the connection', async () => {
  const dropped = new ApiError(0, 'transfer_failed', 'tus: failed to upload chunk at offset 1048576');
  assert.match((await explainUploadError(dropped, video)).message, /connection to the server failed/);
  const changed = await explainUploadError(dropped, gone);
  assert.ok(changed instanceof UploadProblem);
  assert.match(changed.message, /^FILE0002\.MP4 can no longer be read: it was changed, moved or deleted/);
  // A problem already in the driver's words passes through unchanged.
  const own = new UploadProblem('Choose the files of one drive first.');
  assert.equal(await explainUploadError(own), own);
});
