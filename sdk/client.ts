import { SiweMessage } from 'siwe';
import * as tus from 'tus-js-client';
import type { CreatedUpload, UploadManifest, UploadView } from '../api/index.ts';

/** Anything that can sign an EIP-191 personal message: an ethers Wallet, a WalletConnect session, a hardware key. */
export interface MessageSigner {
  getAddress(): Promise<string>;
  signMessage(message: string): Promise<string>;
}

/** An API error with the server's code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Where the bytes of one file come from: in Node an fs.ReadStream (resumable by path) or a Buffer; a Blob in apps. */
export type FileInput = tus.Upload['file'];

/** Options for sending one file. */
export interface SendOptions {
  onProgress?: (sent: number, total: number) => void;
  /** Bytes per PATCH request; smaller chunks lose less on a flaky link. */
  chunkSize?: number;
  /** Delays between automatic retries after a network error; each retry resumes from the server's offset. */
  retryDelays?: number[];
  /** Resume a transfer started earlier (its URL, as `onUrl` reported it). */
  resumeUrl?: string;
  /**
   * Called once the transfer has a URL, so a caller can persist it and resume after a crash; no byte is sent before
   * its promise settles, and a rejection stops the transfer.
   */
  onUrl?: (url: string) => void | Promise<void>;
  /**
   * A key naming this transfer across restarts (say upload id and file index). With it, tus-js-client keeps the
   * transfer's URL in its URL storage (localStorage in a browser; nothing in Node) and the next sendFile with the
   * same key resumes from the server's offset; the entry is removed once the file is sent.
   */
  resumeKey?: string;
  /** How the input is read; sdk/node.ts has one that reads files in large pieces. Default: tus-js-client's. */
  fileReader?: tus.UploadOptions['fileReader'];
}

/**
 * `base` (the URL storage tus-js-client would use) with `onUrl` awaited before each URL is stored; a failing
 * `onUrl` is handed to `fail` and the URL is not stored.
 */
function reportingUrls(
  base: tus.UrlStorage,
  onUrl: (url: string) => void | Promise<void>,
  fail: (err: unknown) => void,
): tus.UrlStorage {
  return {
    findAllUploads: () => base.findAllUploads(),
    findUploadsByFingerprint: (fingerprint) => base.findUploadsByFingerprint(fingerprint),
    removeUpload: (key) => base.removeUpload(key),
    async addUpload(fingerprint, stored) {
      try {
        if (stored.uploadUrl) await onUrl(stored.uploadUrl);
      } catch (err) {
        fail(err);
        return '';
      }
      return base.addUpload(fingerprint, stored);
    },
  };
}

/**
 * The client a companion app, the CLI and the web pages use: sign in with a wallet, declare an upload, send its
 * files resumably with tus, and poll its status. Platform-neutral: file hashing and file access live in sdk/node.ts.
 */
export class MapmintClient {
  readonly baseUrl: string;
  token: string | undefined;

