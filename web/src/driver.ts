/**
 * Driver pages (`/driver`): a resumable upload form (driver-upload.ts), my uploads with status and why any was
 * quarantined (and what to do about it), my coverage on the map with the pieces that earned as novel highlighted,
 * my rewards per epoch, and a claim button (the SDK's claimRewards with the injected wallet, or the local
 * development key on the chain's RPC).
 */
import { formatUnits } from 'ethers';
import type { FilterSpecification } from 'maplibre-gl';
import { claimRewards } from '../../sdk/index.ts';
import {
  ApiError,
  type ChainInfo,
  type ClaimOutcome,
  type CoveragePiece,
  call,
  type MapmintClient,
  type Rewards,
  type StepView,
  tileJson,
  type UploadState,
  type UploadView,
} from './api.ts';
import { announce, byId, fill, h, short, when } from './dom.ts';
import { setUpUploadForm } from './driver-upload.ts';
import { archiveStyle, setUpMapLibre } from './map-style.ts';
import { exposeForTests, reportMapErrors } from './page.ts';
import { signIn, transactionSigner } from './wallet.ts';

const MAP_TOKEN = (wei: string | bigint) => `${formatUnits(wei, 18)} MAP`;
const STATUS_TEXT: Record<UploadState, string> = {
  receiving: 'Receiving files',
  received: 'Received, waiting to be processed',
  validating: 'Checking GPS and video',
  processing: 'Processing',
  done: 'Done',
  quarantined: 'Quarantined',
  expired: 'Expired: no bytes arrived for a day; declare it again to resume',
  failed: 'Failed: a step gave up after its retries',
};

/** Each processing step with its state, what it did (frames kept, detections, pieces booked) or its last error. */
function stepList(u: UploadView): HTMLElement | null {
  if (!u.steps || u.steps.length === 0) return null;
  const done = u.steps.filter((s) => s.state === 'done').length;
  const what = (s: StepView) =>
    s.error ??
    Object.entries(s.output ?? {})
      .filter(([, v]) => typeof v === 'number')
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return h(
    'details',
    { open: u.status === 'failed', class: 'steps' },
    h('summary', {}, `Steps: ${done} of ${u.steps.length} done${u.failure ? `, ${u.failure.step} failed` : ''}`),
    h(
      'ul',
      {},
      ...u.steps.map((s) =>
        h('li', { 'data-step': s.step, 'data-state': s.state }, h('code', {}, s.step), ` ${s.state} `, what(s)),
      ),
    ),
  );
}

/** Reasons as the API stores them: `{code, message, hint?}` objects (or plain strings from older rows). */
function reasonList(reasons: unknown[]): HTMLElement | null {
  if (reasons.length === 0) return null;
  return h(
    'ul',
    { class: 'reasons' },
    ...reasons.map((r) => {
      const o = r as { code?: string; message?: string; hint?: string };
      return typeof r === 'string'
        ? h('li', {}, r)
        : h(
            'li',
            {},
            o.code ? h('code', {}, o.code) : null,
            o.code ? ': ' : null,
            o.message ?? JSON.stringify(r),
            o.hint ? h('span', { class: 'hint' }, h('strong', {}, 'What to do: '), o.hint) : null,
          );
    }),
  );
}

/** Counts renders of the uploads list: the upload form refreshes it while an earlier refresh may still be loading. */
let uploadsRender = 0;

