/**
 * The driver's upload form in real headless Chromium against the real server and database: a 24 MiB video is
 * hashed in the page, declared and sent with tus in 1 MiB chunks; the page is reloaded mid-transfer (a proxy in
 * front of the server holds the 9th PATCH back, so the server has exactly 8 MiB); after the file is chosen again
 * the transfer goes on from the server's offset, no second upload is declared, the stored file hashes as the
 * original and the upload is `received`. A file changed after it was declared is refused in words, and Discard
 * ends its transfer on the server; an upload that expired meanwhile is declared again (same upload) and sent whole;
 * a reason's hint is shown in the list. Screenshots: test-output/web/driver-upload-*.png.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Wallet } from 'ethers';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expireAbandonedUploads } from '../../uploads/index.ts';
import { buildWeb } from '../../web/build.ts';
import { launchBrowser, screenshotDir, CHROMIUM_MISSING as skip, watch } from '../support/browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { type GateProxy, startGateProxy } from '../support/tus-gate-proxy.ts';

const OUTPUT = screenshotDir('web');
const CHUNK = 1 << 20;
let s: TestServer;
let proxy: GateProxy;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let problems: string[];
let webDir = '';
let contributorId = '';

/** A file the server takes as MP4 (an `ftyp` box first), the rest random: `size` bytes. */
function fakeVideo(size: number): Buffer {
  const b = randomBytes(size);
  Buffer.from('000000186674797069736000000000069736f6d6d703432', 'hex').copy(b, 0);
  return b;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const state = (p: Page) => p.locator('#upload-form').getAttribute('data-state');

/** Chooses `file` in the form and presses Upload. */
async function choose(p: Page, file: string): Promise<void> {
  await p.setInputFiles('#upload-files', file);
  await p.getByRole('button', { name: 'Upload', exact: true }).click();
}

/**
 * Writes a `chunks`-chunk video named `name`, starts its upload in the page and lets `forwarded` PATCHes through:
 * resolves once the next one is held, with the file's path and bytes and the id of the upload the page declared.
 */
async function startHeld(
  name: string,
  chunks: number,
  forwarded: number,
): Promise<{ file: string; bytes: Buffer; uploadId: string }> {
  const bytes = fakeVideo(chunks * CHUNK);
  const file = path.join(s.dir, name);
  await writeFile(file, bytes);
  const held = proxy.holdAfter(forwarded);
  await choose(page, file);
  await held;
  return { file, bytes, uploadId: (await page.locator('#upload-form').getAttribute('data-upload-id'))! };
}

/** Waits until the form has finished (done or error) and returns its state with the status line. */
async function finished(p: Page): Promise<{ state: string | null; status: string }> {
  await p.waitForFunction(
    () => ['done', 'error'].includes(document.getElementById('upload-form')?.dataset['state'] ?? ''),
    null,
    { timeout: 180_000 },
  );
  return { state: await state(p), status: (await p.locator('#upload-status').textContent()) ?? '' };
}

/** The server's offset of the open transfer of file 0 of `uploadId`, asked with a tus HEAD like the browser. */
async function serverOffset(uploadId: string, token: string): Promise<number> {
  const [t] = await s.db.sql<{ id: string }[]>`select id from upload_transfers where upload_id = ${uploadId}`;
  assert.ok(t, 'an open transfer');
  const res = await fetch(`${s.baseUrl}/v1/files/${t.id}`, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' },
  });
  assert.equal(res.status, 200);
  return Number(res.headers.get('upload-offset'));
}

