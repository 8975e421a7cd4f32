import type { Command } from 'commander';
import { ensureLocalCluster, migrate, resolveDatabaseUrl, stopLocalCluster } from '../../db/index.ts';
import { checkDependencies, doctor, osName } from '../doctor.ts';
import { emit, type GlobalFlags, log } from '../output.ts';

/** `doctor` and `db ...`: set-up and the database. */
export function registerSystem(program: Command, flags: () => GlobalFlags): void {
  program
    .command('doctor')
    .description(
      'check system dependencies (PostgreSQL, PostGIS, ffmpeg, ...); --fix installs missing ones with apt-get',
    )
    .option('--fix', 'install what is missing (as root on Debian)')
    .action(async (o: { fix?: boolean }) => {
      const r = await doctor({ fix: !!o.fix, log });
      emit(flags(), { os: osName(), ...r }, () =>
        [
          `mapmint doctor (${osName()})`,
          ...r.checks.map((c) => `  ${c.present ? 'ok     ' : 'MISSING'} ${c.name.padEnd(10)} ${c.purpose}`),
          r.installed.length ? `installed: ${r.installed.join(' ')}` : 'nothing to install',
        ].join('\n'),
      );
    });
  program
    .command('deps')
    .description('list system dependencies without installing')
    .action(() => {
      const c = checkDependencies();
      emit(flags(), c, () => c.map((d) => `${d.present ? 'ok' : 'missing'}\t${d.name}\t${d.pkg}`).join('\n'));
    });
  const db = program.command('db').description('the database: provision, migrate, stop');
  db.command('up')
    .description('provision and start the project-local cluster (unless DATABASE_URL is set) and apply migrations')
    .action(async () => {
      const r = await resolveDatabaseUrl();
      await migrate(r.url);
      emit(
        flags(),
        { url: redact(r.url), local: r.local },
        () => `database ready: ${redact(r.url)}${r.local ? ' (project-local cluster)' : ''}`,
      );
    });
  db.command('migrate')
    .description('apply the SQL migrations in db/migrations')
    .action(async () => {
      const r = await resolveDatabaseUrl();
      await migrate(r.url);
      emit(flags(), { migrated: true }, () => 'migrations applied');
    });
  db.command('url')
    .description('print the database URL (with the password) for psql and other tools')
    .action(async () => {
      const r = process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : await ensureLocalCluster();
      emit(flags(), { url: r.url }, () => r.url);
    });
  db.command('stop')
    .description('stop the project-local cluster')
    .action(async () => {
      const stopped = await stopLocalCluster();
      emit(flags(), { stopped }, () => (stopped ? 'stopped' : 'not running'));
    });
}

/** Hides the password in a database URL for logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