async function uploads(client: MapmintClient): Promise<void> {
  const box = byId('uploads');
  const render = ++uploadsRender;
  const { uploads: list } = await call<{ uploads: { id: string; status: UploadState; createdAt: string }[] }>(
    client,
    'GET',
    '/v1/uploads',
  );
  if (render !== uploadsRender) return;
  if (list.length === 0) {
    fill(
      box,
      h(
        'p',
        { class: 'muted' },
        'No uploads yet. Upload a drive above, or with the companion app or `mapmint upload`.',
      ),
    );
    return;
  }
  const details = await Promise.all(
    list.slice(0, 30).map((u) => call<UploadView>(client, 'GET', `/v1/uploads/${u.id}`).catch(() => undefined)),
  );
  // A later refresh started meanwhile: its answer is the newer one.
  if (render !== uploadsRender) return;
  const rows = list.slice(0, 30).map((u, i) => {
    const d = details[i];
    const why = d
      ? [
          stepList(d),
          reasonList(d.reasons),
          // The validation findings, unless they only repeat the reasons above.
          d.validation?.reasons.some((v) => !d.reasons.some((r) => r.code === v.code))
            ? h(
                'details',
                { open: u.status === 'quarantined' },
                h('summary', {}, `GPS check: ${d.validation.verdict} (${d.validation.reasons.length} finding(s))`),
                reasonList(d.validation.reasons),
              )
            : d.validation
              ? h('span', { class: 'muted' }, `GPS check: ${d.validation.verdict}`)
              : null,
        ]
      : [];
    return h(
      'tr',
      { 'data-upload': u.id, 'data-status': u.status },
      h('td', {}, h('code', { title: u.id }, short(u.id, 8))),
      h('td', {}, when(u.createdAt)),
      h('td', {}, h('span', { class: `badge status-${u.status}` }, STATUS_TEXT[u.status] ?? u.status)),
      h('td', { class: 'why' }, ...why),
    );
  });
  fill(
    box,
    h(
      'table',
      {},
      h('caption', {}, `${list.length} upload${list.length === 1 ? '' : 's'}, newest first`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Upload'),
          h('th', { scope: 'col' }, 'Created'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Validation'),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
  );
}

async function coverage(client: MapmintClient): Promise<void> {
  const { coverage: pieces } = await call<{ coverage: CoveragePiece[] }>(client, 'GET', '/v1/me/coverage');
  const mine = [...new Set(pieces.filter((p) => p.counted).map((p) => p.segmentId))];
  const firstCoverage = [...new Set(pieces.filter((p) => p.rule === 'first_coverage').map((p) => p.segmentId))];
  const refreshed = [...new Set(pieces.filter((p) => p.rule === 'refresh').map((p) => p.segmentId))];
  const earned = pieces.reduce((s, p) => s + BigInt(p.amount ?? '0'), 0n);
  fill(
    byId('coverage-summary'),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Road pieces covered'),
      h('dd', { id: 'count-covered' }, mine.length),
      h('dt', {}, 'New to the map (first coverage)'),
      h('dd', { id: 'count-novel' }, firstCoverage.length),
      h('dt', {}, 'Refreshed (stale before you)'),
      h('dd', {}, refreshed.length),
      h('dt', {}, 'Earned by coverage'),
      h('dd', {}, MAP_TOKEN(earned)),
    ),
  );
  const tj = await tileJson();
  if (!tj) {
    fill(byId('driver-map'), h('p', { class: 'empty' }, 'No map published yet.'));
    return;
  }
  const maplibregl = setUpMapLibre();
  const map = new maplibregl.Map({
    container: 'driver-map',
    style: coverageStyle(tj, { mine, refreshed, firstCoverage }),
    center: [tj.center[0], tj.center[1]],
    zoom: Math.max(13, tj.center[2]),
    attributionControl: { compact: true },
  });
  exposeForTests(map);
  reportMapErrors(map);
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  await fitToMine(client, map, tj, mine);
}

type TileJson = NonNullable<Awaited<ReturnType<typeof tileJson>>>;

/** Everyone's coverage faint, mine on top, the pieces I refreshed and the ones I brought to the map highlighted. */
function coverageStyle(
  tj: TileJson,
  sets: { mine: string[]; refreshed: string[]; firstCoverage: string[] },
): ReturnType<typeof archiveStyle> {
  const style = archiveStyle(tj, location.origin);
  style.layers = style.layers.filter((l) => ['background', 'coverage-casing', 'coverage'].includes(l.id));
  for (const l of style.layers)
    if (l.id === 'coverage' && l.type === 'line') l.paint = { 'line-color': '#c9ccd1', 'line-width': 1.5 };
  const inSet = (ids: string[]): FilterSpecification => ['in', ['get', 'id'], ['literal', ids]];
  if (style.layers.some((l) => l.id === 'coverage')) {
    style.layers.push(
      {
        id: 'mine',
        type: 'line',
        source: 'mapmint',
        'source-layer': 'coverage',
        filter: inSet(sets.mine),
        paint: { 'line-color': '#0969da', 'line-width': 4 },
      },
      {
        id: 'mine-refreshed',
        type: 'line',
        source: 'mapmint',
        'source-layer': 'coverage',
        filter: inSet(sets.refreshed),
        paint: { 'line-color': '#8250df', 'line-width': 5 },
      },
      {
        id: 'mine-novel',
        type: 'line',
        source: 'mapmint',
        'source-layer': 'coverage',
        filter: inSet(sets.firstCoverage),
        paint: { 'line-color': '#e16f24', 'line-width': 6 },
      },
    );
  }
  return style;
}

/** Frames my pieces: their geometry comes from the live coverage API around the archive's centre (1 degree max). */
async function fitToMine(
  client: MapmintClient,
  map: import('maplibre-gl').Map,
  tj: TileJson,
  mine: string[],
): Promise<void> {
  const [cx, cy] = tj.center;
  const b = tj.bounds;
  const bbox = [
    Math.max(b[0], cx - 0.49),
    Math.max(b[1], cy - 0.49),
    Math.min(b[2], cx + 0.49),
    Math.min(b[3], cy + 0.49),
  ];
  if (mine.length === 0 || !(bbox[0]! < bbox[2]! && bbox[1]! < bbox[3]!)) return;
  const fc = await call<{ features: { id: string; geometry: { coordinates: number[][] } }[] }>(
    client,
    'GET',
    `/v1/coverage?bbox=${bbox.map((v) => v.toFixed(6)).join(',')}`,
  );
  const ids = new Set(mine);
  const pts = fc.features.filter((f) => ids.has(f.id)).flatMap((f) => f.geometry.coordinates);
  if (pts.length === 0) return;
  const xs = pts.map((p) => p[0]!);
  const ys = pts.map((p) => p[1]!);
  map.fitBounds(
    [
      [Math.min(...xs), Math.min(...ys)],
      [Math.max(...xs), Math.max(...ys)],
    ],
    { padding: 30, maxZoom: 16, duration: 0 },
  );
}

async function rewards(client: MapmintClient): Promise<void> {
  const r = await call<Rewards>(client, 'GET', '/v1/me/rewards');
  const claimBtn = byId<HTMLButtonElement>('claim');
  const claimStatus = byId('claim-status');
  fill(
    byId('rewards'),
    r.epochs.length === 0
      ? h('p', { class: 'muted' }, 'No rewards yet: novel road coverage earns in the epoch it is driven.')
      : h(
          'table',
          {},
          h('caption', {}, `Total earned: ${MAP_TOKEN(r.cumulativeWei)}`),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Epoch'),
              h('th', { scope: 'col' }, 'Status'),
              h('th', { scope: 'col' }, 'Entries'),
              h('th', { scope: 'col' }, 'Amount'),
            ),
          ),
          h(
            'tbody',
            {},
            ...r.epochs.map((e) =>
              h(
                'tr',
                { 'data-epoch': e.epoch },
                h('td', {}, e.epoch),
                h('td', {}, e.status),
                h('td', {}, e.entries),
                h('td', {}, MAP_TOKEN(e.amount)),
              ),
            ),
          ),
        ),
  );
  claimBtn.disabled = !r.claim;
  announce(
    claimStatus,
    r.claim
      ? `Claimable up to epoch ${r.claim.epoch}: ${MAP_TOKEN(r.claim.cumulative)} in total (less anything already claimed).`
      : 'Nothing to claim until an epoch with your rewards is closed.',
  );
  claimBtn.onclick = async () => {
    claimBtn.disabled = true;
    announce(claimStatus, 'Preparing the claim: confirm the transaction in your wallet…');
    try {
      const chain = await call<ChainInfo>(client, 'GET', '/v1/chain');
      const signer = await transactionSigner(chain.rpcUrl, chain.dev === true);
      const out: ClaimOutcome = await claimRewards(client, signer);
      announce(
        claimStatus,
        out.status === 'claimed'
          ? `Claimed ${MAP_TOKEN(out.amountWei)} for epoch ${out.epoch} (transaction ${short(out.txHash, 10)}).`
          : `Nothing claimed: ${out.reason}.`,
      );
      claimStatus.dataset['outcome'] = out.status;
      if (out.status === 'claimed') claimBtn.dataset['claimed'] = 'true';
    } catch (err) {
      const msg =
        err instanceof ApiError
          ? err.message
          : ((err as { shortMessage?: string }).shortMessage ?? (err as Error).message);
      announce(claimStatus, `Claim failed: ${msg}`, 'error');
      claimStatus.dataset['outcome'] = 'error';
    } finally {
      claimBtn.disabled = claimBtn.dataset['claimed'] === 'true';
    }
  };
}

async function main(): Promise<void> {
  const { client, me } = await signIn(byId('account'), {
    purpose: 'to see your uploads, coverage and rewards',
    onSignOut: () => location.reload(),
  });
  byId('driver-app').hidden = false;
  setUpUploadForm(client, me, () =>
    uploads(client).catch((err: unknown) => {
      console.error(err);
    }),
  );
  const parts: [string, (c: MapmintClient) => Promise<void>][] = [
    ['uploads', uploads],
    ['coverage-summary', coverage],
    ['rewards', rewards],
  ];
  await Promise.all(
    parts.map(([id, f]) =>
      f(client).catch((err: unknown) => {
        console.error(err);
        fill(byId(id), h('p', { class: 'error' }, `Could not load: ${(err as Error).message}`));
      }),
    ),
  );
  document.body.dataset['ready'] = 'true';
}

main().catch((err) => {
  console.error(err);
  fill(byId('driver-status'), h('p', { class: 'error' }, `The page could not start: ${(err as Error).message}`));
});