before(async () => {
  webDir = await mkdtemp(path.join(tmpdir(), 'mapmint-web-'));
  await buildWeb({ outDir: webDir });
  process.env.MAPMINT_WEB_DIR = webDir;
  proxy = await startGateProxy();
  // The browser reaches the site through the proxy: sign-in messages name the proxy's origin.
  s = await startTestServer({ publicUrl: proxy.url });
  proxy.target(s.baseUrl);
  browser = await launchBrowser();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  // Small chunks, so a reload lands mid-transfer with many chunks still to go.
  await ctx.addInitScript(`window.mapmintUpload = { chunkBytes: ${CHUNK} };`);
  page = await ctx.newPage();
  // No map is published on this server, so the page's TileJSON request is answered 404 (and Chromium logs it);
  // every other failed response is still caught by its URL.
  problems = watch(page, [/^404 GET .*\/tiles\/tiles\.json$/, /^console: Failed to load resource: .* status of 404/]);
  await page.goto(`${proxy.url}/driver`);
  await page.getByRole('button', { name: 'Create a local development key' }).click();
  await page.waitForSelector('body[data-ready="true"]');
  const key = await page.evaluate(() => localStorage.getItem('mapmint.devKey'));
  const [c] = await s.db.sql<{ id: string }[]>`
    select id from contributors where lower(address) = ${new Wallet(key!).address.toLowerCase()}`;
  contributorId = c!.id;
  await page.fill('#upload-make', 'Viofo');
  await page.fill('#upload-model', 'A119 Mini 2');
});
after(async () => {
  await ctx?.close();
  await browser?.close();
  await proxy?.close();
  await s?.close();
  delete process.env.MAPMINT_WEB_DIR;
  await rm(webDir, { recursive: true, force: true });
});