  constructor(opts: { baseUrl: string; token?: string }) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.token = opts.token;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const e = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(
        res.status,
        e?.code ?? `http_${res.status}`,
        e?.message ?? `${method} ${path} answered ${res.status}`,
      );
    }
    return { status: res.status, data: data as T };
  }

  /**
   * Signs in with Ethereum (EIP-4361) and keeps the bearer token for later calls. The domain and URI are the base
   * URL this client talks to (never what the server says, or a look-alike server could relay the signature); the
   * chain is the one the server names with the nonce unless given.
   */
  async signIn(
    signer: MessageSigner,
    opts: { chainId?: number; statement?: string } = {},
  ): Promise<{ token: string; address: string }> {
    const { data: n } = await this.request<{ nonce: string; chainId?: number }>('POST', '/v1/auth/nonce');
    const url = new URL(this.baseUrl);
    const message = new SiweMessage({
      domain: url.host,
      address: await signer.getAddress(),
      statement: opts.statement ?? 'Sign in to mapmint to upload drives and earn rewards.',
      uri: url.origin,
      version: '1',
      chainId: opts.chainId ?? n.chainId ?? 1,
      nonce: n.nonce,
      issuedAt: new Date().toISOString(),
      expirationTime: new Date(Date.now() + 10 * 60_000).toISOString(),
    }).prepareMessage();
    const signature = await signer.signMessage(message);
    const { data } = await this.request<{ token: string; address: string }>('POST', '/v1/auth/verify', {
      message,
      signature,
    });
    this.token = data.token;
    return data;
  }

  /** Revokes this client's token on the server and forgets it. */
  async signOut(): Promise<void> {
    if (this.token) await this.request('POST', '/v1/auth/logout');
    this.token = undefined;
  }

  /** Revokes every session of the signed-in contributor (all devices); returns how many were live. */
  async revokeAllSessions(): Promise<number> {
    const { data } = await this.request<{ revoked: number }>('DELETE', '/v1/auth/sessions');
    this.token = undefined;
    return data.revoked;
  }

  /** GET a JSON resource of the API (authenticated when signed in). */
  async get<T>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)).data;
  }

  /** POST a JSON body to the API (authenticated when signed in); answers the response's JSON. */
  async post<T>(path: string, body: unknown): Promise<T> {
    return (await this.request<T>('POST', path, body)).data;
  }

  /** DELETE a resource of the API; answers the response's JSON, if any. */
  async delete<T>(path: string): Promise<T> {
    return (await this.request<T>('DELETE', path)).data;
  }

  /** Declares an upload; an identical one of yours comes back with `created: false`. */
  async createUpload(manifest: UploadManifest): Promise<CreatedUpload> {
    return (await this.request<CreatedUpload>('POST', '/v1/uploads', manifest)).data;
  }

  /** An upload's status, files, reasons and audit trail. */
  async getUpload(id: string): Promise<UploadView> {
    return (await this.request<UploadView>('GET', `/v1/uploads/${encodeURIComponent(id)}`)).data;
  }

  /** Sends one declared file with tus, resuming from the server's offset after network errors. */
  sendFile(uploadId: string, fileIndex: number, input: FileInput, size: number, opts: SendOptions = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      const upload = new tus.Upload(input, {
        endpoint: `${this.baseUrl}/v1/files`,
        uploadUrl: opts.resumeUrl ?? null,
        uploadSize: size,
        metadata: { uploadId, fileIndex: String(fileIndex) },
        headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
        chunkSize: opts.chunkSize ?? 8 * 1024 * 1024,
        retryDelays: opts.retryDelays ?? [0, 500, 1000, 3000, 5000, 10000],
        // tus-js-client awaits its URL storage before the first PATCH (and calls nothing else in time for that), so
        // onUrl is handed the URL through it: a process killed afterwards has the URL stored before any byte it loses.
        storeFingerprintForResuming: opts.resumeKey !== undefined || opts.onUrl !== undefined,
        removeFingerprintOnSuccess: true,
        fingerprint: async () =>
          opts.resumeKey === undefined ? `${uploadId}.${fileIndex}` : `mapmint:${opts.resumeKey}`,
        ...(opts.onUrl
          ? {
              urlStorage: reportingUrls(tus.defaultOptions.urlStorage, opts.onUrl, (err) => {
                void upload.abort();
                reject(err);
              }),
            }
          : {}),
        ...(opts.fileReader ? { fileReader: opts.fileReader } : {}),
        onProgress: (sent, total) => opts.onProgress?.(sent, total),
        onError: (err) => {
          const res = (err as tus.DetailedError).originalResponse;
          const body = res?.getBody();
          let parsed: { error?: { code: string; message: string } } | undefined;
          try {
            parsed = body ? JSON.parse(body) : undefined;
          } catch {
            parsed = undefined;
          }
          reject(
            parsed?.error
              ? new ApiError(res?.getStatus() ?? 0, parsed.error.code, parsed.error.message)
              : new ApiError(res?.getStatus() ?? 0, 'transfer_failed', err.message),
          );
        },
        onSuccess: () => resolve(),
      });
      // A transfer this key started earlier (and whose URL the storage still has) goes on from the server's offset;
      // a URL the server no longer knows (404) makes tus-js-client start the file afresh.
      const previous = opts.resumeKey === undefined || opts.resumeUrl ? undefined : upload.findPreviousUploads();
      if (!previous) upload.start();
      else
        previous.then(
          (found) => {
            const last = found.sort((x, y) => Date.parse(y.creationTime) - Date.parse(x.creationTime))[0];
            if (last) upload.resumeFromPreviousUpload(last);
            upload.start();
          },
          (err: unknown) => reject(new ApiError(0, 'transfer_failed', `reading the saved transfers: ${String(err)}`)),
        );
    });
  }

  /** Polls an upload until `done(status)` holds or the timeout passes. */
  async waitFor(
    id: string,
    done: (u: UploadView) => boolean,
    opts: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<UploadView> {
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      const u = await this.getUpload(id);
      if (done(u)) return u;
      if (Date.now() > deadline) throw new ApiError(0, 'timeout', `upload ${id} still ${u.status} after waiting`);
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
    }
  }
}
