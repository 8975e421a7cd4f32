/** Sending the reviewer's votes in the background, with a log of each decision's timing and outcome. */
import { ApiError, call, type Decision, type MapmintClient, type ReviewItem, type VoteResult } from './api.ts';
import { announce } from './dom.ts';
import { labelOf } from './review-render.ts';

/** One decision as the page saw it: when the key went down, when the next item showed, when the server answered. */
export interface LogEntry {
  kind: string;
  id: number;
  decision: string;
  keyAt: number;
  shownNextAt: number;
  savedAt: number | null;
  outcome: string | null;
}

/** Votes in flight and the log of every decision of this session. */
export class VoteSender {
  readonly log: LogEntry[] = [];
  pending = 0;

  constructor(
    private readonly client: MapmintClient,
    private readonly status: HTMLElement,
  ) {}

  /** Logs a decision at the moment its key went down. */
  begin(item: ReviewItem, d: Decision): LogEntry {
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
    return entry;
  }

  /** Sends the vote, announces its outcome, and calls `onRecorded` when the server took it. */
  send(item: ReviewItem, d: Decision, entry: LogEntry, onRecorded: () => void): void {
    this.pending++;
    call<VoteResult>(this.client, 'POST', `/v1/review/${item.kind}/${item.id}`, d)
      .then((r) => {
        entry.outcome = r.settled ? `settled:${r.outcome?.decision}` : r.escalated ? 'escalated' : 'recorded';
        announce(this.status, `${labelOf(item.class)} #${item.id} ${doneText(d)}.${outcomeText(r)}`);
        onRecorded();
      })
      .catch((err: unknown) => {
        entry.outcome = `error:${err instanceof ApiError ? err.code : 'network'}`;
        announce(this.status, `Vote on ${labelOf(item.class)} #${item.id} failed: ${(err as Error).message}`, 'error');
      })
      .finally(() => {
        entry.savedAt = performance.now();
        this.pending--;
      });
  }
}

function doneText(d: Decision): string {
  return d.decision === 'relabel'
    ? `relabelled as ${labelOf(d.class)}${d.value ? ` ${d.value}` : ''}`
    : `${d.decision}ed`;
}

function outcomeText(r: VoteResult): string {
  return r.settled
    ? ` Settled by ${r.outcome?.by}: ${r.outcome?.decision}.`
    : r.escalated
      ? ' Reviewers disagree: escalated to a senior reviewer.'
      : ' Waiting for another reviewer.';
}
