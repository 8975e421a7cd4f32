import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished } from 'node:stream';
import type { Server } from '@tus/server';

/** Bytes of request body queued ahead of the store before the socket is paused. */
const BODY_QUEUE_BYTES = 1 << 20;

/**
 * The request body as a web stream, passing the socket's buffers through as they are. Node's `Readable.toWeb`
 * (which @tus/server would use) copies every 64 KiB piece into a fresh buffer and pauses the socket after each one;
 * on the upload bench those copies and the garbage they made cost more server CPU than hashing the bytes. Nothing
 * downstream transfers or detaches the buffers (tus turns the stream straight back into a Node stream), so sharing
 * them is safe.
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        // `finished` also reports a connection cut before the end of the body, as an error.
        finished(req, (err) => {
          try {
            if (err) controller.error(err);
            else controller.close();
          } catch {
            // Already cancelled by the reader: nothing left to tell it.
          }
        });
      },
      pull() {
        req.resume();
      },
      cancel(reason) {
        req.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: BODY_QUEUE_BYTES, size: (chunk) => chunk.byteLength },
  );
}

/** The node request as the web Request tus handles, or undefined when its URL or headers do not convert. */
function webRequest(req: IncomingMessage, res: ServerResponse): Request | undefined {
  try {
    const headers = new Headers();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    // `duplex` is required for a streamed body but missing from the DOM typings.
    const init = { method: req.method, headers, body: bodyStream(req), duplex: 'half' } as RequestInit;
    // @tus/server looks for `runtime.node` (as srvx's NodeRequest has it) to abort a transfer whose connection
    // fails, which ends the stream cleanly so that what was received is written and the offset stays exact.
    return Object.assign(new Request(url, init), { runtime: { name: 'node', node: { req, res } } });
  } catch {
    return undefined;
  }
}

/**
 * Serves one request to the tus endpoint. PATCH requests (the bytes of every transfer) go through `handleWeb` with a
 * body stream that does not copy (see bodyStream); everything else goes through @tus/server's own Node adapter.
 */
export async function handleTusRequest(tus: Server, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = req.method === 'PATCH' ? webRequest(req, res) : undefined;
  if (!request) return tus.handle(req, res);
  const response = await tus.handleWeb(request);
  if (res.destroyed) return;
  // A flat [name, value, name, value, ...] list: what writeHead takes to keep repeated headers.
  const headers: string[] = [];
  response.headers.forEach((value, name) => {
    headers.push(name, value);
  });
  if (response.statusText) res.writeHead(response.status, response.statusText, headers);
  else res.writeHead(response.status, headers);
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  await new Promise<void>((resolve) => res.end(body, () => resolve()));
}
