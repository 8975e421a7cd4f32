import type { Command } from 'commander';
import { MapmintClient, type StepView, type UploadView } from '../../sdk/index.ts';
import { retryUpload } from '../../uploads/index.ts';
import { openRuntime } from '../../worker/index.ts';
import { emit, type GlobalFlags, log } from '../output.ts';
import { loadWallet, newKeystore } from '../wallet.ts';

/** The server the upload commands talk to unless told: MAPMINT_SERVER, else the local one. */
export const DEFAULT_SERVER = process.env.MAPMINT_SERVER ?? 'http://127.0.0.1:8787';

/** Signs in with the configured wallet (or uses MAPMINT_TOKEN). */
export async function signedInClient(server: string, keystore?: string): Promise<MapmintClient> {
  const client = new MapmintClient({ baseUrl: server, token: process.env.MAPMINT_TOKEN });
  if (!client.token) await client.signIn(await loadWallet(keystore));
  return client;
}

/** Formats an upload's status for people. */
export function describeUpload(u: UploadView): string {
  const lines = [`upload ${u.id}: ${u.status}`];
  for (const f of u.files) lines.push(`  [${f.status}] ${f.role.padEnd(9)} ${f.name} (${f.size} bytes)`);
  for (const r of u.reasons) {
    lines.push(`  reason ${r.code}: ${r.message}`);
    if (r.hint) lines.push(`    what to do: ${r.hint}`);
  }
  if (u.validation) lines.push(`  validation: ${u.validation.verdict}`);
  if (u.failure) lines.push(`  failed at ${u.failure.step}: ${u.failure.error} (run \`mapmint retry ${u.id}\`)`);
  for (const s of u.steps ?? []) lines.push(`  ${describeStep(s, u.progress?.[s.step])}`);
  return lines.join('\n');
}

/** One line per step: its state, what it did, its live progress or its last error. */
function describeStep(s: StepView, p: UploadView['progress'][string] | undefined): string {
  const what = s.output
    ? Object.entries(s.output)
        .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')
    : '';
  const live = p && s.state === 'running' ? `${Math.round(p.done)}/${Math.round(p.total)} ${p.unit}` : '';
  const tries = s.retries > 0 ? `after ${s.retries} retr${s.retries === 1 ? 'y' : 'ies'}` : '';
  const error = s.error ? `error: ${s.error}` : '';
  return [`${s.step.padEnd(16)} ${s.state.padEnd(8)}`, what, live, tries, error].filter(Boolean).join('  ');
}

/** `status`, `retry`, `wallet new` (`upload` is in upload.ts). */
export function registerUploads(program: Command, flags: () => GlobalFlags): void {
  program
    .command('status <upload>')
    .description("show an upload's status, files, reasons and audit trail")
    .option('-s, --server <url>', 'server URL', DEFAULT_SERVER)
    .option('--keystore <file>', 'encrypted wallet keystore')
    .action(async (id: string, o: { server: string; keystore?: string }) => {
      const client = await signedInClient(o.server, o.keystore);
      const u = await client.getUpload(id);
      emit(
        flags(),
        u,
        () =>
          `${describeUpload(u)}\n${u.events.map((e) => `  ${e.at} ${e.from ?? '-'} -> ${e.to} (${e.step})`).join('\n')}`,
      );
    });
  program
    .command('retry <upload>')
    .description('run a failed upload again from the step that failed, once its cause is fixed (uses DATABASE_URL)')
    .action(async (id: string) => {
      const rt = await openRuntime();
      try {
        const r = await retryUpload(rt.sql, rt.queue, id, 'cli');
        emit(
          flags(),
          { id, ...r },
          () => `upload ${id}: ${r.step} runs again (job ${r.jobId}), the upload is ${r.status}`,
        );
      } finally {
        await rt.close();
      }
    });
  const wallet = program.command('wallet').description('contributor wallets');
  wallet
    .command('new')
    .description('create an encrypted keystore (password from MAPMINT_KEYSTORE_PASSWORD)')
    .requiredOption('--out <file>', 'where to write the keystore')
    .action(async (o: { out: string }) => {
      const r = await newKeystore(o.out);
      log(`keep ${o.out} and its password safe: it holds your rewards`);
      emit(flags(), r, () => `created wallet ${r.address} in ${r.path}`);
    });
}
