import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import type { FastifyInstance } from 'fastify';
import { openQueue, type Queue } from '../../queue/index.ts';
import { MapmintClient } from '../../sdk/index.ts';
import { buildServer, type ServerConfig, serverConfigFromEnv } from '../../server/index.ts';
import { type BlobStore, LocalBlobStore } from '../../storage/index.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

/** A running API server on loopback over a test database of its own. */
export interface TestServer {
  baseUrl: string;
  db: TestDatabase;
  queue: Queue;
  blobs: BlobStore;
  dir: string;
  app: FastifyInstance;
  /** A signed-in client for a fresh random wallet. */
  client(wallet?: Wallet): Promise<{ client: MapmintClient; wallet: Wallet }>;
  close(): Promise<void>;
}

/** Starts the real server (Fastify + tus + PostgreSQL) on an ephemeral loopback port. */
export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const dir = await mkdtemp(path.join(tmpdir(), 'mapmint-test-'));
  const queue = await openQueue(db.url, { supervise: false });
  const blobs = new LocalBlobStore(path.join(dir, 'blobs'));
  // Jobs that render tiles (tiler.update) write beside the test's other files, never into the project's folder.
  process.env.MAPMINT_TILES_DIR = path.join(dir, 'tiles');
  const config = serverConfigFromEnv({
    tusDir: path.join(dir, 'tus'),
    tilesDir: path.join(dir, 'tiles'),
    port: 0,
    ...overrides,
  });
  const app = await buildServer({ sql: db.sql, blobs, queue }, config);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    db,
    queue,
    blobs,
    dir,
    app,
    async client(wallet = Wallet.createRandom() as unknown as Wallet) {
      const client = new MapmintClient({ baseUrl });
      await client.signIn(wallet);
      return { client, wallet };
    },
    async close() {
      await app.close();
      await queue.stop();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
