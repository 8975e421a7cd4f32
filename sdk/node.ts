import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createReadStream, ReadStream } from 'node:fs';
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type DeclaredFile, describeFile, type UploadManifest, type UploadView } from '../api/index.ts';
import type { MapmintClient, SendOptions } from './client.ts';
import { type DeviceSigner, signManifest } from './device-keys.ts';

// The CLI reads roles from here; the rule itself lives in api/ so the browser's upload form shares it.
export { describeFile };

/**
 * Size and SHA-256 of a file, streamed. The sdk keeps its own copy of storage's sha256File because it may import only
 * core and api (it ships to the companion app without the server's S3 client), and because a client hashing a file
 * it is about to upload must notice the file changing under it (the size check below).
 */
export async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const s = await stat(file);
  if (s.size !== size) throw new Error(`${file} changed while it was being read`);
  return { size, sha256: h.digest('hex') };
}

/** Describes local files for a manifest: name, role, content type, size, hash (from `known` when it has them). */
export async function declareFiles(
  files: string[],
  known?: Pick<TransferMemory, 'knownHash'>,
): Promise<DeclaredFile[]> {
  const out: DeclaredFile[] = [];
  for (const f of files) {
    const h = (await known?.knownHash?.(f)) ?? (await hashFile(f));
    out.push({ name: path.basename(f), ...describeFile(f), size: h.size, sha256: h.sha256 });
  }
  return out;
}

/** Larger PATCH chunks than this are streamed from the file instead of read into one buffer. */
const MAX_BUFFERED_SLICE = 64 << 20;

/**
 * Reads a local file (given as an fs.ReadStream, as tus-js-client takes it) one whole PATCH chunk at a time into a
 * buffer that is reused for every chunk. tus-js-client's own reader streams each chunk 64 KiB at a time, one round
 * trip to libuv's thread pool each, and a stream of fresh buffers (even 1 MiB ones) made the client collect garbage
 * for a whole heap every few tens of MB sent; on the upload bench those, not the copying, bounded the rate
 * (bench/upload.ts). Reusing the buffer is safe because tus-js-client (without parallelUploads, which SendOptions
 * does not offer) asks for the next slice only once the previous PATCH has been answered, or aborted: by then no
 * write still reads from it.
 */
export const nodeFileReader: NonNullable<SendOptions['fileReader']> = {
  async openFile(input: unknown) {
    if (!(input instanceof ReadStream) || typeof input.path !== 'string') {
      throw new TypeError('nodeFileReader reads files given as fs.ReadStream');
    }
    const file = input.path;
    input.destroy();
    const { size } = await stat(file);
    let buffer: Buffer | undefined;
    return {
      size,
      async slice(start: number, end: number) {
        const stop = Math.min(end, size);
        const length = Math.max(0, stop - start);
        if (length > MAX_BUFFERED_SLICE) {
          // A huge chunk (chunkSize: Infinity) is streamed rather than held whole in memory.
          const value = Object.assign(createReadStream(file, { start, end: stop - 1, highWaterMark: 1 << 20 }), {
            size: length,
          });
          return { value, done: stop >= size };
        }
        if (!buffer || buffer.length < length) buffer = Buffer.allocUnsafeSlow(length);
        // Opened per slice: tus-js-client does not close the source when an upload fails for good.
        const fh = await open(file, 'r');
        try {
          let got = 0;
          while (got < length) {
            const { bytesRead } = await fh.read(buffer, got, length - got, start + got);
            if (bytesRead === 0) throw new Error(`${file} is shorter than its declared ${size} bytes: it changed`);
            got += bytesRead;
          }
        } finally {
          await fh.close();
        }
        // tus-js-client sends `size` as the PATCH request's Content-Length.
        const value = Object.assign(buffer.subarray(0, length), { size: length });
        return { value, done: stop >= size };
      },
      close() {
        buffer = undefined;
      },
    };
  },
};

/** The signer of a node:crypto Ed25519 private key. */
function nodeDeviceSigner(key: KeyObject): DeviceSigner {
  const x = createPublicKey(key).export({ format: 'jwk' }).x;
  if (key.asymmetricKeyType !== 'ed25519' || !x) throw new Error('a device key must be an Ed25519 private key');
  return { publicKey: x, sign: async (message) => sign(null, Buffer.from(message, 'utf8'), key).toString('base64url') };
}

