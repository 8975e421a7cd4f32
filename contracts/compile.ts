// Offline, deterministic Solidity build: solc-js standard JSON, OpenZeppelin imports read from node_modules,
// one artifact per contract in contracts/build/. `--check` compares a fresh compile with the committed files.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type SolcModule from 'solc';

let solcModule: typeof SolcModule | undefined;
/**
 * solc-js, loaded on first use: it is ~9 MB of emscripten that takes seconds to start, and everything that imports
 * contracts/ (the CLI, the server, rewards) only needs the committed artifacts, not the compiler.
 */
function solc(): typeof SolcModule {
  solcModule ??= createRequire(import.meta.url)('solc') as typeof SolcModule;
  return solcModule;
}

const contractsDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(contractsDir, '..');
const srcDir = join(contractsDir, 'src');
const nodeModules = join(repoRoot, 'node_modules');
/** Where the committed artifacts live. */
export const buildDir = join(contractsDir, 'build');

/**
 * Compiler settings. Cancun (not solc's newer default) so the bytecode runs on every mainstream EVM chain today.
 * Measured on the claim path (contracts/README.md): the IR pipeline at 200 runs gives both the smallest bytecode
 * and a cheaper claim than the legacy pipeline at any run count; 1,000,000 runs would save 120 more gas per
 * claim for 47% more distributor bytecode.
 */
export const compilerSettings: CompilerSettings = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
  viaIR: true,
};

/** The solc settings that change the bytecode. */
export interface CompilerSettings {
  evmVersion: string;
  optimizer: { enabled: boolean; runs: number };
  viaIR: boolean;
}

/** Import prefixes resolved from node_modules; anything else is refused so a build never reads outside the repo. */
const allowedImports = ['@openzeppelin/contracts/'];

/** One compiled contract, as written to contracts/build/<Name>.json. */
export interface Artifact {
  contractName: string;
  sourceName: string;
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
  compiler: { name: 'solc'; version: string; settings: CompilerSettings };
  /** sha256 of this contract's own .sol file. */
  sourceHash: string;
  /** sha256 of the whole standard-JSON input (every source, OpenZeppelin included, and the settings). */
  inputHash: string;
}

/** Raised when solc reports errors, or an import cannot be resolved; carries every message. */
export class CompileError extends Error {
  constructor(readonly messages: string[]) {
    super(`solc failed:\n${messages.join('\n')}`);
    this.name = 'CompileError';
  }
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** JSON with object keys sorted at every depth, two-space indent and a final newline: byte-stable output. */
export function stableJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return Object.fromEntries(entries.map(([k, inner]) => [k, sortKeys(inner)]));
    }
    return v;
  };
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function readImport(path: string): { contents: string } | { error: string } {
  if (!allowedImports.some((prefix) => path.startsWith(prefix))) return { error: `import not allowed: ${path}` };
  const file = resolve(nodeModules, path);
  if (!file.startsWith(nodeModules + sep)) return { error: `import escapes node_modules: ${path}` };
  try {
    return { contents: readFileSync(file, 'utf8') };
  } catch {
    return { error: `import not found in node_modules: ${path}` };
  }
}

/** Compiles every contracts/src/*.sol and returns the artifacts keyed by file name (`MapToken.json`). */
export function compileContracts(settings: CompilerSettings = compilerSettings): Map<string, string> {
  const files = readdirSync(srcDir)
    .filter((f) => f.endsWith('.sol'))
    .sort();
  const sources: Record<string, { content: string }> = {};
  for (const f of files) {
    // Source unit names are repo-relative with forward slashes so the metadata hash is the same on every machine.
    sources[relative(repoRoot, join(srcDir, f)).split(sep).join('/')] = {
      content: readFileSync(join(srcDir, f), 'utf8'),
    };
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      ...settings,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const loaded = new Map<string, string>();
  const output = JSON.parse(
    solc().compile(JSON.stringify(input), {
      import: (path: string) => {
        const result = readImport(path);
        if ('contents' in result) loaded.set(path, result.contents);
        return result;
      },
    }),
  ) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error').map((e) => e.formattedMessage);
  if (errors.length > 0) throw new CompileError(errors);

  // The input hash covers the imported sources too, so an OpenZeppelin upgrade shows up as drift.
  const fullInput = { ...input, sources: { ...sources } };
  for (const [path, content] of [...loaded].sort(([a], [b]) => (a < b ? -1 : 1))) {
    fullInput.sources[path] = { content };
  }
  const inputHash = sha256(stableJson(fullInput));
  const version: string = solc().version();
  const artifacts = new Map<string, string>();
  for (const sourceName of Object.keys(sources)) {
    for (const [contractName, out] of Object.entries(output.contracts?.[sourceName] ?? {})) {
      const artifact: Artifact = {
        contractName,
        sourceName,
        abi: out.abi,
        bytecode: `0x${out.evm.bytecode.object}`,
        deployedBytecode: `0x${out.evm.deployedBytecode.object}`,
        compiler: { name: 'solc', version, settings },
        sourceHash: sha256(sources[sourceName]?.content ?? ''),
        inputHash,
      };
      artifacts.set(`${contractName}.json`, stableJson(artifact));
    }
  }
  return artifacts;
}

/** Lists how the committed build differs from `fresh` (changed, missing or extra files); empty when equal. */
export function diffBuild(fresh: Map<string, string>, dir = buildDir): string[] {
  const committed = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const problems: string[] = [];
  for (const [name, text] of fresh) {
    if (!committed.includes(name)) problems.push(`missing: ${name}`);
    else if (readFileSync(join(dir, name), 'utf8') !== text) problems.push(`differs: ${name}`);
  }
  for (const name of committed) if (!fresh.has(name)) problems.push(`stale: ${name}`);
  return problems;
}

/** Writes `fresh` to the build folder, removing artifacts of contracts that no longer exist. */
export function writeBuild(fresh: Map<string, string>, dir = buildDir): void {
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    if (!fresh.has(name)) rmSync(join(dir, name));
  }
  for (const [name, text] of fresh) writeFileSync(join(dir, name), text);
}

/** Reads a committed artifact by contract name. */
export function loadArtifact(contractName: string): Artifact {
  return JSON.parse(readFileSync(join(buildDir, `${contractName}.json`), 'utf8')) as Artifact;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const fresh = compileContracts();
  if (process.argv.includes('--check')) {
    const problems = diffBuild(fresh);
    if (problems.length > 0) {
      console.error(`contracts/build is out of date (run npm run contracts:build):\n  ${problems.join('\n  ')}`);
      process.exit(1);
    }
    console.log(`contracts/build is up to date (${fresh.size} artifacts)`);
  } else {
    writeBuild(fresh);
    console.log(`wrote ${fresh.size} artifacts to ${relative(repoRoot, buildDir)}`);
  }
}
