/**
 * The layout's guard: parses every import of every non-test source file and fails when a dependency points the
 * wrong way (CONVENTIONS.md section 1 and 8, ARCHITECTURE.md's folder table). Each rule names what it keeps apart;
 * the exceptions are listed with their reasons, and an exception that no longer occurs fails too, so the list
 * shrinks as the code is fixed.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './support/shared-data.ts';

/** Folders that are not source: tests, generated output, dependencies, local state. */
const SKIP = new Set(['node_modules', 'test', 'dist', '.mapmint', '.git', 'migrations']);

async function sources(dir: string, out: string[] = []): Promise<string[]> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name) || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await sources(p, out);
    else if (/\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** One import of ours: from which file (repository-relative) to which file. */
interface Edge {
  from: string;
  to: string;
}

/** Every relative import, re-export and dynamic import in a file, resolved to a repository-relative path. */
function importsOf(file: string, text: string): Edge[] {
  const from = path.relative(REPO_ROOT, file);
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => ({ from, to: path.relative(REPO_ROOT, path.resolve(path.dirname(file), s)) }));
}

const top = (p: string) => p.split(path.sep)[0]!;

/** A rule: which edges break it, and why the rule exists. */
interface Rule {
  name: string;
  breaks(e: Edge): boolean;
}

/**
 * Second faces, each with its reason: the SDK's platform-neutral face (index.ts) goes into the web bundle, so the
 * Node-only part (file hashing and streaming reads of local files) is a face of its own.
 */
const SECOND_FACES: Record<string, string> = {
  'sdk/node.ts': 'the SDK for Node (node:fs), kept out of the browser bundle that imports sdk/index.ts',
  'db/schema.ts':
    'the drizzle schema, the source of truth: owners type their rows from its tables (CONVENTIONS 8); db/index.ts is the connection face',
};
const isFace = (to: string) => to === `${top(to)}/index.ts` || to in SECOND_FACES;
const RULES: Rule[] = [
  {
    name: 'core/ imports nothing of ours outside core/',
    breaks: (e) => top(e.from) === 'core' && top(e.to) !== 'core',
  },
  {
    name: 'api/ (the wire types) imports nothing of ours but core/',
    breaks: (e) => top(e.from) === 'api' && !['api', 'core'].includes(top(e.to)),
  },
  {
    name: 'db/ imports only core/',
    breaks: (e) => top(e.from) === 'db' && !['db', 'core'].includes(top(e.to)),
  },
  {
    name: 'storage/ does not import db/ (callers hand it its root)',
    breaks: (e) => top(e.from) === 'storage' && top(e.to) === 'db',
  },
  {
    name: 'the sdk imports neither db/ nor server/',
    breaks: (e) => top(e.from) === 'sdk' && ['db', 'server'].includes(top(e.to)),
  },
  {
    name: 'the server does not import the sdk',
    breaks: (e) => top(e.from) === 'server' && top(e.to) === 'sdk',
  },
  {
    name: 'no stage imports server/ or cli/ (only the CLI starts the server; benchmarks drive both)',
    breaks: (e) =>
      ['server', 'cli'].includes(top(e.to)) && top(e.from) !== top(e.to) && !['cli', 'bench'].includes(top(e.from)),
  },
  {
    name: 'a folder imports another folder only through its index.ts face (benchmarks may reach anywhere)',
    breaks: (e) => top(e.from) !== top(e.to) && top(e.from) !== 'bench' && !isFace(e.to),
  },
];

/**
 * Edges that break a rule for a stated reason: `from -> to`. Keep this short; an entry that no longer occurs fails
 * the test so it is removed.
 */
const EXCEPTIONS: Record<string, string> = {};

test('every import points the way the layout says', async () => {
  const edges: Edge[] = [];
  for (const f of await sources(REPO_ROOT)) edges.push(...importsOf(f, await readFile(f, 'utf8')));
  assert.ok(edges.length > 300, `found ${edges.length} imports: the parser must see the code`);
  const broken: string[] = [];
  const used = new Set<string>();
  for (const e of edges) {
    const key = `${e.from} -> ${e.to}`;
    const rule = RULES.find((r) => r.breaks(e));
    if (!rule) continue;
    if (EXCEPTIONS[key]) used.add(key);
    else broken.push(`${key}: ${rule.name}`);
  }
  assert.deepEqual(broken, []);
  assert.deepEqual(
    Object.keys(EXCEPTIONS).filter((k) => !used.has(k)),
    [],
    'exceptions that no longer occur',
  );
});

test('the rules catch what they are for', () => {
  const broken = (from: string, to: string) => RULES.filter((r) => r.breaks({ from, to })).map((r) => r.name);
  assert.equal(broken('api/uploads.ts', 'db/connect.ts').length, 2);
  assert.equal(broken('api/uploads.ts', 'db/schema.ts').length, 1); // schema is a face of db, still out of api's reach
  assert.ok(broken('storage/open-blob-store.ts', 'db/index.ts').some((n) => n.startsWith('storage')));
  assert.ok(broken('sdk/client.ts', 'server/index.ts').some((n) => n.startsWith('the sdk')));
  assert.ok(broken('server/app.ts', 'sdk/index.ts').some((n) => n.startsWith('the server')));
  assert.ok(broken('fusion/fuse-upload.ts', 'server/index.ts').some((n) => n.startsWith('no stage')));
  assert.ok(broken('vision/index.ts', 'fusion/observe.ts').some((n) => n.startsWith('a folder')));
  assert.deepEqual(broken('fusion/fuse-upload.ts', 'roads/index.ts'), []);
  assert.deepEqual(broken('bench/tiles.ts', 'tiler/update-dirty.ts'), []);
  const edges = importsOf(
    path.join(REPO_ROOT, 'x/a.ts'),
    "import { a } from '../y/b.ts';\nexport * from './c.ts';\nimport type {\n  D,\n} from '../z/index.ts';\nconst m = await import('../w/e.ts');\nimport 'node:fs';",
  );
  assert.deepEqual(
    edges.map((e) => e.to),
    ['y/b.ts', 'x/c.ts', 'z/index.ts', 'w/e.ts'],
  );
});
