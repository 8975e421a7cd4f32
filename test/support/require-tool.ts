/**
 * Missing dependencies of a test (a browser, a system tool, fetched model files): a developer's run without them
 * skips those tests with the reason, but under CI=true the test file fails at load, so CI can never pass by skipping.
 */
import { existsSync } from 'node:fs';

/** The skip reason when `present` is false (false when it is true); throws instead under CI=true. */
export function requireDependency(present: boolean, reason: string): string | false {
  if (present) return false;
  if (process.env['CI'] === 'true') throw new Error(`${reason} (CI=true: a missing test dependency fails the run)`);
  return reason;
}

/** The skip reason when the program at `file` is missing (false when it is there); throws instead under CI=true. */
export function requireTool(file: string, install: string): string | false {
  return requireDependency(existsSync(file), `${file} is missing: ${install}`);
}
