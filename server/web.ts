/**
 * Serves the browser app built by web/build.ts: `/` (consumer map), `/review` (QA reviewers), `/driver` (my drives)
 * and `/assets/*`. Asset names carry a content hash, so they are cached for a year as immutable; pages are
 * revalidated on every load so a rebuild shows at once. When web/dist is missing the pages answer 503 saying how to
 * build it (the server never builds on demand: builds belong to `npm run web:build`, run by pretest and prestart).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MapmintError } from '../core/index.ts';

/** Options of the web plugin. */
export interface WebPluginOptions {
  /** The built app; default MAPMINT_WEB_DIR, else web/dist beside this repository's server/. */
  dir?: string;
}

/** Where web/build.ts writes by default. */
export const DEFAULT_WEB_DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');

const PAGES: Record<string, string> = { '/': 'consumer.html', '/review': 'review.html', '/driver': 'driver.html' };
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};
// Asset names as web/build.ts writes them: name-HASH.ext (esbuild's base32 or our hex), plus their .map/.LEGAL.txt.
const ASSET_NAME = /^[A-Za-z0-9_-]+-[A-Za-z0-9]{8,}\.(js|mjs|css)(\.map|\.LEGAL\.txt)?$/;
const notBuilt = () =>
  new MapmintError('dependency_missing', 'web_not_built', 'the web app is not built: run npm run web:build');

/** Reads a built file once and keeps it with its strong ETag (files never change under a running server's hash). */
function fileCache(dir: string) {
  const cache = new Map<string, Promise<{ body: Buffer; etag: string } | undefined>>();
  return (name: string) => {
    let hit = cache.get(name);
    if (hit === undefined) {
      hit = readFile(path.join(dir, name)).then(
        (body) => ({ body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` }),
        (err: NodeJS.ErrnoException) => {
          cache.delete(name);
          if (err.code === 'ENOENT') return undefined;
          throw err;
        },
      );
      cache.set(name, hit);
    }
    return hit;
  };
}

/** Fastify plugin: the pages and their assets from a built web/dist. */
export async function webPlugin(app: FastifyInstance, opts: WebPluginOptions = {}): Promise<void> {
  const dir = opts.dir ?? (process.env.MAPMINT_WEB_DIR || DEFAULT_WEB_DIST);
  const assets = fileCache(path.join(dir, 'assets'));
  // Pages are re-read when the build changes them (a rebuild while the server runs); assets never change by name.
  const page = async (file: string) => {
    const s = await stat(path.join(dir, file)).catch(() => undefined);
    if (!s) throw notBuilt();
    const body = await readFile(path.join(dir, file));
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  };
  const send = (req: FastifyRequest, reply: FastifyReply, f: { body: Buffer; etag: string }, type: string) => {
    void reply.header('ETag', f.etag).header('X-Content-Type-Options', 'nosniff').type(type);
    if (req.headers['if-none-match'] === f.etag) return reply.status(304).send();
    return reply.send(f.body);
  };
  const hide = { hide: true };
  for (const [route, file] of Object.entries(PAGES)) {
    app.get(route, { schema: hide }, async (req, reply) => {
      const f = await page(file);
      void reply.header('Cache-Control', 'no-cache').header('Referrer-Policy', 'same-origin');
      return send(req, reply, f, TYPES['.html']!);
    });
  }
  app.get<{ Params: { file: string } }>(
    '/assets/:file',
    { schema: hide, config: { rateLimit: false } },
    async (req, reply) => {
      const name = req.params.file;
      const f = ASSET_NAME.test(name) ? await assets(name) : undefined;
      if (f === undefined) {
        const built = await stat(path.join(dir, 'assets')).catch(() => undefined);
        if (!built) throw notBuilt();
        throw new MapmintError(
          'not_found',
          'no_asset',
          `no asset ${name}: the pages may come from an older build, reload`,
        );
      }
      const ext = name.endsWith('.LEGAL.txt') ? '.txt' : path.extname(name);
      void reply.header('Cache-Control', 'public, max-age=31536000, immutable');
      return send(req, reply, f, TYPES[ext] ?? 'application/octet-stream');
    },
  );
}