/**
 * The device key kept in `file` (PKCS#8 PEM), or undefined when there is none. Like ssh, refuses a key file that
 * others may read: whoever can read it can sign uploads as this device.
 */
export async function loadDeviceKey(file: string): Promise<DeviceSigner | undefined> {
  const pem = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (pem === undefined) return undefined;
  if (process.platform !== 'win32' && ((await stat(file)).mode & 0o077) !== 0) {
    throw new Error(`${file} can be read by other users: run \`chmod 600 ${file}\` (or register a new key)`);
  }
  return nodeDeviceSigner(createPrivateKey(pem));
}

/** Creates a new Ed25519 device key in `file` (mode 0600, never overwriting an existing file). */
export async function createDeviceKey(file: string): Promise<DeviceSigner> {
  const { privateKey } = generateKeyPairSync('ed25519');
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  return nodeDeviceSigner(privateKey);
}

/**
 * Where the transfer URL of each local file is kept between runs, so that a new process (after the CLI was killed)
 * resumes a file from the server's offset instead of byte 0. The CLI keeps it in a state file (cli/upload-state.ts).
 */
export interface TransferMemory {
  /** The transfer URL stored for `file` as file `idx` of `uploadId`, if any. */
  recall(file: string, uploadId: string, idx: number): Promise<string | undefined>;
  /** Stores the URL of the transfer that now carries `file`. */
  remember(file: string, uploadId: string, idx: number, url: string): Promise<void>;
  /** Forgets `file` (its transfer and its hash) once the server has it. */
  forget(file: string): Promise<void>;
  /**
   * Size and SHA-256 stored for `file` as it is now (same path, size and mtime): a run after a kill need not read a
   * whole SD card again before resuming. The server checks every received file's hash, so a stale entry costs a
   * resend, never a wrong file.
   */
  knownHash?(file: string): Promise<{ size: number; sha256: string } | undefined>;
  /** Stores the hashes of the files about to be sent. */
  rememberHashes?(list: { file: string; size: number; sha256: string }[]): Promise<void>;
}

/** Progress of a whole upload, in bytes across its files. */
export type UploadProgress = (e: { sent: number; total: number; file: string }) => void;

/**
 * Uploads local files end to end: declare (or find the identical earlier upload), signed by the device key when a
 * `signer` is given, then send every file the server does not have yet, each resumable. Returns the upload as the
 * server sees it afterwards.
 */
export async function uploadFiles(
  client: MapmintClient,
  files: string[],
  base: Omit<UploadManifest, 'files'>,
  opts: {
    onProgress?: UploadProgress;
    send?: SendOptions;
    signer?: DeviceSigner | undefined;
    memory?: TransferMemory;
  } = {},
): Promise<UploadView> {
  const { memory } = opts;
  const declared = await declareFiles(files, memory);
  await memory?.rememberHashes?.(declared.map((d, i) => ({ file: files[i]!, size: d.size, sha256: d.sha256 })));
  const manifest = { ...base, files: declared };
  const up = await client.createUpload(opts.signer ? await signManifest(manifest, opts.signer) : manifest);
  const total = declared.reduce((s, f) => s + f.size, 0);
  let done = up.files.filter((f) => f.status === 'received').reduce((s, f) => s + f.size, 0);
  for (const f of up.files) {
    const local = files[declared.findIndex((d) => d.name === f.name && d.sha256 === f.sha256)];
    if (!local) throw new Error(`the server lists ${f.name}, which is not among the files given`);
    if (f.status === 'received') {
      await memory?.forget(local);
      continue;
    }
    const before = done;
    const resumeUrl = await memory?.recall(local, up.id, f.idx);
    await client.sendFile(up.id, f.idx, createReadStream(local), f.size, {
      fileReader: nodeFileReader,
      ...opts.send,
      ...(resumeUrl ? { resumeUrl } : {}),
      ...(memory ? { onUrl: (url: string) => memory.remember(local, up.id, f.idx, url) } : {}),
      onProgress: (sent) => opts.onProgress?.({ sent: before + sent, total, file: f.name }),
    });
    await memory?.forget(local);
    done += f.size;
  }
  opts.onProgress?.({ sent: total, total, file: '' });
  return client.getUpload(up.id);
}
