/**
 * The three pages in a real browser against the real server on a test database with generated data: the consumer
 * map draws coverage and features and opens a feature's details; a reviewer works through three items by keyboard
 * (the database records the votes) and a second reviewer settles one; the driver sees uploads, the quarantine
 * reason, coverage with novel pieces highlighted and rewards, and claims them on a real EVM through an injected
 * wallet. No page may log a console error. Screenshots: test-output/web/.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Wallet } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { distributor, operatorSigner, providerFor, saveDeployment, startLocalChain } from '../../chain/index.ts';
import { distributorAt } from '../../contracts/index.ts';
import { grantReviewer } from '../../review/index.ts';
import { closeEpoch, DEFAULT_REWARDS, publishEpoch } from '../../rewards/index.ts';
import { buildWeb } from '../../web/build.ts';
import {
  injectWallet,
  launchBrowser,
  renderedLayers,
  screenshotDir,
  CHROMIUM_MISSING as skip,
  watch,
} from '../support/browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { seedWebData, type WebData } from './support/dataset.ts';

const OUTPUT = screenshotDir('web');
let s: TestServer;
let browser: Browser;
let data: WebData;
let webDir = '';
let local: Awaited<ReturnType<typeof startLocalChain>>;
const driver = Wallet.createRandom();
const reviewer1 = Wallet.createRandom();

before(async () => {
  webDir = await mkdtemp(path.join(tmpdir(), 'mapmint-web-'));
  await buildWeb({ outDir: webDir });
  process.env.MAPMINT_WEB_DIR = webDir;
  process.env.MAPMINT_DEPLOYMENT = path.join(webDir, 'deployment.json');
  s = await startTestServer({ openReview: false });
  const { client } = await s.client(driver as unknown as Wallet);
  const me = await client.get<{ contributorId: string }>('/v1/me');
  data = await seedWebData({ sql: s.db.sql, blobs: s.blobs, tilesDir: path.join(s.dir, 'tiles') }, me.contributorId);
  await grantReviewer(s.db.sql, reviewer1.address);
  // The driver is a reviewer too: every item is their own capture, so their queue must stay empty.
  await grantReviewer(s.db.sql, driver.address);
  // Rewards: close the epoch the drives were booked in, publish its root on a local EVM.
  const closed = await closeEpoch(s.db.sql, DEFAULT_REWARDS, { outDir: path.join(s.dir, 'epochs') });
  local = await startLocalChain({ port: 0 });
  await saveDeployment(local.info);
  await publishEpoch(s.db.sql, distributor(local.info, await operatorSigner(local.info)), closed.epoch);
  await local.fund(driver.address);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await local?.close();
  await s?.close();
  delete process.env.MAPMINT_WEB_DIR;
  delete process.env.MAPMINT_DEPLOYMENT;
  await rm(webDir, { recursive: true, force: true });
});

/** Fails with the page's problems listed. */
const clean = (problems: string[]) => assert.deepEqual(problems, [], problems.join('\n'));

