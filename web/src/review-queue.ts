/** The reviewer's queue: items fetched from the server, the one shown, and the next one's crops preloaded. */
import { call, type MapmintClient, type ReviewItem, type ReviewQueue } from './api.ts';

/** The key of an item across kinds (a feature and a detection may share an id). */
export const keyOf = (i: { kind: string; id: number }): string => `${i.kind}:${i.id}`;

/** Items to show, the item shown, and what this session already saw. */
export class ItemQueue {
  /** The relabel classes the server offers, most useful first. */
  classes: string[] = [];
  current: ReviewItem | undefined;
  private items: ReviewItem[] = [];
  private readonly seen = new Set<string>();
  private loading: Promise<void> | undefined;
  private exhausted = false;
  private readonly preloaded = new Map<string, HTMLImageElement[]>();

  /** `onFilled` runs after every successful fetch (the relabel list depends on the classes). */
  constructor(
    private readonly client: MapmintClient,
    private readonly onFilled: () => void,
  ) {}

  /** Fetches more items, leaving out any already shown, decided or skipped in this session. */
  fill(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const q = await call<ReviewQueue>(this.client, 'GET', '/v1/review/queue?limit=25');
        if (q.classes.length) this.classes = q.classes;
        const fresh = q.items.filter((i) => !this.seen.has(keyOf(i)) && !this.items.some((x) => keyOf(x) === keyOf(i)));
        this.items.push(...fresh);
        this.exhausted = fresh.length === 0;
        this.onFilled();
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  /** Makes the next item current (undefined when the queue is empty) and remembers it as seen. */
  take(): ReviewItem | undefined {
    const item = this.items.shift();
    this.current = item;
    if (item) this.seen.add(keyOf(item));
    return item;
  }

  /** True when the queue runs low and the server may have more. */
  get low(): boolean {
    return this.items.length < 5 && !this.exhausted;
  }

  /** Starts loading the crops of the item after the current one. */
  preloadNext(): void {
    const item = this.items[0];
    if (!item) return;
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

  /** Lets go of an item's preloaded images once it is on screen. */
  shown(item: ReviewItem): void {
    this.preloaded.delete(keyOf(item));
  }
}
