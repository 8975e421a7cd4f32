/**
 * The server side of bench/upload.ts, in a process of its own as in production (the client is elsewhere): starts
 * the real server over a fresh database, reports its URL over IPC, answers `cpu` with its CPU time so far, and on
 * `close` drops the database and exits.
 *
 * Beside it, the same process runs the bench's ceiling: a bare TCP sink (no HTTP, no tus, no database) that
 * SHA-256-hashes each connection's bytes while writing them to a file on the same disk, answers the digest and
 * deletes the file. It is the least any upload server that verifies content must do in Node, so `ours / raw` says
 * how much of that ceiling the real server keeps.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer } from '../test/support/server.ts';

const server = await startTestServer();
const rawDir = mkdtempSync(path.join(tmpdir(), 'mapmint-bench-raw-'));
let rawCount = 0;
// Half-open: the sink answers the digest after the client has ended its side.
const raw = createServer({ allowHalfOpen: true }, (socket: Socket) => {
  const file = path.join(rawDir, String(rawCount++));
  const hash = createHash('sha256');
  const out = createWriteStream(file, { highWaterMark: 4 << 20 });
  socket.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    if (!out.write(chunk)) socket.pause();
  });
  out.on('drain', () => socket.resume());
  socket.on('end', () => {
    out.end(() => {
      rmSync(file, { force: true });
      socket.end(`${hash.digest('hex')}\n`);
    });
  });
  socket.on('error', () => out.destroy());
});
raw.listen(0, '127.0.0.1');
await once(raw, 'listening');
const rawPort = (raw.address() as { port: number }).port;

process.send?.({ baseUrl: server.baseUrl, rawPort });
async function shutdown(code: number): Promise<never> {
  raw.close();
  rmSync(rawDir, { recursive: true, force: true });
  await server.close().catch(() => {});
  process.exit(code);
}
process.on('message', async (m) => {
  // CPU time spent so far (user + system, microseconds), so the bench can report the server's CPU per round.
  if (m === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
    return;
  }
  if (m === 'close') await shutdown(0);
});
// If the bench dies, the IPC channel closes: clean up all the same.
process.on('disconnect', () => void shutdown(1));
