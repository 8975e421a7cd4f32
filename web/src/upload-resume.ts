/**
 * The notice above the upload form after a reload (or a crash, or a closed tab): which upload of this browser was
 * interrupted, how much of it the server already has (its received files plus each open transfer's offset, asked
 * with a tus HEAD), and which files to choose again to go on.
 */
import { ApiError, type MapmintClient, type Me, type UploadView } from './api.ts';
import { fill, h, short, when } from './dom.ts';
import { forgetUpload, type PendingUpload, pendingUploads, storedTransferUrl } from './upload-record.ts';

/** The server's offset of an open transfer (0 when it has gone: the file then starts again). */
async function transferOffset(client: MapmintClient, url: string): Promise<number> {
  const headers: Record<string, string> = { 'tus-resumable': '1.0.0' };
  if (client.token) headers.authorization = `Bearer ${client.token}`;
  const res = await fetch(url, { method: 'HEAD', headers }).catch(() => undefined);
  const offset = Number(res?.ok ? res.headers.get('upload-offset') : 0);
  return Number.isFinite(offset) ? offset : 0;
}

/** Bytes of an upload the server holds: files received whole, and the offset of each open transfer. */
async function bytesOnServer(client: MapmintClient, up: UploadView): Promise<number> {
  const parts = await Promise.all(
    up.files.map((f) => {
      if (f.status === 'received') return f.size;
      const url = storedTransferUrl(up.id, f.idx);
      return url ? transferOffset(client, url) : 0;
    }),
  );
  return parts.reduce((s, n) => s + n, 0);
}

/** The server's view of a recorded upload, or undefined (and the record dropped) when it needs nothing more. */
async function stillOpen(client: MapmintClient, p: PendingUpload): Promise<UploadView | undefined> {
  const up = await client.getUpload(p.uploadId).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  });
  if (up?.status === 'receiving' || up?.status === 'expired') return up;
  forgetUpload(p.uploadId);
  return undefined;
}

/** Ends the open transfers of a discarded upload (tus DELETE), so they stop counting against the quota at once. */
async function cancelTransfers(client: MapmintClient, up: UploadView): Promise<void> {
  const headers: Record<string, string> = { 'tus-resumable': '1.0.0' };
  if (client.token) headers.authorization = `Bearer ${client.token}`;
  for (const f of up.files) {
    const url = storedTransferUrl(up.id, f.idx);
    if (url) await fetch(url, { method: 'DELETE', headers }).catch(() => undefined);
  }
}

function notice(
  client: MapmintClient,
  p: PendingUpload,
  up: UploadView,
  held: number,
  refresh: () => Promise<void>,
): HTMLElement {
  const total = p.manifest.files.reduce((s, f) => s + f.size, 0);
  const missing = up.files.filter((f) => f.status !== 'received').map((f) => f.name);
  const pct = Math.floor((held / Math.max(total, 1)) * 100);
  return h(
    'div',
    { class: 'resume', 'data-resume': p.uploadId, role: 'group', 'aria-label': 'Interrupted upload' },
    h(
      'p',
      {},
      h('strong', {}, `Upload ${short(p.uploadId, 8)} was interrupted`),
      ` (declared ${when(p.declaredAt)}): ${p.manifest.files.length} file(s), ` +
        `${(total / 1e6).toFixed(1)} MB, ${pct}% on the server.`,
      up.status === 'expired' ? ' It expired after a day without bytes; it will be declared again.' : null,
    ),
    h(
      'p',
      {},
      'To go on from where it stopped, choose the same files again (your browser cannot reopen them by itself): ',
      ...missing.flatMap((name, i) => [i > 0 ? ', ' : null, h('code', {}, name)]),
      ', and press Upload.',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: async () => {
          await cancelTransfers(client, up);
          forgetUpload(p.uploadId);
          await refresh();
        },
      },
      'Discard',
    ),
  );
}

/** Fills `box` with a notice per interrupted upload of `me` in this browser (or empties it). */
export async function resumeNotice(client: MapmintClient, me: Me, box: HTMLElement): Promise<void> {
  const refresh = () => resumeNotice(client, me, box);
  const notes: HTMLElement[] = [];
  for (const p of pendingUploads(me.address)) {
    const up = await stillOpen(client, p).catch(() => undefined);
    if (up) notes.push(notice(client, p, up, await bytesOnServer(client, up), refresh));
  }
  fill(box, ...notes);
}
