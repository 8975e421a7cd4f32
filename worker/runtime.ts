import { connect, type Db, migrate, resolveDatabaseUrl, type Sql, stateDir } from '../db/index.ts';
import { openQueue, type Queue, type QueueOptions } from '../queue/index.ts';
import { type BlobStore, openBlobStore } from '../storage/index.ts';

/** Everything a mapmint process talks to: the database, the queue and the blob store. */
export interface Runtime {
  url: string;
  sql: Sql;
  db: Db;
  queue: Queue;
  blobs: BlobStore;
  close(): Promise<void>;
}

/** Opens the runtime: DATABASE_URL or the local cluster, migrated; the queue; the configured blob store. */
export async function openRuntime(
  opts: { url?: string; migrate?: boolean; queue?: QueueOptions } = {},
): Promise<Runtime> {
  const url = opts.url ?? (await resolveDatabaseUrl()).url;
  if (opts.migrate !== false) await migrate(url);
  const { sql, db } = connect(url);
  const queue = await openQueue(url, opts.queue);
  const blobs = openBlobStore(stateDir());
  return {
    url,
    sql,
    db,
    queue,
    blobs,
    async close() {
      await queue.stop();
      await sql.end({ timeout: 5 });
    },
  };
}
