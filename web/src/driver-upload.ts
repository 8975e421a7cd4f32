/**
 * The driver's "Upload a drive" form: choose a drive's files, hash them in the browser a slice at a time, declare
 * the upload, send each file with tus (a progress bar each). A reload mid-transfer loses nothing: the page names the
 * interrupted upload, asks for the same files again (a browser cannot reopen files by itself) and the transfer goes
 * on from the server's offset, without declaring the drive a second time.
 */
import {
  ApiError,
  type DeclaredFile,
  describeFile,
  KNOWN_EXTENSIONS,
  type MapmintClient,
  type Me,
  type UploadManifest,
  type UploadView,
} from './api.ts';
import { announce, byId, fill, h, short, when } from './dom.ts';
import { hashBlob } from './sha256.ts';
import { explainUploadError, UploadProblem } from './upload-errors.ts';
import { forgetUpload, matchFiles, type PendingUpload, pendingUploads, rememberUpload } from './upload-record.ts';
import { resumeNotice } from './upload-resume.ts';

declare global {
  interface Window {
    /** Tuning for tests and slow links: bytes per PATCH request. */
    mapmintUpload?: { chunkBytes?: number };
  }
}

/** Bytes per PATCH: a reload or a dropped connection costs at most one chunk of progress. */
const CHUNK_BYTES = 8 << 20;
const DEVICE_KEY = 'mapmint.device';

/** One chosen file on screen: its progress bar and what is happening to it. */
interface Row {
  file: File;
  li: HTMLLIElement;
  bar: HTMLProgressElement;
  text: HTMLElement;
}