test('upload page: a reload mid-transfer resumes from the server offset, one upload, stored bytes intact', {
  skip,
}, async () => {
  const { file, bytes, uploadId } = await startHeld('FILE240101-080000F.MP4', 24, 8);
  const bar = page.locator('li[data-file="FILE240101-080000F.MP4"] progress');
  await page.waitForFunction(
    (min) => Number(document.querySelector<HTMLProgressElement>('#upload-progress progress')?.value) >= min,
    8 * CHUNK,
  );
  await page.screenshot({ path: path.join(OUTPUT, 'driver-upload-mid-transfer.png'), fullPage: true });
  const token = (await page.evaluate(() => JSON.parse(localStorage.getItem('mapmint.session')!).token)) as string;
  const offsetAtReload = await serverOffset(uploadId, token);
  assert.equal(offsetAtReload, 8 * CHUNK, 'the server has the eight forwarded chunks');

  const mark = proxy.seen.length;
  await page.reload();
  proxy.open();
  await page.waitForSelector('body[data-ready="true"]');
  // The page names the interrupted upload, what the server has of it, and which file to choose again.
  const notice = page.locator(`[data-resume="${uploadId}"]`);
  await notice.waitFor();
  const said = (await notice.textContent()) ?? '';
  assert.match(said, /interrupted[\s\S]*1 file\(s\), 25\.2 MB, 33% on the server/);
  assert.match(said, /choose the same files again[\s\S]*FILE240101-080000F\.MP4/);
  await page.screenshot({ path: path.join(OUTPUT, 'driver-upload-after-reload.png'), fullPage: true });

  await choose(page, file);
  const end = await finished(page);
  assert.equal(end.state, 'done', end.status);
  assert.match(end.status, /resumed and finished/);
  assert.equal(await bar.getAttribute('value'), String(bytes.length));

  // What reached the server after the reload: no new transfer, PATCHes from the server's offset on, and no more
  // bytes than the rest of the file (plus at most one chunk, were a chunk sent twice).
  const later = proxy.seen.slice(mark);
  const patches = later.filter((r) => r.method === 'PATCH' && !r.dropped);
  assert.deepEqual(
    later.filter((r) => r.method === 'POST'),
    [],
  );
  assert.equal(patches[0]?.offset, offsetAtReload);
  const sentAfter = patches.reduce((n, r) => n + r.bytes, 0);
  assert.ok(sentAfter >= bytes.length - offsetAtReload, `${sentAfter} bytes after the reload`);
  assert.ok(sentAfter <= bytes.length - offsetAtReload + CHUNK, `${sentAfter} bytes after the reload`);
  process.stdout.write(
    `# browser upload: ${bytes.length} B file, reload at server offset ${offsetAtReload}; ${sentAfter} B sent ` +
      `after the reload in ${patches.length} PATCHes (a restart would have sent ${bytes.length})\n`,
  );
  assert.equal(proxy.seen.filter((r) => r.method === 'POST' && r.path === '/v1/uploads').length, 1);

  // One upload, received, its file stored with the original's hash; the list on the page shows it.
  const uploads = await s.db.sql<{ id: string; status: string }[]>`
    select id, status from uploads where contributor_id = ${contributorId}`;
  assert.deepEqual([...uploads], [{ id: uploadId, status: 'received' }]);
  const [f] = await s.db.sql<{ status: string; blob_key: string }[]>`
    select status, blob_key from upload_files where upload_id = ${uploadId}`;
  assert.equal(f!.status, 'received');
  const stored = createHash('sha256');
  for await (const c of await s.blobs.get(f!.blob_key)) stored.update(c as Buffer);
  assert.equal(stored.digest('hex'), sha256(bytes));
  const [job] = await s.db.sql<{ n: number }[]>`
    select count(*)::int as n from pgboss.job where name = 'upload.received' and data->>'uploadId' = ${uploadId}`;
  assert.equal(job!.n, 1, 'processing is queued');
  const row = page.locator(`tr[data-upload="${uploadId}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-status'), 'received');
  // Nothing left to resume: the record and tus-js-client's stored URL are gone.
  assert.deepEqual(
    await page.evaluate(() =>
      Object.keys(localStorage).filter((k) => k.startsWith('tus::') || k === 'mapmint.pendingUploads'),
    ),
    [],
  );
  assert.equal(await page.locator('[data-resume]').count(), 0);
  await page.screenshot({ path: path.join(OUTPUT, 'driver-upload-after-resume.png'), fullPage: true });
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('upload page: a file changed after it was declared is refused in words; Discard ends its transfer', {
  skip,
}, async () => {
  const { file, uploadId } = await startHeld('clip-0002.mp4', 6, 2);
  const mark = proxy.seen.length;
  await page.reload();
  proxy.open();
  await page.locator(`[data-resume="${uploadId}"]`).waitFor();

  // Same name and size, other bytes, a later modification time: the page hashes it again and refuses it.
  const edited = fakeVideo(6 * CHUNK);
  await writeFile(file, edited);
  const later = new Date(Date.now() + 60_000);
  await utimes(file, later, later);
  await choose(page, file);
  const end = await finished(page);
  assert.equal(end.state, 'error');
  assert.match(end.status, /clip-0002\.mp4 has changed since this upload was declared/);
  assert.match(end.status, /Choose the original file, or press "Discard"/);
  assert.deepEqual(
    proxy.seen.slice(mark).filter((r) => r.method === 'PATCH' || r.method === 'POST'),
    [],
    'nothing sent for a changed file',
  );
  await page.screenshot({ path: path.join(OUTPUT, 'driver-upload-file-changed.png'), fullPage: true });

  // Discard: the transfer ends on the server at once (its bytes stop counting against the quota), the notice goes.
  await page.locator(`[data-resume="${uploadId}"]`).getByRole('button', { name: 'Discard' }).click();
  await page.locator(`[data-resume="${uploadId}"]`).waitFor({ state: 'detached' });
  // The server closes a terminated transfer's row before it answers the DELETE (server/tus.ts).
  const [{ n: open }] = await s.db.sql<[{ n: number }]>`
    select count(*)::int as n from upload_transfers where upload_id = ${uploadId}`;
  assert.equal(open, 0, 'the discarded transfer is closed on the server');

  // The file as it is now goes up as a new upload.
  await choose(page, file);
  const again = await finished(page);
  assert.equal(again.state, 'done', again.status);
  const newId = await page.locator('#upload-form').getAttribute('data-upload-id');
  assert.notEqual(newId, uploadId);
  const [f] = await s.db.sql<{ sha: string; status: string }[]>`
    select declared_sha256 as sha, status from upload_files where upload_id = ${newId}`;
  assert.deepEqual({ ...f }, { sha: sha256(edited), status: 'received' });

  // The same file once more: the server answers with that upload (declared before) and nothing is sent again.
  const before = proxy.seen.length;
  await choose(page, file);
  const same = await finished(page);
  assert.equal(same.state, 'done', same.status);
  assert.match(same.status, /already has all its files on the server: nothing to send/);
  assert.equal(await page.locator('#upload-form').getAttribute('data-upload-id'), newId);
  assert.deepEqual(
    proxy.seen.slice(before).filter((r) => r.path.startsWith('/v1/files')),
    [],
  );
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('upload page: an upload that expired while the page was away is declared again and sent whole', {
  skip,
}, async () => {
  const { file, bytes, uploadId } = await startHeld('clip-0003.mp4', 5, 2);
  // A day passes: the server's sweeps end the idle transfer and expire the upload, deleting what it had received.
  const [t] = await s.db.sql<[{ id: string }]>`select id from upload_transfers where upload_id = ${uploadId}`;
  const token = (await page.evaluate(() => JSON.parse(localStorage.getItem('mapmint.session')!).token)) as string;
  const gone = await fetch(`${s.baseUrl}/v1/files/${t.id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' },
  });
  assert.equal(gone.status, 204);
  await s.db.sql`update uploads set updated_at = now() - interval '2 days' where id = ${uploadId}`;
  assert.equal(await expireAbandonedUploads(s.db.sql, s.blobs, 24 * 3600), 1);
  await page.reload();
  proxy.open();
  const notice = page.locator(`[data-resume="${uploadId}"]`);
  await notice.waitFor();
  assert.match((await notice.textContent()) ?? '', /0% on the server\. It expired after a day without bytes/);

  const mark = proxy.seen.length;
  await choose(page, file);
  const end = await finished(page);
  assert.equal(end.state, 'done', end.status);
  // The same upload, revived; its file sent again from the start, as its old transfer is gone.
  const [u] = await s.db.sql<[{ status: string }]>`select status from uploads where id = ${uploadId}`;
  assert.equal(u.status, 'received');
  const later = proxy.seen.slice(mark);
  assert.equal(later.filter((r) => r.method === 'POST' && r.path === '/v1/uploads').length, 1);
  assert.equal(later.filter((r) => r.method === 'POST' && r.path === '/v1/files').length, 1);
  const patches = later.filter((r) => r.method === 'PATCH');
  assert.equal(patches[0]?.offset, 0);
  assert.equal(
    patches.reduce((n, r) => n + r.bytes, 0),
    bytes.length,
  );
  // Only the HEADs of the ended transfer failed (the resume notice's and tus-js-client's): both expected.
  const ended = (p: string) => p.startsWith('404 HEAD ') && p.endsWith(`/v1/files/${t.id}`);
  const other = problems.filter((p) => !ended(p) && !/^console: Failed to load resource: .* 404/.test(p));
  assert.deepEqual(other, [], other.join('\n'));
  assert.ok(problems.some(ended), problems.join('\n'));
  problems.length = 0;
});

