/**
 * The QA reviewer app (`/review`): a queue of candidate features and low-confidence detections, each with its
 * crops from every drive that saw it and its place on the map. One key per decision: C confirm, X reject, 1–9
 * relabel, V change the value, S skip. The next item's images are preloaded and the page moves on as soon as a key
 * is pressed; the vote is sent in the background and its outcome announced.
 */
import type { GeoJSONSource } from 'maplibre-gl';
import {
  ApiError,
  call,
  type Decision,
  type MapmintClient,
  type ReviewItem,
  type ReviewQueue,
  type ReviewStats,
  tileJson,
  type VoteResult,
} from './api.ts';
import { announce, byId, classLabel, fill, h, short, when } from './dom.ts';
import { archiveStyle, FEATURE_ICONS, provideIcons, setUpMapLibre } from './map-style.ts';
import { exposeForTests, reportMapErrors } from './page.ts';
import { signIn } from './wallet.ts';

/** Classes whose features carry a value a reviewer may correct (the limit, the street name). */
const VALUED = new Set(['speed-limit', 'regulatory--maximum-speed-limit', 'street-name-sign']);

/** One decision as the page saw it: when the key went down, when the next item showed, when the server answered. */
interface LogEntry {
  kind: string;
  id: number;
  decision: string;
  keyAt: number;
  shownNextAt: number;
  savedAt: number | null;
  outcome: string | null;
}

declare global {
  interface Window {
    mapmintReview?: { log: LogEntry[]; pending(): number; current(): string | null; refill(): Promise<void> };
  }
}

const status = byId('review-status');
const keyOf = (i: { kind: string; id: number }) => `${i.kind}:${i.id}`;
const labelOf = (cls: string) => FEATURE_ICONS[cls]?.label ?? classLabel(cls);

class ReviewApp {
  private queue: ReviewItem[] = [];
  private classes: string[] = [];
  private readonly seen = new Set<string>();
  private current: ReviewItem | undefined;
  private pending = 0;
  private loading: Promise<void> | undefined;
  private readonly log: LogEntry[] = [];
  private readonly preloaded = new Map<string, HTMLImageElement[]>();
  private map: import('maplibre-gl').Map | undefined;
  private exhausted = false;

  constructor(private readonly client: MapmintClient) {
    window.mapmintReview = {
      log: this.log,
      pending: () => this.pending,
      current: () => (this.current ? keyOf(this.current) : null),
      // What happens in the background when the queue runs low (tests call it at awkward moments).
      refill: () => this.fill(),
    };
  }

