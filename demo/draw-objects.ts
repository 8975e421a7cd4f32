import type { SignalState } from './traffic-control.ts';
import type { DemoObject } from './types.ts';

/**
 * SVG of each object's face in centimetres, centred on the face centre, x right and y down as seen from the front.
 * The renderer places it with an affine transform from the projected face, so sizes come from the geometry.
 */
export function objectFaceSvg(obj: DemoObject, state: SignalState | undefined): string {
  switch (obj.class) {
    case 'regulatory--stop':
      return stopSign();
    case 'traffic-light':
      return trafficLight(state ?? 'red');
    case 'regulatory--maximum-speed-limit':
      return speedLimit(obj.value ?? 50);
    case 'fire-hydrant':
      return hydrant();
  }
}

/** SVG of an object's back (sheet metal or housing), as seen from behind. */
export function objectBackSvg(obj: DemoObject): string {
  const [w, h] = [obj.size[0] * 50, obj.size[1] * 50];
  switch (obj.class) {
    case 'regulatory--stop':
      return `<path d="${octagon(w)}" fill="#a4a7aa"/>`;
    case 'traffic-light':
      return `<rect x="${-w}" y="${-h}" width="${2 * w}" height="${2 * h}" rx="4" fill="#25272a"/>`;
    case 'regulatory--maximum-speed-limit':
      return `<circle r="${w}" fill="#a4a7aa"/>`;
    case 'fire-hydrant':
      return hydrant();
  }
}

function stopSign(): string {
  // Swiss SSV 3.01: red octagon, white rim, white STOP; 75 cm across the flats in built-up areas.
  return [
    `<path d="${octagon(37.5)}" fill="#ffffff"/>`,
    `<path d="${octagon(35)}" fill="#c8102e"/>`,
    `<path d="${octagon(33)}" fill="none" stroke="#ffffff" stroke-width="1.5"/>`,
    '<text x="0" y="8" font-family="DejaVu Sans, Arial, sans-serif" font-weight="bold" font-size="23" text-anchor="middle" fill="#ffffff">STOP</text>',
  ].join('');
}

function speedLimit(value: number): string {
  const size = value >= 100 ? 20 : 26;
  return [
    '<circle r="30" fill="#ffffff"/>',
    '<circle r="24.5" fill="none" stroke="#d0021b" stroke-width="8"/>',
    `<text x="0" y="${size * 0.36}" font-family="DejaVu Sans, Arial, sans-serif" font-weight="bold" font-size="${size}" text-anchor="middle" fill="#111111">${value}</text>`,
  ].join('');
}

function trafficLight(state: SignalState): string {
  const lamp = (cy: number, on: boolean, lit: string, dark: string): string =>
    `<circle cx="0" cy="${cy}" r="10" fill="${on ? lit : dark}"/>` +
    (on ? `<circle cx="-3" cy="${cy - 3}" r="3.5" fill="#ffffff" fill-opacity="0.45"/>` : '');
  return [
    '<rect x="-15" y="-45" width="30" height="90" rx="4" fill="#1b1d1f"/>',
    lamp(-28, state === 'red', '#ff2a1a', '#3b2523'),
    lamp(0, state === 'amber', '#ffb000', '#3b3424'),
    lamp(28, state === 'green', '#1ee26a', '#223a2b'),
  ].join('');
}

function hydrant(): string {
  // Swiss over-ground hydrant: red column, silver dome and side outlets, 80 cm tall.
  return [
    '<rect x="-11" y="-28" width="22" height="66" rx="3" fill="#c0392b"/>',
    '<rect x="-15" y="36" width="30" height="4" fill="#7f8c8d"/>',
    '<path d="M -11 -28 Q 0 -42 11 -28 Z" fill="#bdc3c7"/>',
    '<rect x="-15" y="-6" width="30" height="9" rx="2" fill="#bdc3c7"/>',
  ].join('');
}

/** A regular octagon with flat top, `r` = half the distance between opposite flats. */
function octagon(r: number): string {
  const R = r / Math.cos(Math.PI / 8);
  const pts: string[] = [];
  for (let k = 0; k < 8; k++) {
    const a = Math.PI / 8 + (k * Math.PI) / 4;
    pts.push(`${(R * Math.cos(a)).toFixed(2)} ${(R * Math.sin(a)).toFixed(2)}`);
  }
  return `M ${pts.join(' L ')} Z`;
}