test("uploads list: a quarantine reason shows the API's what-to-do hint under its message", { skip }, async () => {
  const [{ id }] = await s.db.sql<[{ id: string }]>`
    select id from uploads where contributor_id = ${contributorId} order by created_at desc limit 1`;
  const reason = {
    code: 'gps_teleport',
    message: 'the track jumps 480 m in 1 s at 08:01:12',
    hint: 'Check that the GPS file belongs to this video; record again with a clear view of the sky.',
  };
  await s.db.sql`update uploads set status = 'quarantined', reasons = ${s.db.sql.json([reason])} where id = ${id}`;
  const token = (await page.evaluate(() => JSON.parse(localStorage.getItem('mapmint.session')!).token)) as string;
  const view = (await (
    await fetch(`${s.baseUrl}/v1/uploads/${id}`, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as { reasons: { hint?: string }[] };
  const hint = view.reasons[0]?.hint;
  assert.ok(hint, JSON.stringify(view.reasons));
  await page.reload();
  const row = page.locator(`tr[data-upload="${id}"][data-status="quarantined"]`);
  await row.waitFor();
  assert.equal(await row.locator('.reasons .hint').textContent(), `What to do: ${hint}`);
  assert.match((await row.textContent()) ?? '', /gps_teleport: the track jumps 480 m in 1 s/);
  await page.screenshot({ path: path.join(OUTPUT, 'driver-upload-hint.png'), fullPage: true });
  assert.deepEqual(problems, [], problems.join('\n'));
});
