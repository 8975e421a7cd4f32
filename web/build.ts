/**
 * Builds the browser app into web/dist: one ES module bundle per page (web/src/<page>.ts, with maplibre-gl,
 * pmtiles, ethers and the SDK; shared code split into chunks), content-hashed so /assets/* can be cached forever,
 * plus the MapLibre worker and stylesheet and the pages' HTML with the hashed names filled in.
 * Deterministic: the same sources give byte-identical output. Run: `tsx web/build.ts` (npm run web:build).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const WEB = path.dirname(fileURLToPath(import.meta.url));
/** Where the built app goes; server/web.ts serves it. */
export const WEB_DIST = path.join(WEB, 'dist');
/** The pages: entry module and HTML template of each. */
export const PAGES = ['consumer', 'review', 'driver'] as const;

const maplibreDist = () => path.dirname(fileURLToPath(import.meta.resolve('maplibre-gl')));
const hash8 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex').slice(0, 10);

/** Writes `bytes` as assets/<name>-<hash>.<ext>; returns the URL path. */
async function hashedAsset(out: string, name: string, ext: string, bytes: Buffer | string): Promise<string> {
  const file = `${name}-${hash8(bytes)}.${ext}`;
  await writeFile(path.join(out, 'assets', file), bytes);
  return `/assets/${file}`;
}

/** Builds the app from scratch into `outDir` (default web/dist); returns the files written and the time taken. */
export async function buildWeb(
  opts: { minify?: boolean; outDir?: string } = {},
): Promise<{ files: string[]; ms: number }> {
  const t0 = performance.now();
  const out = opts.outDir ?? WEB_DIST;
  await rm(out, { recursive: true, force: true });
  await mkdir(path.join(out, 'assets'), { recursive: true });

  // The MapLibre worker is a separate module the map starts by URL (setWorkerUrl in web/src/map-setup.ts).
  const worker = await hashedAsset(
    out,
    'maplibre-gl-worker',
    'mjs',
    await readFile(path.join(maplibreDist(), 'maplibre-gl-worker.mjs')),
  );
  const maplibreCss = await hashedAsset(
    out,
    'maplibre-gl',
    'css',
    await readFile(path.join(maplibreDist(), 'maplibre-gl.css')),
  );
  const appCss = await hashedAsset(out, 'app', 'css', await readFile(path.join(WEB, 'static', 'app.css')));

  const result = await build({
    entryPoints: Object.fromEntries(PAGES.map((p) => [p, path.join(WEB, 'src', `${p}.ts`)])),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    outdir: path.join(out, 'assets'),
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    minify: opts.minify ?? true,
    sourcemap: 'linked',
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
    // siwe parses each message it builds with apg-js, which needs Node's Buffer: the pages format with ours.
    plugins: [
      {
        name: 'siwe-browser',
        setup(b) {
          b.onResolve({ filter: /^siwe$/ }, () => ({ path: path.join(WEB, 'src', 'siwe-message.ts') }));
        },
      },
    ],
    define: { MAPLIBRE_WORKER_URL: JSON.stringify(worker), 'process.env.NODE_ENV': '"production"' },
  });

  const entryJs = new Map<string, string>();
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (!meta.entryPoint) continue;
    const page = path.basename(meta.entryPoint, '.ts');
    entryJs.set(page, `/assets/${path.basename(file)}`);
  }
  const files = [worker, maplibreCss, appCss, ...Object.keys(result.metafile.outputs).map((o) => path.basename(o))];
  for (const page of PAGES) {
    const js = entryJs.get(page);
    if (!js) throw new Error(`esbuild produced no bundle for web/src/${page}.ts`);
    const template = await readFile(path.join(WEB, 'static', `${page}.html`), 'utf8');
    const html = template
      .replaceAll('{{maplibre.css}}', maplibreCss)
      .replaceAll('{{app.css}}', appCss)
      .replaceAll('{{page.js}}', js);
    if (/\{\{[^}]+\}\}/.test(html)) throw new Error(`web/static/${page}.html has an unknown {{placeholder}}`);
    await writeFile(path.join(out, `${page}.html`), html);
    files.push(`${page}.html`);
  }
  return { files, ms: performance.now() - t0 };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { files, ms } = await buildWeb({ minify: !process.argv.includes('--no-minify') });
  process.stdout.write(
    `web: ${files.length} files in ${path.relative(process.cwd(), WEB_DIST)} (${ms.toFixed(0)} ms)\n`,
  );
}
