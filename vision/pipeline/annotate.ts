import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../image/raw-image.ts';
import type { FrameDetection } from './analyse-frame.ts';

const COLOURS: Record<string, string> = {
  'regulatory--stop': '#ff2020',
  'speed-limit': '#ff8800',
  'street-name-sign': '#00c060',
  'traffic-light': '#ffee00',
};

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Writes a JPEG of the image with each detection's box and a "class value score" label drawn on it. */
export async function annotateImage(img: RgbImage, dets: readonly FrameDetection[], file: string): Promise<void> {
  const stroke = Math.max(2, Math.round(img.width / 600));
  const font = Math.max(12, Math.round(img.width / 80));
  const shapes = dets.map((d) => {
    const c = COLOURS[d.feature] ?? '#20a0ff';
    const label = esc(`${d.feature}${d.value ? ` ${d.value}` : d.text ? ` "${d.text}"` : ''} ${d.score.toFixed(2)}`);
    const { x1, y1, x2, y2 } = d.box;
    const ty = y1 > font + 4 ? y1 - 4 : y2 + font;
    return `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="${c}" stroke-width="${stroke}"/><text x="${x1}" y="${ty}" font-family="sans-serif" font-size="${font}" fill="${c}" stroke="black" stroke-width="0.6">${label}</text>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${img.width}" height="${img.height}">${shapes.join('')}</svg>`;
  await mkdir(path.dirname(file), { recursive: true });
  await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .composite([{ input: Buffer.from(svg) }])
    .jpeg({ quality: 88 })
    .toFile(file);
}
