/** A test database holding the golden dataset, with a scratch folder for archives, and the live-version path. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCurrent, versionPath } from '../../../tiler/index.ts';
import { createTestDatabase, type TestDatabase } from '../../support/db.ts';
import { goldenDataset, insertDrives, insertSegments } from './dataset.ts';

/** A fresh database with goldenDataset()'s segments and drives, and an empty folder named after `prefix`. */
export async function openGoldenDatabase(prefix: string): Promise<{ db: TestDatabase; dir: string }> {
  const db = await createTestDatabase();
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const g = goldenDataset();
  await insertSegments(db.sql, g.segments);
  await insertDrives(db.sql, g.drives);
  return { db, dir };
}

/** Drops what openGoldenDatabase made (either may be missing when its `before` failed). */
export async function closeGoldenDatabase(db: TestDatabase | undefined, dir: string): Promise<void> {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** The file of the archive version `out` currently serves. */
export const liveArchive = async (out: string): Promise<string> => versionPath(out, (await readCurrent(out))!);
