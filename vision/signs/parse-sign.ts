/** The value of a speed-limit sign from its OCR text: a lone 2-3 digit multiple of 5 between 5 and 150. */
export function parseSpeedLimit(text: string): string | undefined {
  const m = /^[^0-9A-Za-z]*(\d{2,3})[^0-9A-Za-z]*$/.exec(text.trim());
  if (!m) return undefined;
  const v = Number(m[1]);
  return v >= 5 && v <= 150 && v % 5 === 0 ? String(v) : undefined;
}

/** A street name from OCR text: letters (and digits, as in "5th Ave"), at least 3 letters, tidied up. */
export function parseStreetName(text: string): string | undefined {
  const t = text
    .replace(/[^0-9A-Za-zÀ-ž .'-]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if ((t.match(/[A-Za-zÀ-ž]/g) ?? []).length < 3) return undefined;
  if (/^STOP$/i.test(t)) return undefined;
  return t;
}

/** Text compared the way plates are: letters and digits only, upper case. */
export function normalisePlate(text: string): string {
  return text.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
}
