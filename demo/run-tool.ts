import { spawn } from 'node:child_process';
import { MapmintError } from '../core/index.ts';

/** Runs a system tool with an argument array (never a shell string) and collects its output; typed errors on failure. */
export function runTool(bin: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => reject(toolError(bin, e)));
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new MapmintError('internal', 'tool_failed', `${bin} exited with code ${code}: ${stderr.trim().slice(-500)}`, {
            bin,
            args,
            code,
          }),
        );
    });
  });
}

/** A spawn error as a MapmintError: a missing binary says which package to install. */
export function toolError(bin: string, e: NodeJS.ErrnoException): MapmintError {
  if (e.code === 'ENOENT') {
    return new MapmintError(
      'dependency_missing',
      'tool_missing',
      `${bin} not found: install it (apt-get install ${bin === 'osmium' ? 'osmium-tool' : bin})`,
      { bin },
    );
  }
  return new MapmintError('internal', 'tool_failed', `${bin} could not start: ${e.message}`, { bin });
}
