import { readFile } from 'node:fs/promises';
import { invalid } from '../../core/index.ts';

/**
 * Parses Ultralytics' `names` metadata, a Python dict literal like `{0: 'person', 1: 'bicycle'}`, into an array
 * indexed by class id. Returns undefined when the text is not such a dict.
 */
export function parseUltralyticsNames(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return undefined;
  const names: string[] = [];
  const re = /(\d+)\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g;
  for (let m = re.exec(t); m; m = re.exec(t)) names[Number(m[1])] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
  if (names.length === 0) return undefined;
  for (let i = 0; i < names.length; i++) if (names[i] === undefined) return undefined;
  return names;
}

/** Reads a labels file: a JSON array, an Ultralytics dict, or one name per line. */
export async function readLabelsFile(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  const t = text.trim();
  if (t.startsWith('[')) {
    const arr = JSON.parse(t) as unknown;
    if (Array.isArray(arr) && arr.every((x) => typeof x === 'string')) return arr;
    throw invalid('labels_invalid', `${file}: expected a JSON array of strings`);
  }
  const dict = parseUltralyticsNames(t);
  if (dict) return dict;
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw invalid('labels_invalid', `${file}: no labels`);
  return lines;
}
