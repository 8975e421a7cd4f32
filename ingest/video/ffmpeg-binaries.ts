/**
 * The system ffmpeg/ffprobe (Debian's `apt-get install ffmpeg`, at /usr/bin), spawned with argument arrays and a
 * deadline (fluent-ffmpeg's ffprobe cannot be killed, so only its output format and types are kept). `MAPMINT_FFMPEG` / `MAPMINT_FFPROBE` override the paths. We use the system build
 * rather than an npm static binary because it is the one the demo encoder and the packaging already depend on.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type ffmpeg from 'fluent-ffmpeg';

function systemBinary(env: string | undefined, name: string): string {
  if (env) return env;
  const sys = `/usr/bin/${name}`;
  return existsSync(sys) ? sys : name;
}

/** Path of the ffmpeg binary used by ingest. */
export const FFMPEG_PATH = systemBinary(process.env.MAPMINT_FFMPEG, 'ffmpeg');
/** Path of the ffprobe binary used by ingest. */
export const FFPROBE_PATH = systemBinary(process.env.MAPMINT_FFPROBE, 'ffprobe');

/** Thrown by {@link runTool} when the process outlived its deadline (it has been killed). */
export class ToolTimeout extends Error {}

/**
 * Runs ffprobe/ffmpeg with an argument array and collects stdout, killing it (SIGKILL) after `timeoutMs` or once
 * stdout passes `maxBytes`. Rejects with the tool's stderr on a non-zero exit, or with ToolTimeout.
 */
export function runTool(bin: string, args: string[], opts: { timeoutMs: number; maxBytes?: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let killed: Error | undefined;
    const kill = (why: Error): void => {
      killed ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill(new ToolTimeout(`${bin} ran past ${opts.timeoutMs} ms`)), opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      bytes += b.length;
      if (bytes > (opts.maxBytes ?? 64 << 20)) kill(new Error(`${bin} printed more than ${opts.maxBytes} bytes`));
      else out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 256) err.push(b);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killed) reject(killed);
      else if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else {
        const said = Buffer.concat(err).toString('utf8');
        reject(new Error(`${path.basename(bin)} exited with ${signal ? `signal ${signal}` : `code ${code}`}\n${said}`));
      }
    });
  });
}

/** ffprobe's `-show_streams -show_format` key=value output, parsed the way fluent-ffmpeg parses it. */
function parseProbe(text: string): ffmpeg.FfprobeData {
  const data = { streams: [], format: {}, chapters: [] } as unknown as ffmpeg.FfprobeData;
  let block: Record<string, unknown> | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (/^\[\/(STREAM|FORMAT)\]$/i.test(line)) block = undefined;
    else if (/^\[STREAM\]$/i.test(line)) {
      block = {};
      data.streams.push(block as ffmpeg.FfprobeStream);
    } else if (/^\[FORMAT\]$/i.test(line)) {
      block = {};
      data.format = block as ffmpeg.FfprobeFormat;
    } else if (block && !line.startsWith('[')) {
      const kv = /^([^=]+)=(.*)$/.exec(line);
      if (!kv) continue;
      const [, k, v] = kv as unknown as [string, string, string];
      // Tags and dispositions nest as fluent-ffmpeg nests them; bare numbers become numbers.
      const nest = /^(TAG|DISPOSITION):(.*)$/.exec(k);
      if (nest) {
        const key = nest[1] === 'TAG' ? 'tags' : 'disposition';
        const value = nest[1] === 'TAG' || !/^[0-9]+(\.[0-9]+)?$/.test(v) ? v : Number(v);
        block[key] = { ...(block[key] as Record<string, unknown> | undefined), [nest[2] as string]: value };
      } else block[k] = /^[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : v;
    }
  }
  return data;
}

/** ffprobe (`-show_streams -show_format` plus `extra`), killed after `timeoutMs`. */
export async function ffprobeData(file: string, extra: string[], timeoutMs: number): Promise<ffmpeg.FfprobeData> {
  return parseProbe(await runTool(FFPROBE_PATH, ['-show_streams', '-show_format', ...extra, file], { timeoutMs }));
}
