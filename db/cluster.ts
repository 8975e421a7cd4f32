import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { MapmintError } from '../core/index.ts';
import { findPgBin, hasPostgis, isRoot, run } from './host-programs.ts';
import { stateDir } from './paths.ts';

/** What we remember about the project-local cluster between runs. */
interface ClusterState {
  /** Where the cluster's folder is: `<state>/pg`, or a fallback the postgres user can reach. */
  root?: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** The project-local PostgreSQL cluster: where it lives and how to reach it. */
export interface LocalCluster {
  dataDir: string;
  port: number;
  url: string;
  /** The maintenance database URL (`postgres`), for CREATE/DROP DATABASE. */
  adminUrl: string;
}

const FIRST_PORT = 54329;

function clusterRoot(): string {
  const statePath = path.join(stateDir(), 'cluster.json');
  const saved = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as ClusterState).root : undefined;
  return saved ?? path.join(stateDir(), 'pg');
}

/**
 * When we run as root, the server runs as `postgres`, which must reach the data folder. A project cloned into a
 * private folder (mode 700, e.g. from mktemp) is out of its reach: then the cluster lives in /var/tmp instead.
 */
async function reachableRoot(preferred: string): Promise<string> {
  if (!isRoot()) return preferred;
  mkdirSync(preferred, { recursive: true });
  await run('chown', ['postgres:postgres', preferred]);
  const probe = await run('runuser', ['-u', 'postgres', '--', 'test', '-w', preferred]);
  if (probe.code === 0) return preferred;
  rmSync(preferred, { recursive: true, force: true });
  const digest = createHash('sha256').update(stateDir()).digest('hex').slice(0, 12);
  const fallback = path.join('/var/tmp', `mapmint-pg-${digest}`);
  process.stderr.write(
    `mapmint: the postgres user cannot reach ${preferred}; the local cluster lives in ${fallback}\n`,
  );
  return fallback;
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (the server refuses to run as root). */
async function pg(bin: string, args: string[]): Promise<string> {
  const r = isRoot() ? await run('runuser', ['-u', 'postgres', '--', bin, ...args]) : await run(bin, args);
  if (r.code !== 0) {
    throw new MapmintError(
      'internal',
      'pg_command_failed',
      `${path.basename(bin)} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`,
    );
  }
  return r.stdout;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function pickPort(preferred: number): Promise<number> {
  for (let p = preferred; p < preferred + 200; p++) if (await portFree(p)) return p;
  throw new MapmintError(
    'internal',
    'no_free_port',
    `no free TCP port in ${preferred}..${preferred + 199} for PostgreSQL`,
  );
}

/** A cross-process lock on the cluster folder, so two commands never initdb or start it at once. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = path.join(stateDir(), 'cluster.lock');
  mkdirSync(stateDir(), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const pid = Number(readFileSafe(path.join(lock, 'pid')));
      if (pid && !alive(pid)) rmSync(lock, { recursive: true, force: true });
      else if (i > 600)
        throw new MapmintError('internal', 'cluster_locked', `the cluster lock ${lock} is held by pid ${pid}`);
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function readFileSafe(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function urlFor(s: ClusterState, db: string): string {
  return `postgres://${s.user}:${encodeURIComponent(s.password)}@127.0.0.1:${s.port}/${db}`;
}

async function isRunning(bin: string, dataDir: string): Promise<boolean> {
  const r = isRoot()
    ? await run('runuser', ['-u', 'postgres', '--', path.join(bin, 'pg_ctl'), 'status', '-D', dataDir])
    : await run(path.join(bin, 'pg_ctl'), ['status', '-D', dataDir]);
  return r.code === 0;
}

/** Checks that the server binaries and PostGIS are installed; throws an error naming the package otherwise. */
export function requirePostgres(): { bin: string; major: number } {
  const found = findPgBin();
  if (!found) {
    throw new MapmintError(
      'dependency_missing',
      'postgres_missing',
      'PostgreSQL server binaries not found under /usr/lib/postgresql: install postgresql-15 (or run `npm run setup` as root), or set DATABASE_URL to an existing server',
    );
  }
  if (!hasPostgis(found.major)) {
    throw new MapmintError(
      'dependency_missing',
      'postgis_missing',
      `PostGIS is not installed for PostgreSQL ${found.major}: install postgresql-${found.major}-postgis-3 (or run \`npm run setup\` as root)`,
    );
  }
  return found;
}

/**
 * Provisions (initdb, first time only) and starts the project-local cluster, then returns how to reach it.
 * Idempotent: a running cluster is reused; a stopped one is started on its remembered port, or a new one if taken.
 */
export async function ensureLocalCluster(): Promise<LocalCluster> {
  const { bin } = requirePostgres();
  return withLock(async () => {
    const statePath = path.join(stateDir(), 'cluster.json');
    let state: ClusterState | undefined = existsSync(statePath)
      ? JSON.parse(readFileSync(statePath, 'utf8'))
      : undefined;
    let root = state?.root ?? path.join(stateDir(), 'pg');
    let dataDir = path.join(root, 'data');
    if (!state || !existsSync(path.join(dataDir, 'PG_VERSION'))) {
      root = await reachableRoot(path.join(stateDir(), 'pg'));
      dataDir = path.join(root, 'data');
      state = {
        root,
        port: FIRST_PORT,
        user: 'mapmint',
        password: randomBytes(18).toString('base64url'),
        database: 'mapmint',
      };
      await initCluster(bin, root, dataDir, state);
      writeFileSync(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
    }
    if (!(await isRunning(bin, dataDir))) {
      if (!(await portFree(state.port))) {
        state.port = await pickPort(state.port + 1);
        writeFileSync(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
      }
      await pg(path.join(bin, 'pg_ctl'), [
        'start',
        '-D',
        dataDir,
        '-l',
        path.join(root, 'server.log'),
        '-w',
        '-t',
        '60',
        '-o',
        `-p ${state.port}`,
      ]);
    }
    await ensureDatabase(state);
    return { dataDir, port: state.port, url: urlFor(state, state.database), adminUrl: urlFor(state, 'postgres') };
  });
}

async function initCluster(bin: string, root: string, dataDir: string, state: ClusterState): Promise<void> {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const pwfile = path.join(root, 'pwfile');
  writeFileSync(pwfile, state.password + '\n', { mode: 0o600 });
  if (isRoot()) {
    // The server runs as `postgres`: it must own its folder and be able to reach it.
    await run('chown', ['-R', 'postgres:postgres', root]);
    const probe = await run('runuser', ['-u', 'postgres', '--', 'test', '-w', root]);
    if (probe.code !== 0) {
      throw new MapmintError(
        'internal',
        'cluster_dir_unreachable',
        `the postgres user cannot write ${root}: make the folders above it traversable (chmod o+x) or set MAPMINT_HOME to a folder it can reach`,
      );
    }
  }
  await pg(path.join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    state.user,
    `--pwfile=${pwfile}`,
    '--auth-host=scram-sha-256',
    '--auth-local=peer',
    '--encoding=UTF8',
    '--locale=C.UTF-8',
  ]);
  rmSync(pwfile, { force: true });
  // Loopback only, no Unix socket (project paths can exceed the socket path limit), and settings that suit a
  // development cluster: synchronous_commit=off may lose the last few commits on an OS crash, never corrupts.
  const conf = [
    "listen_addresses = '127.0.0.1'",
    "unix_socket_directories = ''",
    'max_connections = 200',
    'shared_buffers = 256MB',
    'synchronous_commit = off',
    'max_wal_size = 2GB',
    "log_min_messages = 'warning'",
  ].join('\n');
  const confPath = path.join(dataDir, 'postgresql.auto.conf');
  const existing = readFileSafe(confPath);
  writeFileSync(confPath, `${existing}\n${conf}\n`);
  if (isRoot()) await run('chown', ['postgres:postgres', confPath]);
  else chmodSync(confPath, 0o600);
}

async function ensureDatabase(state: ClusterState): Promise<void> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(urlFor(state, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${state.database}`;
    if (rows.length === 0) await sql.unsafe(`create database "${state.database}"`);
  } finally {
    await sql.end();
  }
}

/** Stops the project-local cluster if it runs. */
export async function stopLocalCluster(): Promise<boolean> {
  const found = findPgBin();
  const dataDir = path.join(clusterRoot(), 'data');
  if (!found || !existsSync(dataDir)) return false;
  if (!(await isRunning(found.bin, dataDir))) return false;
  await pg(path.join(found.bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w']);
  return true;
}

/** The database URL to use: `DATABASE_URL`, or the project-local cluster (provisioned and started on demand). */
export async function resolveDatabaseUrl(): Promise<{ url: string; adminUrl?: string; local: boolean }> {
  const env = process.env.DATABASE_URL;
  if (env) return { url: env, local: false };
  const c = await ensureLocalCluster();
  return { url: c.url, adminUrl: c.adminUrl, local: true };
}