test('consumer map: coverage and features drawn, details with a blurred frame, toggles, developer URLs', {
  skip,
}, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems = watch(page);
  await page.goto(`${s.baseUrl}/`);
  await page.waitForFunction(() => typeof window.map?.jumpTo === 'function');
  await page.evaluate(
    ([lon, lat]) => window.map?.jumpTo({ center: [lon!, lat!], zoom: 15.5 }),
    [data.confirmed.lon, data.confirmed.lat],
  );
  const counts = await renderedLayers(page);
  assert.ok((counts['coverage'] ?? 0) > 10, JSON.stringify(counts));
  assert.ok((counts['features'] ?? 0) >= 1, JSON.stringify(counts));
  // Freshness: the covered pieces carry a date and are drawn in a freshness colour, the others in grey.
  const colours = await page.evaluate(() => {
    const seen = new Set<string>();
    for (const f of window.map!.queryRenderedFeatures({ layers: ['coverage'] }))
      seen.add(`${f.properties['last_covered'] ? 'dated' : 'never'}`);
    return [...seen].sort();
  });
  assert.deepEqual(colours, ['dated', 'never']);
  // Pixels: the confirmed stop sign's icon is red on the map.
  const at = await page.evaluate(
    ([lon, lat]) => window.map!.project([lon!, lat!]),
    [data.confirmed.lon, data.confirmed.lat],
  );
  const box = await page.locator('#map-view').boundingBox();
  const shot = await page.screenshot({ clip: { x: box!.x + at.x - 6, y: box!.y + at.y - 6, width: 12, height: 12 } });
  const sharp = (await import('sharp')).default;
  const { data: px } = await sharp(shot).raw().toBuffer({ resolveWithObject: true });
  let red = 0;
  for (let i = 0; i < px.length; i += 3) if (px[i]! > 150 && px[i + 1]! < 90 && px[i + 2]! < 90) red++;
  assert.ok(red > 10, `red stop-sign pixels at the confirmed feature: ${red}`);
  await page.screenshot({ path: path.join(OUTPUT, 'consumer-desktop.png') });

  // Click the confirmed feature: its details and a stored (blurred) frame appear.
  await page.mouse.click(box!.x + at.x, box!.y + at.y);
  await page.locator('#feature-frame').waitFor();
  assert.match((await page.locator('#feature-details').textContent()) ?? '', /Status\s*confirmed/i);
  await page.waitForFunction(() => (document.getElementById('feature-frame') as HTMLImageElement).naturalWidth > 0);
  await page.screenshot({ path: path.join(OUTPUT, 'consumer-feature-details.png') });

  // The keyboard list of features in view opens details too.
  await page.locator('.feature-button').first().focus();
  await page.keyboard.press('Enter');
  await page.locator('#feature-title').waitFor();

  // Toggling the features layer off hides them.
  await page.getByRole('checkbox', { name: 'Map features' }).uncheck();
  // The style change shows from the next repaint on, which a loaded machine may delay: wait for it.
  await page
    .waitForFunction(
      () =>
        // biome-ignore lint/suspicious/noExplicitAny: the MapLibre map lives in the page, untyped here.
        ((window as any).map.queryRenderedFeatures() as { layer: { id: string } }[]).every(
          (f) => f.layer.id !== 'features',
        ),
      null,
      { timeout: 30_000 },
    )
    .catch(() => undefined);
  const hidden = await renderedLayers(page);
  assert.equal(hidden['features'] ?? 0, 0, JSON.stringify(hidden));
  await page.getByRole('checkbox', { name: 'Map features' }).check();

  // Developer URLs work.
  const tj = await page.locator('#url-tilejson').inputValue();
  const pm = await page.locator('#url-pmtiles').inputValue();
  assert.equal(tj, `${s.baseUrl}/tiles/tiles.json`);
  assert.equal((await fetch(tj)).status, 200);
  assert.equal((await fetch(pm, { headers: { range: 'bytes=0-126' } })).status, 206);
  clean(problems);
  assert.equal(await page.evaluate(() => window.mapError ?? null), null);

  // A phone: one column, nothing wider than the screen, the map still draws.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const phoneProblems = watch(phone);
  await phone.goto(`${s.baseUrl}/`);
  const phoneCounts = await renderedLayers(phone);
  assert.ok((phoneCounts['coverage'] ?? 0) > 0);
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await phone.screenshot({ path: path.join(OUTPUT, 'consumer-phone.png'), fullPage: true });
  clean(phoneProblems);
  await page.close();
  await phone.close();
});

/** Waits for the review card to show an item other than `prev`; returns its key (kind:id), '' when empty. */
async function nextItem(page: Page, prev: string | null): Promise<string> {
  await page.waitForFunction(
    (p) => {
      const k = document.getElementById('item')?.dataset['item'];
      return k !== undefined && k !== p;
    },
    prev,
    { timeout: 15_000 },
  );
  return (await page.locator('#item').getAttribute('data-item')) ?? '';
}