  async start(): Promise<void> {
    document.addEventListener('keydown', (e) => this.onKey(e));
    byId('btn-confirm').addEventListener('click', () => this.decide({ decision: 'confirm' }));
    byId('btn-reject').addEventListener('click', () => this.decide({ decision: 'reject' }));
    byId('btn-skip').addEventListener('click', () => this.skip());
    byId<HTMLFormElement>('value-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.submitValue();
    });
    // The queue first: a wallet without the reviewer role learns it from this one request.
    await this.fill();
    byId('review-app').hidden = false;
    void this.refreshStats();
    void this.startMap();
    this.next();
  }

  /** Fetches more items, leaving out any already shown, decided or skipped in this session. */
  private fill(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const q = await call<ReviewQueue>(this.client, 'GET', '/v1/review/queue?limit=25');
        if (q.classes.length) this.classes = q.classes;
        const fresh = q.items.filter((i) => !this.seen.has(keyOf(i)) && !this.queue.some((x) => keyOf(x) === keyOf(i)));
        this.queue.push(...fresh);
        this.exhausted = fresh.length === 0;
        this.renderRelabel();
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  /** Shows the next item (fetching more when the queue runs low) and preloads the one after. */
  private next(): void {
    const item = this.queue.shift();
    this.current = item;
    if (item) this.seen.add(keyOf(item));
    if (this.queue.length < 5 && !this.exhausted)
      void this.fill().then(() => {
        if (!this.current) this.next();
      });
    this.render();
    const after = this.queue[0];
    if (after) this.preload(after);
  }

  private preload(item: ReviewItem): void {
    const k = keyOf(item);
    if (this.preloaded.has(k)) return;
    // Keeping the Image objects referenced keeps the decoded pixels warm until the item shows.
    const imgs = item.crops.map((c) => {
      const img = new Image();
      img.decoding = 'async';
      img.src = c.url;
      return img;
    });
    this.preloaded.set(k, imgs);
  }

  private render(): void {
    const item = this.current;
    const card = byId('item');
    const crops = byId('crops');
    if (!item) {
      fill(
        card,
        h('h2', {}, 'Nothing to review right now'),
        h('p', {}, 'New items appear as drives are processed. Your own captures are never shown to you.'),
        h('button', { type: 'button', onclick: () => void this.fill().then(() => this.next()) }, 'Check again'),
      );
      fill(crops);
      card.dataset['item'] = '';
      this.setDecisionButtons(false);
      return;
    }
    this.setDecisionButtons(true);
    card.dataset['item'] = keyOf(item);
    const kind = item.kind === 'feature' ? `${item.status} feature` : 'low-confidence detection';
    fill(
      card,
      h(
        'p',
        { class: 'kicker' },
        `${kind} #${item.id}`,
        item.escalated ? h('span', { class: 'badge warn' }, 'escalated') : null,
      ),
      h(
        'h2',
        { id: 'item-title' },
        labelOf(item.class),
        item.value ? h('span', { class: 'value' }, ` ${item.value}`) : null,
      ),
      h(
        'p',
        { class: 'facts-inline' },
        `${item.kind === 'feature' ? 'Confidence' : 'Score'} ${Math.round(item.score * 100)} % · `,
        `${item.crops.length} crop${item.crops.length === 1 ? '' : 's'} from ${new Set(item.crops.map((c) => c.uploadId)).size} drive(s) · `,
        `${item.votes} vote${item.votes === 1 ? '' : 's'} so far`,
        item.lon === null ? ' · no position' : null,
      ),
    );
    fill(
      crops,
      ...item.crops.map((c, i) =>
        h(
          'figure',
          { class: 'crop' },
          h(
            'a',
            { href: c.frameUrl, target: '_blank', rel: 'noopener', title: 'Open the whole (blurred) frame' },
            h('img', {
              src: c.url,
              alt: `Crop ${i + 1}: ${labelOf(c.class)}, score ${Math.round(c.score * 100)} %`,
              class: i === 0 ? 'first' : '',
            }),
          ),
          h(
            'figcaption',
            {},
            `${labelOf(c.class)} ${Math.round(c.score * 100)} %`,
            h('br'),
            `${c.uploadId ? `drive ${short(c.uploadId, 4)}` : 'drive ?'} · ${when(c.capturedAt)}`,
          ),
        ),
      ),
      item.crops.length === 0 ? h('p', { class: 'muted' }, 'No crops stored for this item.') : null,
    );
    this.preloaded.delete(keyOf(item));
    this.moveMap(item);
    this.renderRelabel();
  }

  private setDecisionButtons(on: boolean): void {
    for (const id of ['btn-confirm', 'btn-reject', 'btn-skip']) (byId(id) as HTMLButtonElement).disabled = !on;
  }

  private renderRelabel(): void {
    const list = byId('relabel-list');
    const current = this.current?.class;
    fill(
      list,
      ...this.classes.slice(0, 9).map((cls, i) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: cls === current ? 'relabel current' : 'relabel',
              'aria-keyshortcuts': String(i + 1),
              disabled: !this.current,
              onclick: () => this.relabel(cls),
            },
            h('kbd', {}, String(i + 1)),
            ` ${labelOf(cls)}`,
          ),
        ),
      ),
    );
    const input = byId<HTMLInputElement>('value-input');
    // A queue refill re-renders this list while the reviewer may be typing a value: never overwrite what is being
    // typed (Enter and Esc blur the field first, so the next item still starts from its own value).
    if (document.activeElement !== input) input.value = this.current?.value ?? '';
    input.disabled = !this.current;
  }

  /** Relabel to `cls`; a class that carries a value asks for it first (Enter sends). */
  private relabel(cls: string): void {
    if (!this.current) return;
    if (VALUED.has(cls)) {
      const input = byId<HTMLInputElement>('value-input');
      input.dataset['class'] = cls;
      byId('value-label').textContent = `Value for ${labelOf(cls)} (Enter to send, Esc to cancel)`;
      input.focus();
      input.select();
      return;
    }
    this.decide({ decision: 'relabel', class: cls, value: null });
  }

  private submitValue(): void {
    const input = byId<HTMLInputElement>('value-input');
    const cls = input.dataset['class'] || this.current?.class;
    if (!this.current || !cls) return;
    const v = input.value.trim();
    delete input.dataset['class'];
    byId('value-label').textContent = 'Value (V to edit)';
    input.blur();
    this.decide({ decision: 'relabel', class: cls, value: v === '' ? null : v });
  }

  private skip(): void {
    if (!this.current) return;
    announce(status, `Skipped ${labelOf(this.current.class)} #${this.current.id}.`);
    this.next();
  }

  /** Records the decision, shows the next item at once, and sends the vote. */
  private decide(d: Decision): void {
    const item = this.current;
    if (!item) return;
    const entry: LogEntry = {
      kind: item.kind,
      id: item.id,
      decision: d.decision,
      keyAt: performance.now(),
      shownNextAt: 0,
      savedAt: null,
      outcome: null,
    };
    this.log.push(entry);
    this.next();
    entry.shownNextAt = performance.now();
    this.pending++;
    call<VoteResult>(this.client, 'POST', `/v1/review/${item.kind}/${item.id}`, d)
      .then((r) => {
        entry.outcome = r.settled ? `settled:${r.outcome?.decision}` : r.escalated ? 'escalated' : 'recorded';
        const what =
          d.decision === 'relabel'
            ? `relabelled as ${labelOf(d.class)}${d.value ? ` ${d.value}` : ''}`
            : `${d.decision}ed`;
        const how = r.settled
          ? ` Settled by ${r.outcome?.by}: ${r.outcome?.decision}.`
          : r.escalated
            ? ' Reviewers disagree: escalated to a senior reviewer.'
            : ' Waiting for another reviewer.';
        announce(status, `${labelOf(item.class)} #${item.id} ${what}.${how}`);
        void this.refreshStats();
      })
      .catch((err: unknown) => {
        entry.outcome = `error:${err instanceof ApiError ? err.code : 'network'}`;
        announce(status, `Vote on ${labelOf(item.class)} #${item.id} failed: ${(err as Error).message}`, 'error');
      })
      .finally(() => {
        entry.savedAt = performance.now();
        this.pending--;
      });
  }

  private async refreshStats(): Promise<void> {
    try {
      const s = await call<ReviewStats>(this.client, 'GET', '/v1/review/stats');
      fill(
        byId('stats'),
        h('h2', {}, 'Your reviews'),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'Votes'),
          h('dd', { id: 'stat-votes' }, s.votes),
          h('dt', {}, 'Settled'),
          h('dd', {}, s.settled),
          h('dt', {}, 'Agreed with outcome'),
          h('dd', {}, s.agreed),
          h('dt', {}, 'Review credits'),
          h('dd', {}, s.credits),
        ),
      );
    } catch {
      // Stats are a convenience; the queue keeps working without them.
    }
  }

  private onKey(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) {
      if (e.key === 'Escape') {
        (t as HTMLInputElement).blur();
        byId('value-label').textContent = 'Value (V to edit)';
      }
      return;
    }
    const k = e.key.toLowerCase();
    if (k === '?') {
      const help = byId('help');
      help.hidden = !help.hidden;
    } else if (k === 'c') this.decide({ decision: 'confirm' });
    else if (k === 'x') this.decide({ decision: 'reject' });
    else if (k === 's') this.skip();
    else if (k === 'v' && this.current) {
      const input = byId<HTMLInputElement>('value-input');
      input.dataset['class'] = this.current.class;
      input.focus();
      input.select();
    } else if (/^[1-9]$/.test(k)) {
      const cls = this.classes[Number(k) - 1];
      if (cls) this.relabel(cls);
    } else return;
    e.preventDefault();
  }

  private async startMap(): Promise<void> {
    const tj = await tileJson();
    const maplibregl = setUpMapLibre();
    const style = tj
      ? archiveStyle(tj, location.origin)
      : {
          version: 8 as const,
          sources: {},
          layers: [{ id: 'bg', type: 'background' as const, paint: { 'background-color': '#f6f4ef' } }],
        };
    const map = new maplibregl.Map({
      container: 'review-map',
      style,
      center: tj ? [tj.center[0], tj.center[1]] : [0, 0],
      zoom: 15,
      attributionControl: { compact: true },
    });
    exposeForTests(map);
    reportMapErrors(map);
    provideIcons(map);
    map.on('load', () => {
      map.addSource('item', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      map.addLayer({
        id: 'item-halo',
        type: 'circle',
        source: 'item',
        paint: {
          'circle-radius': 14,
          'circle-color': '#bf3989',
          'circle-opacity': 0.25,
          'circle-stroke-color': '#bf3989',
          'circle-stroke-width': 2,
        },
      });
      this.map = map;
      if (this.current) this.moveMap(this.current);
    });
  }

  private moveMap(item: ReviewItem): void {
    const map = this.map;
    byId('map-note').textContent = item.lon === null ? 'This detection has no position (its frame has no pose).' : '';
    if (!map) return;
    const src = map.getSource<GeoJSONSource>('item');
    if (item.lon === null || item.lat === null) {
      src?.setData({ type: 'FeatureCollection', features: [] });
      return;
    }
    src?.setData({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [item.lon, item.lat] } });
    map.jumpTo({ center: [item.lon, item.lat], zoom: Math.max(map.getZoom(), 16) });
  }
}

async function main(): Promise<void> {
  const session = await signIn(byId('account'), {
    purpose: 'to review map features',
    onSignOut: () => location.reload(),
  });
  const app = new ReviewApp(session.client);
  try {
    await app.start();
  } catch (err) {
    byId('review-app').hidden = true;
    if (err instanceof ApiError && err.code === 'not_reviewer') {
      announce(
        status,
        `The wallet ${session.me.address} is not a reviewer. An operator can grant the role with: mapmint reviewer grant ${session.me.address}`,
        'error',
      );
    } else {
      announce(status, `The review queue could not load: ${(err as Error).message}`, 'error');
    }
  }
}

main().catch((err) => {
  console.error(err);
  announce(status, `The page could not start: ${(err as Error).message}`, 'error');
});
