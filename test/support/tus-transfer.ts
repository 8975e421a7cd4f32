/** Raw tus requests for the upload tests: what a hostile or careless client can send, without the SDK's care. */

const meta = (uploadId: string, idx: number) =>
  `uploadId ${Buffer.from(uploadId).toString('base64')},fileIndex ${Buffer.from(String(idx)).toString('base64')}`;

/** Opens a tus transfer for file `idx` of `uploadId`: the status, the absolute Location (if created) and the body. */
export async function openTransfer(
  baseUrl: string,
  token: string,
  uploadId: string,
  idx: number,
  size: number,
): Promise<{ status: number; location: string | undefined; body: string }> {
  const res = await fetch(`${baseUrl}/v1/files`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'tus-resumable': '1.0.0',
      'upload-length': String(size),
      'upload-metadata': meta(uploadId, idx),
    },
  });
  const location = res.headers.get('location') ?? undefined;
  return { status: res.status, location: location && new URL(location, baseUrl).href, body: await res.text() };
}

/** Sends `bytes` at `offset` of the transfer at `location` (absolute, or a path on `baseUrl`). */
export function patchTransfer(
  baseUrl: string,
  token: string,
  location: string,
  offset: number,
  bytes: Buffer,
): Promise<Response> {
  return fetch(new URL(location, baseUrl), {
    method: 'PATCH',
    headers: {
      authorization: `Bearer ${token}`,
      'tus-resumable': '1.0.0',
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
    },
    body: new Uint8Array(bytes),
  });
}

/** HEAD of a transfer: its status (200 while it exists, 404 once it is gone). */
export async function headTransfer(token: string, location: string): Promise<number> {
  const res = await fetch(location, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' },
  });
  return res.status;
}
