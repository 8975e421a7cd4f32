import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Result of a finished child process. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argument array (never a shell string) and collects its output. */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    if (child.stdin) {
      child.stdin.on('error', () => {}); // a child that exits before reading its input is not our error
      child.stdin.end(opts.input);
    }
  });
}

/** True when this process runs as root (PostgreSQL then has to run as the `postgres` user). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Finds an executable on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** The machine's PostgreSQL server binaries: `MAPMINT_PG_BIN`, else the newest /usr/lib/postgresql/N/bin. */
export function findPgBin(): { bin: string; major: number } | undefined {
  const forced = process.env.MAPMINT_PG_BIN;
  if (forced) {
    const m = /postgresql\/(\d+)/.exec(forced);
    return { bin: forced, major: m ? Number(m[1]) : 0 };
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .map(Number)
    .filter((n) => Number.isInteger(n) && existsSync(path.join(root, String(n), 'bin', 'initdb')))
    .sort((a, b) => b - a);
  const major = majors[0];
  return major === undefined ? undefined : { bin: path.join(root, String(major), 'bin'), major };
}

/** Whether the PostGIS extension files for a PostgreSQL major version are installed. */
export function hasPostgis(major: number): boolean {
  const dir = `/usr/share/postgresql/${major}/extension`;
  return existsSync(dir) && readdirSync(dir).some((f) => /^postgis--[\d.]+\.sql$/.test(f) || f === 'postgis.control');
}
