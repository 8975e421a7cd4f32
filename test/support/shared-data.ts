import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above this file). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the third-party test data lives: `../shared/data` beside the clone, or `MAPMINT_SHARED_DATA`. */
export const SHARED_DATA = process.env.MAPMINT_SHARED_DATA ?? path.resolve(REPO_ROOT, '..', 'shared', 'data');

/** Absolute path of a file under shared/data; throws with a clear message when the folder is missing. */
export function sharedFile(...parts: string[]): string {
  const p = path.join(SHARED_DATA, ...parts);
  if (!existsSync(p)) {
    throw new Error(
      `missing shared test data ${p}: clone the project with ../shared beside it or set MAPMINT_SHARED_DATA`,
    );
  }
  return p;
}
