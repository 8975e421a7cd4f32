/** Small DOM helpers: element building without innerHTML (no markup injection from API strings), formatting. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** Creates an element; attributes starting with `on` become listeners, `false`/null attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

/** The element with `id`, which the page's HTML must have. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren(
    ...children
      .filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === 'number' ? String(c) : c)),
  );
}

/** A date-time as the reader's locale shows it, or a dash. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A class name for people: `regulatory--stop` → `stop`, `object--vehicle--car` → `car`. */
export function classLabel(cls: string): string {
  const last = cls.split('--').pop() ?? cls;
  return last.replaceAll('-', ' ');
}

/** Shortens an id or address for display: first and last characters. */
export function short(s: string, n = 6): string {
  return s.length > 2 * n + 1 ? `${s.slice(0, n)}…${s.slice(-4)}` : s;
}

/** Shows a message in a live region (polite for progress, assertive for errors). */
export function announce(el: HTMLElement, message: string, kind: 'info' | 'error' = 'info'): void {
  el.textContent = message;
  el.dataset['kind'] = kind;
}
