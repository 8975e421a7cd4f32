import { existsSync, readFileSync } from 'node:fs';
import { MapmintError } from '../core/index.ts';
import { findPgBin, hasPostgis, isRoot, run, which } from '../db/index.ts';

/** One system dependency: how to tell it is there and which Debian package brings it. */
interface Dependency {
  name: string;
  purpose: string;
  present: boolean;
  pkg: string;
}

/** The PostgreSQL major to install when none is present: Debian 12's. */
const DEFAULT_PG_MAJOR = 15;

/** Checks every system dependency mapmint uses. */
export function checkDependencies(): Dependency[] {
  const pg = findPgBin();
  const major = pg?.major ?? DEFAULT_PG_MAJOR;
  const ext = (name: string) => existsSync(`/usr/share/postgresql/${major}/extension/${name}.control`);
  return [
    { name: 'postgresql', purpose: 'the database server', present: !!pg, pkg: `postgresql-${major}` },
    {
      name: 'postgis',
      purpose: 'spatial types and indexes',
      present: !!pg && hasPostgis(major),
      pkg: `postgresql-${major}-postgis-3`,
    },
    {
      name: 'pgrouting',
      purpose: 'shortest paths on the road graph',
      present: ext('pgrouting'),
      pkg: `postgresql-${major}-pgrouting`,
    },
    {
      name: 'ffmpeg',
      purpose: 'video decoding and probing',
      present: !!which('ffmpeg') && !!which('ffprobe'),
      pkg: 'ffmpeg',
    },
    { name: 'osmium', purpose: 'OpenStreetMap file conversion', present: !!which('osmium'), pkg: 'osmium-tool' },
    {
      name: 'osm2pgsql',
      purpose: 'the road-import benchmark baseline',
      present: !!which('osm2pgsql'),
      pkg: 'osm2pgsql',
    },
    { name: 'ogr2ogr', purpose: 'the tile-build benchmark baseline', present: !!which('ogr2ogr'), pkg: 'gdal-bin' },
    {
      name: 'chromium',
      purpose: 'browser tests of the web app',
      present: existsSync('/usr/bin/chromium'),
      pkg: 'chromium',
    },
  ];
}

function isDebian(): boolean {
  return existsSync('/etc/debian_version') && !!which('apt-get');
}

/**
 * Checks the system dependencies and, with `fix`, installs the missing ones with apt-get (as root on Debian);
 * otherwise throws an error naming the packages to install. Idempotent: with nothing missing it does nothing.
 */
export async function doctor(opts: {
  fix: boolean;
  log: (m: string) => void;
}): Promise<{ installed: string[]; checks: Dependency[] }> {
  let checks = checkDependencies();
  const missing = checks.filter((c) => !c.present);
  if (missing.length === 0) return { installed: [], checks };
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  const advice = `sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}`;
  if (!opts.fix || !isRoot() || !isDebian()) {
    const why = !opts.fix
      ? ''
      : !isDebian()
        ? ' (not a Debian system: install the equivalents)'
        : ' (not root: cannot install)';
    throw new MapmintError(
      'dependency_missing',
      'system_packages_missing',
      `missing ${missing.map((m) => `${m.name} (${m.purpose})`).join(', ')}${why}. Install with: ${advice}`,
      { packages: pkgs },
    );
  }
  opts.log(`mapmint doctor: installing ${pkgs.join(' ')} with apt-get (one-time set-up)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const upd = await run('apt-get', ['update'], { env });
  if (upd.code !== 0) throw aptError('apt-get update', upd.stderr);
  const inst = await run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { env });
  if (inst.code !== 0) throw aptError(`apt-get install ${pkgs.join(' ')}`, inst.stderr);
  checks = checkDependencies();
  const still = checks.filter((c) => !c.present);
  if (still.length > 0) {
    throw new MapmintError(
      'dependency_missing',
      'install_incomplete',
      `installed, but still missing: ${still.map((s) => s.name).join(', ')}`,
    );
  }
  return { installed: pkgs, checks };
}

function aptError(what: string, stderr: string): MapmintError {
  const tail = stderr.trim().split('\n').slice(-5).join('\n');
  return new MapmintError(
    'dependency_missing',
    'apt_failed',
    `${what} failed: ${tail}\nCheck the network access to Debian's mirrors and retry.`,
  );
}

/** The running OS, for the doctor's report. */
export function osName(): string {
  try {
    return /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? process.platform;
  } catch {
    return process.platform;
  }
}
