/**
 * The server side of bench/upload.ts, in a process of its own as in production (the client is elsewhere): starts
 * the real server over a fresh database, reports its URL over IPC, answers `cpu` with its CPU time so far, and on
 * `close` drops the database and exits.
 */
import { startTestServer } from '../test/support/server.ts';

const server = await startTestServer();
process.send?.({ baseUrl: server.baseUrl });
process.on('message', async (m) => {
  // CPU time spent so far (user + system, microseconds), so the bench can report the server's CPU per round.
  if (m === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
    return;
  }
  if (m !== 'close') return;
  await server.close();
  process.exit(0);
});
// If the bench dies, the IPC channel closes: clean up all the same.
process.on('disconnect', async () => {
  await server.close().catch(() => {});
  process.exit(1);
});
