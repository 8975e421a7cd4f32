import type { Sql } from '../db/index.ts';
import type { BlobStore } from '../storage/index.ts';
import type { Queue } from './queue.ts';

/** What a stage's job handler gets to work with: the database, the blob store, and the queue to enqueue next steps. */
export interface StageContext {
  sql: Sql;
  blobs: BlobStore;
  queue: Queue;
}
