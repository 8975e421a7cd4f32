/** Runs the real `mapmint` CLI (cli/main.ts through tsx) as a child process, as a user would. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { type DatabaseAndDir, useDatabaseAndDir } from './db.ts';
import { REPO_ROOT } from './shared-data.ts';

/** What a finished CLI run left: its exit code (1 when killed by a signal) and its whole output. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI's entry point. */
export const CLI_MAIN = path.join(REPO_ROOT, 'cli', 'main.ts');

/** Runs `mapmint <args>` in the repository with exactly `env` and waits for it to exit. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** A test file's database and MAPMINT_HOME, and `mapmint(args, env)` running the CLI against them. */
export function useCliSandbox(prefix: string): DatabaseAndDir & {
  mapmint(args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
} {
  const box = useDatabaseAndDir(prefix);
  return Object.assign(box, {
    mapmint: (args: readonly string[], env: Record<string, string> = {}) =>
      runCli(args, { ...process.env, MAPMINT_HOME: box.dir, DATABASE_URL: box.db.url, ...env }),
  });
}
