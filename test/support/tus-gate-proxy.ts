/**
 * A reverse proxy in front of the test server for the browser upload tests: it forwards everything, records each
 * request to the upload endpoints (method, path, tus Upload-Offset, body bytes passed on to the server, status), and
 * can hold tus PATCH requests back so that a test can reload the page at a known point of a transfer: a held request
 * never reaches the server, so the server's offset is exactly what the forwarded requests carried.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the proxy saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  /** The tus Upload-Offset header, for PATCH. */
  offset: number | undefined;
  /** Body bytes passed on to the server. */
  bytes: number;
  status: number | undefined;
  /** Held and then abandoned by the browser (never forwarded). */
  dropped: boolean;
}

/** The proxy and its controls. */
export interface GateProxy {
  url: string;
  /** Every /v1/uploads and /v1/files request, in arrival order. */
  seen: SeenRequest[];
  /** Forwards to this origin from now on (set once the server listens). */
  target(origin: string): void;
  /** Forwards `n` more PATCH requests, then holds the following ones; resolves once one is held. */
  holdAfter(n: number): Promise<void>;
  /** Stops holding: held requests are abandoned (the browser is expected to have given up on them). */
  open(): void;
  close(): Promise<void>;
}

/** Starts the proxy on an ephemeral loopback port. */
export async function startGateProxy(): Promise<GateProxy> {
  let origin: URL | undefined;
  let budget = Number.POSITIVE_INFINITY;
  let onHeld: (() => void) | undefined;
  const held = new Set<() => void>();
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const watched = /^\/v1\/(files|uploads)(\/|$|\?)/.test(path);
    const isPatch = req.method === 'PATCH' && path.startsWith('/v1/files/');
    const entry: SeenRequest = {
      method: req.method ?? '',
      path,
      offset: req.headers['upload-offset'] === undefined ? undefined : Number(req.headers['upload-offset']),
      bytes: 0,
      status: undefined,
      dropped: false,
    };
    if (watched) seen.push(entry);
    if (isPatch && budget <= 0) {
      entry.dropped = true;
      const drop = () => res.destroy();
      held.add(drop);
      res.on('close', () => held.delete(drop));
      onHeld?.();
      return;
    }
    if (isPatch) budget--;
    if (!origin) throw new Error('the proxy has no target yet');
    const up = request(
      { host: origin.hostname, port: origin.port, method: req.method, path, headers: req.headers },
      (answer) => {
        entry.status = answer.statusCode;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.on('data', (c: Buffer) => {
      entry.bytes += c.length;
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    target(o) {
      origin = new URL(o);
    },
    holdAfter(n) {
      budget = n;
      return new Promise((resolve) => {
        onHeld = () => {
          onHeld = undefined;
          resolve();
        };
      });
    },
    open() {
      budget = Number.POSITIVE_INFINITY;
      for (const drop of held) drop();
      held.clear();
    },
    close() {
      for (const drop of held) drop();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
