/** The reviewer's controls: one key per decision (C, X, 1-9, V, S, ? for help) and the matching buttons. */
import { byId } from './dom.ts';

/** What the keys and buttons do. */
export interface ReviewActions {
  confirm(): void;
  reject(): void;
  skip(): void;
  /** Relabel to the n-th offered class (1-based). */
  relabelAt(n: number): void;
  /** Start editing the current item's value; false when no item is shown. */
  editValue(): boolean;
  /** Send the value typed in the value field. */
  submitValue(): void;
}

/** Wires the keyboard, the decision buttons and the value form to `actions`. */
export function bindControls(actions: ReviewActions): void {
  document.addEventListener('keydown', (e) => onKey(e, actions));
  byId('btn-confirm').addEventListener('click', () => actions.confirm());
  byId('btn-reject').addEventListener('click', () => actions.reject());
  byId('btn-skip').addEventListener('click', () => actions.skip());
  byId<HTMLFormElement>('value-form').addEventListener('submit', (e) => {
    e.preventDefault();
    actions.submitValue();
  });
}

/** Resets the value field's label after an edit ends. */
export function resetValueLabel(): void {
  byId('value-label').textContent = 'Value (V to edit)';
}

function onKey(e: KeyboardEvent, actions: ReviewActions): void {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target as HTMLElement | null;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) {
    if (e.key === 'Escape') {
      (t as HTMLInputElement).blur();
      resetValueLabel();
    }
    return;
  }
  const k = e.key.toLowerCase();
  if (k === '?') {
    const help = byId('help');
    help.hidden = !help.hidden;
  } else if (k === 'c') actions.confirm();
  else if (k === 'x') actions.reject();
  else if (k === 's') actions.skip();
  else if (k === 'v') {
    if (!actions.editValue()) return;
  } else if (/^[1-9]$/.test(k)) actions.relabelAt(Number(k));
  else return;
  e.preventDefault();
}