/** A chosen file with its declaration (name, role, type, size, hash). */
interface Local {
  file: File;
  row: Row;
  declared: DeclaredFile;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function fileRow(file: File): Row {
  const bar = h('progress', { max: Math.max(file.size, 1), value: 0, 'aria-label': `${file.name} progress` });
  const text = h('span', { class: 'upload-phase' }, 'Waiting');
  const li = h(
    'li',
    { 'data-file': file.name, 'data-phase': 'waiting' },
    h(
      'span',
      { class: 'upload-name' },
      file.name,
      h('span', { class: 'muted' }, ` (${describeFile(file.name).role}, ${mb(file.size)})`),
    ),
    bar,
    text,
  );
  return { file, li, bar, text };
}

function show(row: Row, phase: string, done: number, message: string): void {
  row.li.dataset['phase'] = phase;
  row.bar.value = done;
  row.text.textContent = message;
}

/** Hashes each chosen file, a slice at a time, with the bar showing how far the check is. */
async function hashAll(rows: Row[]): Promise<Local[]> {
  const out: Local[] = [];
  const empty = rows.find((r) => r.file.size === 0);
  if (empty)
    throw new UploadProblem(`${empty.file.name} is empty (0 bytes): leave it out, or copy it again from the camera.`);
  for (const row of rows) {
    const { file } = row;
    const { size, sha256 } = await hashBlob(file, (done, total) =>
      show(row, 'checking', done, `Checking ${Math.floor((done / Math.max(total, 1)) * 100)}%`),
    );
    show(row, 'checked', 0, 'Checked');
    out.push({ file, row, declared: { name: file.name, ...describeFile(file.name), size, sha256 } });
  }
  return out;
}

/**
 * The files chosen again for a recorded upload, with their recorded hashes: a file whose modification time is
 * unchanged is trusted (hashing 4 GB again costs minutes), any other is hashed again and must hash the same.
 */
async function reuseRecord(p: PendingUpload, chosen: Map<number, File>, rows: Row[]): Promise<Local[]> {
  const out: Local[] = [];
  for (const [idx, file] of chosen) {
    const row = rows.find((r) => r.file === file)!;
    const declared = p.manifest.files[idx]!;
    if (file.lastModified !== p.lastModified[idx]) {
      const { sha256 } = await hashBlob(file, (done, total) =>
        show(row, 'checking', done, `Checking again ${Math.floor((done / Math.max(total, 1)) * 100)}%`),
      );
      if (sha256 !== declared.sha256) {
        show(row, 'error', 0, 'Changed since declared');
        throw new UploadProblem(
          `${file.name} has changed since this upload was declared (${when(p.declaredAt)}): its content is ` +
            'different now. Choose the original file, or press "Discard" on the interrupted upload and upload the ' +
            'files as they are now.',
        );
      }
    }
    show(row, 'checked', 0, 'Checked before');
    out.push({ file, row, declared });
  }
  return out;
}

/**
 * The upload the server has for a record: as it is while it still receives, declared again (same manifest, so the
 * same upload) once it expired, undefined when the server no longer knows it.
 */
async function recordedUpload(client: MapmintClient, p: PendingUpload): Promise<UploadView | undefined> {
  try {
    const up = await client.getUpload(p.uploadId);
    if (up.status !== 'expired') return up;
    const again = await client.createUpload(p.manifest);
    if (again.id !== p.uploadId) {
      forgetUpload(p.uploadId);
      rememberUpload({ ...p, uploadId: again.id, declaredAt: new Date().toISOString() });
    }
    return again;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * Sends every file the server does not have yet, one transfer at a time, each resumable across reloads; returns
 * how many it sent.
 */
async function sendMissing(client: MapmintClient, up: UploadView, locals: Local[]): Promise<number> {
  const plan = up.files.map((f) => ({
    f,
    local: locals.find((l) => l.declared.name === f.name && l.declared.sha256 === f.sha256),
  }));
  for (const { f, local } of plan)
    if (f.status === 'received' && local) show(local.row, 'sent', f.size, 'On the server');
  const absent = plan.filter((p) => p.f.status !== 'received' && !p.local).map((p) => p.f.name);
  if (absent.length > 0) {
    throw new UploadProblem(`Also choose ${absent.join(', ')}: not sent yet. Choose all the drive's files together.`);
  }
  let sent = 0;
  for (const { f, local } of plan) {
    if (f.status === 'received' || !local) continue;
    const { row } = local;
    show(row, 'sending', 0, 'Starting…');
    try {
      await client.sendFile(up.id, f.idx, local.file, f.size, {
        chunkSize: window.mapmintUpload?.chunkBytes ?? CHUNK_BYTES,
        resumeKey: `${up.id}.${f.idx}`,
        onProgress: (sent, total) => show(row, 'sending', sent, `Sending ${mb(sent)} of ${mb(total)}`),
      });
    } catch (err) {
      show(row, 'error', row.bar.value, 'Stopped');
      throw await explainUploadError(err, local.file);
    }
    show(row, 'sent', f.size, 'Sent');
    sent++;
  }
  return sent;
}

/** Declares a new upload for the chosen files (or finds this account's identical one) and records it. */
async function declare(client: MapmintClient, me: Me, locals: Local[], device: UploadManifest['device']) {
  const manifest: UploadManifest = { device, files: locals.map((l) => l.declared) };
  const up = await client.createUpload(manifest);
  rememberUpload({
    uploadId: up.id,
    owner: me.address,
    declaredAt: new Date().toISOString(),
    manifest,
    lastModified: locals.map((l) => l.file.lastModified),
  });
  return up;
}

/** What the flow tells the page as it goes. */
interface Progress {
  say(message: string): void;
  /** The upload is declared (or found again): the page's list can show it. */
  declared(up: UploadView): void;
}

/** The whole flow for one choice of files: resume the recorded upload they belong to, or declare a new one. */
async function uploadDrive(
  client: MapmintClient,
  me: Me,
  rows: Row[],
  device: UploadManifest['device'],
  progress: Progress,
): Promise<{ upload: UploadView; resumed: boolean; sent: number }> {
  const chosen = rows.map((r) => r.file);
  let record: { p: PendingUpload; files: Map<number, File> } | undefined;
  for (const p of pendingUploads(me.address)) {
    const files = matchFiles(p, chosen);
    if (!files) continue;
    record = { p, files };
    break;
  }
  let up: UploadView | undefined;
  let locals: Local[] = [];
  if (record) {
    locals = await reuseRecord(record.p, record.files, rows);
    up = await recordedUpload(client, record.p);
    if (!up) forgetUpload(record.p.uploadId);
  }
  const resumed = up !== undefined;
  if (!up) {
    locals = await hashAll(rows);
    progress.say('Declaring the upload…');
    up = await declare(client, me, locals, device);
  }
  byId('upload-form').dataset['uploadId'] = up.id;
  progress.declared(up);
  let sent = 0;
  if (up.status === 'receiving') {
    progress.say(
      `${resumed ? 'Resuming' : 'Sending'} upload ${short(up.id, 8)}: you can leave this page and come back; ` +
        'choose the same files again to go on.',
    );
    sent = await sendMissing(client, up, locals);
  }
  forgetUpload(up.id);
  return { upload: await client.getUpload(up.id), resumed, sent };
}

/** The camera as the form says it, remembered for next time. */
function deviceFromForm(): UploadManifest['device'] {
  const make = byId<HTMLInputElement>('upload-make').value.trim();
  const model = byId<HTMLInputElement>('upload-model').value.trim();
  if (!make || !model) throw new UploadProblem('Say which camera recorded the drive: its make and model.');
  localStorage.setItem(DEVICE_KEY, JSON.stringify({ make, model }));
  return { make, model };
}

/** What the driver reads once the files are sent. */
function doneMessage(up: UploadView, resumed: boolean, sent: number): string {
  if (sent === 0) return `Upload ${short(up.id, 8)} already has all its files on the server: nothing to send.`;
  const what = resumed ? 'resumed and finished' : 'sent';
  if (up.status === 'receiving') return `Upload ${short(up.id, 8)}: files ${what}, the server is still receiving.`;
  return `Upload ${short(up.id, 8)} ${what}: ${up.files.length} file(s), ${mb(up.byteSize)}. Its status is below.`;
}

/**
 * Wires the form: remembers the camera, lists interrupted uploads that can be resumed, and runs an upload on
 * submit; `onUploaded` refreshes the page's uploads list.
 */
export function setUpUploadForm(client: MapmintClient, me: Me, onUploaded: () => Promise<void>): void {
  const form = byId<HTMLFormElement>('upload-form');
  const input = byId<HTMLInputElement>('upload-files');
  const button = byId<HTMLButtonElement>('upload-start');
  const status = byId('upload-status');
  const list = byId('upload-progress');
  input.accept = KNOWN_EXTENSIONS.join(',');
  try {
    const saved = JSON.parse(localStorage.getItem(DEVICE_KEY) ?? '{}') as { make?: string; model?: string };
    if (saved.make) byId<HTMLInputElement>('upload-make').value = saved.make;
    if (saved.model) byId<HTMLInputElement>('upload-model').value = saved.model;
  } catch {
    localStorage.removeItem(DEVICE_KEY);
  }
  const refreshNotice = () => resumeNotice(client, me, byId('upload-resume'));
  void refreshNotice();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const files = Array.from(input.files ?? []);
    if (files.length === 0) return announce(status, 'Choose the files of one drive first.', 'error');
    const rows = files.map(fileRow);
    fill(list, ...rows.map((r) => r.li));
    button.disabled = true;
    form.dataset['state'] = 'working';
    announce(status, 'Checking the files (nothing is sent yet)…');
    try {
      const { upload, resumed, sent } = await uploadDrive(client, me, rows, deviceFromForm(), {
        say: (m) => announce(status, m),
        declared: () => void onUploaded(),
      });
      announce(status, doneMessage(upload, resumed, sent));
      form.dataset['state'] = 'done';
      await onUploaded();
    } catch (err) {
      announce(status, (await explainUploadError(err)).message, 'error');
      form.dataset['state'] = 'error';
    } finally {
      button.disabled = false;
      await refreshNotice();
    }
  });
}
