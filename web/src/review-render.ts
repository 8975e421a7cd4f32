/** What the reviewer page shows: the item card with its crops, the relabel keys, the stats panel. */
import type { ReviewItem, ReviewStats } from './api.ts';
import { byId, classLabel, fill, h, short, when } from './dom.ts';
import { FEATURE_ICONS } from './map-style.ts';
import { keyOf } from './review-queue.ts';

/** A class as reviewers know it: the map's icon label, else the class name made readable. */
export const labelOf = (cls: string): string => FEATURE_ICONS[cls]?.label ?? classLabel(cls);

/** Shows the item with its crops, or an empty-queue card whose button runs `checkAgain`. */
export function renderItem(item: ReviewItem | undefined, checkAgain: () => void): void {
  const card = byId('item');
  const crops = byId('crops');
  if (!item) {
    fill(
      card,
      h('h2', {}, 'Nothing to review right now'),
      h('p', {}, 'New items appear as drives are processed. Your own captures are never shown to you.'),
      h('button', { type: 'button', onclick: checkAgain }, 'Check again'),
    );
    fill(crops);
    card.dataset['item'] = '';
    setDecisionButtons(false);
    return;
  }
  setDecisionButtons(true);
  card.dataset['item'] = keyOf(item);
  fill(card, ...itemHeader(item));
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
}

/** The kind, class and value, and the facts line of an item. */
function itemHeader(item: ReviewItem): HTMLElement[] {
  const kind = item.kind === 'feature' ? `${item.status} feature` : 'low-confidence detection';
  return [
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
  ];
}

function setDecisionButtons(on: boolean): void {
  for (const id of ['btn-confirm', 'btn-reject', 'btn-skip']) (byId(id) as HTMLButtonElement).disabled = !on;
}

/** The 1-9 relabel buttons (the current item's class marked) and the value field. */
export function renderRelabel(
  classes: readonly string[],
  current: ReviewItem | undefined,
  relabel: (cls: string) => void,
): void {
  fill(
    byId('relabel-list'),
    ...classes.slice(0, 9).map((cls, i) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: cls === current?.class ? 'relabel current' : 'relabel',
            'aria-keyshortcuts': String(i + 1),
            disabled: !current,
            onclick: () => relabel(cls),
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
  if (document.activeElement !== input) input.value = current?.value ?? '';
  input.disabled = !current;
}

/** The reviewer's own figures. */
export function renderStats(s: ReviewStats): void {
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
}
