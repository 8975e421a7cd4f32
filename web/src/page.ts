/** What every page shares: test hooks on window, map error reporting, copyable fields. */
import type { Map as MapLibreMap } from 'maplibre-gl';
import { h } from './dom.ts';

declare global {
  interface Window {
    /** The page's map, for tests and debugging in the console. */
    map?: MapLibreMap;
    /** The first error the map reported. */
    mapError?: string;
  }
}

/** Exposes the map on window (tests query rendered features through it). */
export function exposeForTests(map: MapLibreMap): void {
  window.map = map;
}

/** Keeps the map's first error on window and logs it (tests fail on console errors). */
export function reportMapErrors(map: MapLibreMap): void {
  map.on('error', (e) => {
    const message = String(e.error?.message ?? e.error ?? 'map error');
    window.mapError ??= message;
    console.error(`map: ${message}`);
  });
}

/** A labelled read-only field with a Copy button. */
export function copyField(id: string, label: string, value: string): HTMLElement {
  const input = h('input', { id, type: 'text', readonly: true, value, spellcheck: 'false' });
  const status = h('span', { class: 'copied', role: 'status', 'aria-live': 'polite' });
  const copy = async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(value);
      status.textContent = 'Copied';
    } catch {
      status.textContent = 'Selected: press Ctrl+C';
    }
  };
  return h(
    'div',
    { class: 'copy-field' },
    h('label', { for: id }, label),
    h(
      'div',
      { class: 'row' },
      input,
      h('button', { type: 'button', class: 'secondary', onclick: copy }, 'Copy'),
      status,
    ),
  );
}
