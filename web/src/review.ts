/**
 * The QA reviewer app (`/review`): a queue of candidate features and low-confidence detections, each with its
 * crops from every drive that saw it and its place on the map. One key per decision: C confirm, X reject, 1–9
 * relabel, V change the value, S skip. The next item's images are preloaded and the page moves on as soon as a key
 * is pressed; the vote is sent in the background and its outcome announced.
 */
import { ApiError, call, type Decision, type MapmintClient, type ReviewStats } from './api.ts';
import { announce, byId } from './dom.ts';
import { bindControls, resetValueLabel } from './review-keys.ts';
import { ItemMap } from './review-map.ts';
import { ItemQueue, keyOf } from './review-queue.ts';
import { labelOf, renderItem, renderRelabel, renderStats } from './review-render.ts';
import { type LogEntry, VoteSender } from './review-votes.ts';
import { signIn } from './wallet.ts';

/** Classes whose features carry a value a reviewer may correct (the limit, the street name). */
const VALUED = new Set(['speed-limit', 'regulatory--maximum-speed-limit', 'street-name-sign']);

declare global {
  interface Window {
    mapmintReview?: { log: LogEntry[]; pending(): number; current(): string | null; refill(): Promise<void> };
  }
}

const status = byId('review-status');

class ReviewApp {
  private readonly queue: ItemQueue;
  private readonly votes: VoteSender;
  private readonly map = new ItemMap();

  constructor(private readonly client: MapmintClient) {
    this.queue = new ItemQueue(client, () => this.renderRelabel());
    this.votes = new VoteSender(client, status);
    window.mapmintReview = {
      log: this.votes.log,
      pending: () => this.votes.pending,
      current: () => (this.queue.current ? keyOf(this.queue.current) : null),
      // What happens in the background when the queue runs low (tests call it at awkward moments).
      refill: () => this.queue.fill(),
    };
  }

  async start(): Promise<void> {
    bindControls({
      confirm: () => this.decide({ decision: 'confirm' }),
      reject: () => this.decide({ decision: 'reject' }),
      skip: () => this.skip(),
      relabelAt: (n) => {
        const cls = this.queue.classes[n - 1];
        if (cls) this.relabel(cls);
      },
      editValue: () => this.editValue(),
      submitValue: () => this.submitValue(),
    });
    // The queue first: a wallet without the reviewer role learns it from this one request.
    await this.queue.fill();
    byId('review-app').hidden = false;
    void this.refreshStats();
    void this.map.start(() => this.queue.current);
    this.next();
  }

  /** Shows the next item (fetching more when the queue runs low) and preloads the one after. */
  private next(): void {
    this.queue.take();
    if (this.queue.low)
      void this.queue.fill().then(() => {
        if (!this.queue.current) this.next();
      });
    this.render();
    this.queue.preloadNext();
  }

  private render(): void {
    const item = this.queue.current;
    renderItem(item, () => void this.queue.fill().then(() => this.next()));
    if (!item) return;
    this.queue.shown(item);
    this.map.show(item);
    this.renderRelabel();
  }

  private renderRelabel(): void {
    renderRelabel(this.queue.classes, this.queue.current, (cls) => this.relabel(cls));
  }

  /** Relabel to `cls`; a class that carries a value asks for it first (Enter sends). */
  private relabel(cls: string): void {
    if (!this.queue.current) return;
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

  private editValue(): boolean {
    if (!this.queue.current) return false;
    const input = byId<HTMLInputElement>('value-input');
    input.dataset['class'] = this.queue.current.class;
    input.focus();
    input.select();
    return true;
  }

  private submitValue(): void {
    const input = byId<HTMLInputElement>('value-input');
    const cls = input.dataset['class'] || this.queue.current?.class;
    if (!this.queue.current || !cls) return;
    const v = input.value.trim();
    delete input.dataset['class'];
    resetValueLabel();
    input.blur();
    this.decide({ decision: 'relabel', class: cls, value: v === '' ? null : v });
  }

  private skip(): void {
    const item = this.queue.current;
    if (!item) return;
    announce(status, `Skipped ${labelOf(item.class)} #${item.id}.`);
    this.next();
  }

  /** Records the decision, shows the next item at once, and sends the vote. */
  private decide(d: Decision): void {
    const item = this.queue.current;
    if (!item) return;
    const entry = this.votes.begin(item, d);
    this.next();
    entry.shownNextAt = performance.now();
    this.votes.send(item, d, entry, () => void this.refreshStats());
  }

  private async refreshStats(): Promise<void> {
    try {
      renderStats(await call<ReviewStats>(this.client, 'GET', '/v1/review/stats'));
    } catch {
      // Stats are a convenience; the queue keeps working without them.
    }
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