test('review by keyboard: three decisions recorded, a second reviewer settles one; own captures never shown', {
  skip,
}, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await injectWallet(ctx, reviewer1);
  const page = await ctx.newPage();
  const problems = watch(page);
  await page.goto(`${s.baseUrl}/review`);
  await page.getByRole('button', { name: 'Connect browser wallet' }).click();
  const first = await nextItem(page, '');
  // Candidate features come first, each with its crops loaded from the API.
  assert.match(first, /^feature:\d+$/);
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll<HTMLImageElement>('#crops img')).every(
      (i) => i.complete && i.naturalWidth > 0,
    ),
  );
  assert.equal(await page.locator('#crops img').count(), 3);
  // The mini map marks the item's place.
  await page.waitForFunction(() => window.map?.getLayer('item-halo') !== undefined);
  assert.equal((await renderedLayers(page, ['item-halo']))['item-halo'], 1);
  await page.screenshot({ path: path.join(OUTPUT, 'review-desktop.png') });

  // Three decisions, one key each (the third corrects a value: V, type, Enter).
  const shown: string[] = [first];
  const t0 = performance.now();
  await page.keyboard.press('c');
  shown.push(await nextItem(page, shown.at(-1)!));
  await page.keyboard.press('x');
  shown.push(await nextItem(page, shown.at(-1)!));
  await page.keyboard.press('v');
  await page.keyboard.type('30');
  // A queue refill landing while the value is typed must not overwrite it (it did: the vote went out unchanged
  // and was refused as relabel_unchanged).
  await page.evaluate(() => window.mapmintReview!.refill());
  await page.keyboard.press('Enter');
  shown.push(await nextItem(page, shown.at(-1)!));
  const uiMs = performance.now() - t0;
  await page.waitForFunction(() => window.mapmintReview?.pending() === 0 && window.mapmintReview.log.length === 3);
  const savedMs = performance.now() - t0;
  const log = await page.evaluate(() => window.mapmintReview!.log);
  const perMinute = (n: number, ms: number) => ((n / ms) * 60_000).toFixed(0);
  const nextMs = log.map((e) => (e.shownNextAt - e.keyAt).toFixed(1));
  const saveMs = log.map((e) => ((e.savedAt ?? 0) - e.keyAt).toFixed(0));
  process.stdout.write(
    `# review keyboard flow: 3 decisions in ${uiMs.toFixed(0)} ms of test-driven keys (${perMinute(3, uiMs)} reviews/min ` +
      `machine ceiling, no human think time); next item shown ${nextMs.join('/')} ms after the key; votes saved ` +
      `${saveMs.join('/')} ms after the key; all saved at ${savedMs.toFixed(0)} ms\n`,
  );

  // The database has the three votes, as decided.
  const votes = await s.db.sql<{ item: string; decision: string; class: string; value: string | null }[]>`
    select r.item_kind || ':' || r.item_id as item, r.decision, r.class, r.value from reviews r
    join contributors c on c.id = r.reviewer_id where c.address = ${reviewer1.address} order by r.id`;
  assert.deepEqual(
    votes.map((v) => [v.item, v.decision]),
    [
      [shown[0], 'confirm'],
      [shown[1], 'reject'],
      [shown[2], 'relabel'],
    ],
    `votes in the database; the page's log: ${JSON.stringify(log.map((e) => [e.kind, e.id, e.decision, e.outcome]))}`,
  );
  assert.equal(votes[2]!.value, '30');
  assert.ok(
    log.every((e) => e.outcome === 'recorded'),
    JSON.stringify(log),
  );
  await page.waitForFunction(() => document.getElementById('stat-votes')?.textContent === '3');
  clean(problems);

  // A second reviewer signs in with a local development key and agrees with the first confirm: settled.
  const ctx2 = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page2 = await ctx2.newPage();
  const problems2 = watch(page2);
  await page2.goto(`${s.baseUrl}/review`);
  await page2.getByRole('button', { name: 'Create a local development key' }).click();
  // Not a reviewer yet: the page says how to become one (the 403 is expected here).
  await page2.getByText('is not a reviewer').waitFor();
  assert.deepEqual(
    problems2.filter((p) => !/403 GET .*\/v1\/review\/queue|status of 403/.test(p)),
    [],
  );
  problems2.length = 0;
  const key = await page2.evaluate(() => localStorage.getItem('mapmint.devKey'));
  await grantReviewer(s.db.sql, new Wallet(key!).address);
  await page2.reload();
  const firstOf2 = await nextItem(page2, '');
  assert.equal(firstOf2, shown[0], 'the item with a vote comes first');
  await page2.screenshot({ path: path.join(OUTPUT, 'review-phone.png'), fullPage: true });
  await page2.keyboard.press('c');
  await page2.waitForFunction(() => window.mapmintReview?.log[0]?.outcome?.startsWith('settled') === true);
  const [feature] = await s.db.sql<{ status: string }[]>`
    select status from map_features where id = ${Number(shown[0]!.split(':')[1])}`;
  assert.equal(feature!.status, 'confirmed');
  clean(problems2);

  // The driver, although a reviewer, never sees their own captures.
  const ctx3 = await browser.newContext();
  await injectWallet(ctx3, driver);
  const page3 = await ctx3.newPage();
  const problems3 = watch(page3);
  await page3.goto(`${s.baseUrl}/review`);
  await page3.getByRole('button', { name: 'Connect browser wallet' }).click();
  await page3.getByText('Nothing to review right now').waitFor();
  clean(problems3);
  await ctx.close();
  await ctx2.close();
  await ctx3.close();
});

