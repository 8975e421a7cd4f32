/**
 * Browser plumbing for the tests that drive a page (web app, tiler /map): Debian's Chromium via playwright-core,
 * console watching, an injected wallet.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type BaseWallet, getBytes, type JsonRpcProvider, toQuantity } from 'ethers';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { requireTool } from './require-tool.ts';

/** Debian's Chromium. */
const CHROMIUM = '/usr/bin/chromium';
/** Skip reason when Chromium is missing (false when it is there); under CI=true a missing Chromium fails instead. */
export const CHROMIUM_MISSING = requireTool(CHROMIUM, 'apt-get install chromium (or npm run setup)');

/** The folder for one suite's screenshots under test-output/ (gitignored), created on first use. */
export function screenshotDir(suite: string): string {
  const dir = path.join(import.meta.dirname, '..', '..', 'test-output', suite);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Headless Chromium with software WebGL (SwiftShader), which MapLibre needs without a GPU. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--enable-unsafe-swiftshader',
      '--use-angle=swiftshader',
    ],
  });
}

/** Collects console errors, uncaught exceptions and failed responses of a page (tests assert it stays empty). */
export function watch(page: Page, allow: RegExp[] = []): string[] {
  const problems: string[] = [];
  const add = (s: string) => {
    if (!allow.some((r) => r.test(s))) problems.push(s);
  };
  page.on('console', (m) => {
    if (m.type() === 'error') add(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => add(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) add(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return problems;
}

/**
 * Gives every page of `ctx` a real EIP-1193 provider (`window.ethereum`) whose keys stay in Node: accounts and
 * personal_sign answered by `wallet` (a real signature), eth_sendTransaction signed by `wallet` and sent to `rpc`,
 * every other call forwarded to `rpc`. Calls are recorded in `calls`.
 */
export async function injectWallet(ctx: BrowserContext, wallet: BaseWallet, rpc?: JsonRpcProvider): Promise<string[]> {
  const calls: string[] = [];
  const signer = rpc ? wallet.connect(rpc) : wallet;
  await ctx.exposeFunction('__mapmintWallet', async (method: string, paramsJson: string): Promise<string> => {
    calls.push(method);
    const params = JSON.parse(paramsJson) as unknown[];
    const answer = async (): Promise<unknown> => {
      switch (method) {
        case 'eth_requestAccounts':
        case 'eth_accounts':
          return [wallet.address];
        case 'eth_chainId':
          return rpc ? toQuantity((await rpc.getNetwork()).chainId) : '0x1';
        case 'personal_sign':
          return wallet.signMessage(getBytes(params[0] as string));
        case 'eth_sendTransaction': {
          const tx = params[0] as { to: string; data?: string; value?: string; gas?: string };
          const sent = await signer.sendTransaction({
            to: tx.to,
            data: tx.data ?? '0x',
            value: tx.value ?? 0,
            ...(tx.gas ? { gasLimit: tx.gas } : {}),
          });
          return sent.hash;
        }
        default:
          if (!rpc) throw new Error(`the test wallet has no chain for ${method}`);
          return rpc.send(method, params);
      }
    };
    return JSON.stringify(await answer());
  });
  // A string, not a function: tsx would wrap a function's source in helpers the page does not have.
  await ctx.addInitScript(`window.ethereum = {
    isMapmintTest: true,
    request: async ({ method, params }) => JSON.parse(await window.__mapmintWallet(method, JSON.stringify(params ?? []))),
    on() {},
    removeListener() {},
  };`);
  return calls;
}

/** Waits until the page's map has drawn everything it has loaded; returns rendered feature counts per layer. */
export async function renderedLayers(page: Page, layers?: string[]): Promise<Record<string, number>> {
  await page.waitForFunction(
    () => (window as unknown as { map?: { loaded(): boolean } }).map?.loaded() === true,
    null,
    {
      timeout: 60_000,
    },
  );
  return page.evaluate(async (only) => {
    // biome-ignore lint/suspicious/noExplicitAny: the MapLibre map lives in the page, untyped here.
    const map = (window as any).map;
    await new Promise<void>((resolve) =>
      map.loaded() && map.areTilesLoaded() ? resolve() : map.once('idle', resolve),
    );
    const counts: Record<string, number> = {};
    for (const f of map.queryRenderedFeatures(only ? { layers: only } : undefined))
      counts[f.layer.id] = (counts[f.layer.id] ?? 0) + 1;
    return counts;
  }, layers ?? null);
}
