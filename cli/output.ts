import cliProgress from 'cli-progress';
import { MapmintError } from '../core/index.ts';
import { reasonHint } from '../uploads/index.ts';

/** Global CLI flags every command honours. */
export interface GlobalFlags {
  json?: boolean;
}

/** Prints a command's result: one JSON document on stdout with --json, else the human text. */
export function emit(flags: GlobalFlags, result: unknown, human: () => string): void {
  if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${human()}\n`);
}

/** Logs for people go to stderr, so stdout stays parseable. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** A progress bar on stderr (also when stderr is not a terminal, at a slower refresh). */
export function progressBar(label: string, unit = ''): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total}${unit} | {eta_formatted} left {detail}`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
}

/** Exit codes by error kind: scripts can tell bad input from a missing dependency from a server problem. */
const EXIT: Record<string, number> = {
  invalid_input: 2,
  dependency_missing: 3,
  unauthorized: 4,
  forbidden: 4,
  not_found: 5,
  conflict: 6,
  too_large: 2,
  unsupported_media: 2,
  rate_limited: 7,
};

/** Reports a failure (as JSON with --json) and returns the exit code. */
export function fail(flags: GlobalFlags, err: unknown): number {
  const e = err as { kind?: string; code?: string; message?: string; status?: number };
  const code = e.code ?? 'error';
  const message = e.message ?? String(err);
  if (flags.json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  process.stderr.write(`mapmint: ${message}${code !== 'error' ? ` [${code}]` : ''}\n`);
  const hint = reasonHint({ code });
  if (hint && !message.includes(hint)) process.stderr.write(`  what to do: ${hint}\n`);
  if (err instanceof MapmintError) return EXIT[err.kind] ?? 1;
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
    return e.status === 401 || e.status === 403 ? 4 : 2;
  return 1;
}

/** Progress of several transfers at once, as one line each: a bar per item on a terminal, plain lines otherwise. */
export interface ProgressLines {
  /** Sets item `i` to `done` of `total` bytes, `detail` naming what moves now. */
  update(i: number, done: number, total: number, detail: string): void;
  stop(): void;
}

/**
 * One progress bar per item (cli-progress MultiBar) when stderr is a terminal and the output is for people; plain
 * lines on stderr (at most one per item every `everyMs`, and at each file change) when piped, logged or with
 * --json, where redrawn bars would be noise.
 */
export function progressLines(flags: GlobalFlags, labels: readonly string[], everyMs = 2000): ProgressLines {
  const mb = (x: number) => Math.round(x / 1e5) / 10;
  if (process.stderr.isTTY && !flags.json) {
    const multi = new cliProgress.MultiBar(
      {
        format: '{label} [{bar}] {percentage}% | {value}/{total} MB | {eta_formatted} left {detail}',
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    const width = Math.max(...labels.map((l) => l.length));
    const bars = labels.map((l) => multi.create(1, 0, { label: l.padEnd(width), detail: 'waiting' }));
    return {
      update(i, done, total, detail) {
        bars[i]?.setTotal(mb(total));
        bars[i]?.update(mb(done), { detail });
      },
      stop: () => multi.stop(),
    };
  }
  const last = labels.map(() => ({ at: 0, detail: '', pct: -1 }));
  return {
    update(i, done, total, detail) {
      const l = last[i];
      if (!l) return;
      const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
      const now = Date.now();
      if (pct === l.pct || (now - l.at < everyMs && detail === l.detail && pct < 100)) return;
      Object.assign(l, { at: now, detail, pct });
      log(`${labels[i]}: ${pct}% (${mb(done)}/${mb(total)} MB)${detail ? ` ${detail}` : ''}`);
    },
    stop() {},
  };
}