test('driver: uploads with the quarantine reason, coverage with novel pieces, rewards, and a claim on chain', {
  skip,
}, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  await injectWallet(ctx, driver, providerFor(local.info));
  const page = await ctx.newPage();
  const problems = watch(page);
  await page.goto(`${s.baseUrl}/driver`);
  await page.getByRole('button', { name: 'Connect browser wallet' }).click();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.locator('#uploads tbody tr').count(), 3);
  const quarantined = page.locator(`tr[data-upload="${data.uploads.quarantined}"]`);
  assert.match((await quarantined.textContent()) ?? '', /Quarantined[\s\S]*gps_teleport[\s\S]*480 m in 1 s/);
  const covered = Number(await page.locator('#count-covered').textContent());
  const novel = Number(await page.locator('#count-novel').textContent());
  const [db] = await s.db.sql<{ covered: number; novel: number }[]>`
    select count(distinct c.segment_id)::int as covered,
      count(distinct l.segment_id) filter (where l.rule = 'first_coverage')::int as novel
    from coverage c left join ledger_entries l on l.upload_id = c.upload_id and l.segment_id = c.segment_id
    where c.upload_id in ${s.db.sql(data.uploads.accepted)}`;
  assert.equal(covered, db!.covered);
  assert.equal(novel, db!.novel);
  assert.ok(novel > 0);
  const layers = await renderedLayers(page, ['mine', 'mine-novel']);
  assert.ok((layers['mine-novel'] ?? 0) > 0, JSON.stringify(layers));
  assert.ok((await page.locator('#rewards tbody tr').count()) >= 1);
  await page.screenshot({ path: path.join(OUTPUT, 'driver-desktop.png'), fullPage: true });

  // Claim through the injected wallet: the transaction lands on the local EVM.
  await page.getByRole('button', { name: 'Claim rewards' }).click();
  await page.waitForSelector('#claim-status[data-outcome]', { timeout: 30_000 });
  assert.equal(
    await page.locator('#claim-status').getAttribute('data-outcome'),
    'claimed',
    (await page.locator('#claim-status').textContent()) ?? '',
  );
  const [earned] = await s.db.sql<{ total: string }[]>`
    select sum(l.amount)::text as total from ledger_entries l join contributors c on c.id = l.contributor_id
    where c.address = ${driver.address}`;
  const onChain = await distributorAt(local.info.distributor, providerFor(local.info)).getFunction('claimed')(
    driver.address,
  );
  assert.equal(onChain.toString(), earned!.total);
  await page.screenshot({ path: path.join(OUTPUT, 'driver-claimed.png'), fullPage: true });
  clean(problems);

  const phone = await ctx.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  const phoneProblems = watch(phone);
  await phone.goto(`${s.baseUrl}/driver`);
  await phone.waitForSelector('body[data-ready="true"]');
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await phone.screenshot({ path: path.join(OUTPUT, 'driver-phone.png'), fullPage: true });
  clean(phoneProblems);
  await ctx.close();
});

test('pages answer 503 with the build command when web/dist is missing; assets are immutable', async () => {
  const page = await fetch(`${s.baseUrl}/review`);
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  const html = await page.text();
  const asset = /src="(\/assets\/review-[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(asset, html);
  const a = await fetch(`${s.baseUrl}${asset}`);
  assert.equal(a.status, 200);
  assert.equal(a.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const again = await fetch(`${s.baseUrl}${asset}`, { headers: { 'if-none-match': a.headers.get('etag')! } });
  assert.equal(again.status, 304);
  assert.equal((await fetch(`${s.baseUrl}/assets/..%2Fpackage.json`)).status, 404);
  process.env.MAPMINT_WEB_DIR = path.join(webDir, 'nowhere');
  const bare = await startTestServer();
  try {
    const r = await fetch(`${bare.baseUrl}/`);
    assert.equal(r.status, 503);
    assert.match((await r.json()).error.message, /npm run web:build/);
  } finally {
    await bare.close();
    process.env.MAPMINT_WEB_DIR = webDir;
  }
});
