/** A recognised line of text with the mean probability of its characters. */
export interface Recognised {
  text: string;
  confidence: number;
}

/**
 * Greedy CTC decoding (Graves et al. 2006) of one sequence: arg-max per time step, merge repeats, drop blanks
 * (class 0). `probs` is [T, C] row-major softmax output; `chars[c]` is the character of class c.
 */
export function ctcGreedy(probs: Float32Array, steps: number, classes: number, chars: readonly string[]): Recognised {
  let text = '';
  let conf = 0;
  let n = 0;
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let bestP = -1;
    const o = t * classes;
    for (let c = 0; c < classes; c++) {
      const p = probs[o + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== prev) {
      text += chars[best] ?? '';
      conf += bestP;
      n++;
    }
    prev = best;
  }
  return { text, confidence: n > 0 ? conf / n : 0 };
}

/** The CTC alphabet of a PaddleOCR keys file: blank, one class per line, then the space PaddleOCR appends. */
export function ctcAlphabet(keysFile: string): string[] {
  const lines = keysFile.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.at(-1) === '') lines.pop();
  return ['', ...lines, ' '];
}
