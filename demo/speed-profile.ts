import { arcIndexAt, type Route } from './drive-route.ts';
import type { Rng } from './prng.ts';
import { nextGreen, signalState } from './traffic-control.ts';

/** Motion along the route: samples of (time, distance, speed), time non-decreasing; a stop is two samples. */
export interface Profile {
  t: number[];
  s: number[];
  v: number[];
  /** Seconds from start to the end of the route. */
  durationS: number;
  /** The stops made, in order: where, when, how long and why. */
  stops: Array<{ s: number; t: number; dwellS: number; kind: 'stop' | 'signal' | 'end'; objectId?: string }>;
}

/** Comfortable town-driving accelerations, m/s^2 (about 0.16 g up, 0.22 g down). */
const ACCEL = 1.6;
const DECEL = 2.2;
/** Distance step of the profile, metres. */
const DS = 0.5;

interface Stop {
  s: number;
  dwellS: number;
  kind: 'stop' | 'signal';
  objectId: string;
}

/**
 * Plans the car's motion: speed limits per street, slower through corners, full stops at stop signs (1.5-3 s) and
 * at red or amber lights (until green), with forward/backward acceleration limits. Lights are decided in route order,
 * because when the car reaches a light depends on every stop before it.
 */
export function planMotion(rng: Rng, route: Route): Profile {
  const stops: Stop[] = [];
  for (const rc of route.controls) {
    const { control } = rc;
    if (control.kind === 'stop') {
      stops.push({ s: rc.stopS, dwellS: rng.uniform(1.5, 3), kind: 'stop', objectId: control.object.id });
      continue;
    }
    const plan = control.signal;
    if (!plan) continue;
    const passing = arrivalTime(buildProfile(route, stops), rc.stopS);
    // Drivers go through on green with at least 1.5 s of green left; otherwise they stop and wait for green.
    if (signalState(plan, passing) === 'green' && signalState(plan, passing + 1.5) === 'green') continue;
    const withStop = [...stops, { s: rc.stopS, dwellS: 0, kind: 'signal' as const, objectId: control.object.id }];
    const arrive = arrivalTime(buildProfile(route, withStop), rc.stopS);
    const green = nextGreen(plan, arrive);
    // Stopped just as it turned green: a driver still needs a moment to move off.
    stops.push({ ...(withStop[withStop.length - 1] as Stop), dwellS: Math.max(0.8, green - arrive + 0.8) });
  }
  return buildProfile(route, stops);
}

/** Route distance and speed at `tS` seconds into the drive (clamped to the drive). */
export function stateAt(p: Profile, tS: number): { s: number; v: number } {
  const { t, s, v } = p;
  if (tS <= (t[0] as number)) return { s: s[0] as number, v: v[0] as number };
  let lo = 0;
  let hi = t.length - 1;
  if (tS >= (t[hi] as number)) return { s: s[hi] as number, v: v[hi] as number };
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((t[mid] as number) <= tS) lo = mid;
    else hi = mid;
  }
  const dt = (t[hi] as number) - (t[lo] as number);
  const f = dt > 0 ? (tS - (t[lo] as number)) / dt : 0;
  const v0 = v[lo] as number;
  const v1 = v[hi] as number;
  // Constant acceleration within a step: s = s0 + v0 t + a t^2 / 2, exact for the profile's own motion model.
  const tau = f * dt;
  const a = dt > 0 ? (v1 - v0) / dt : 0;
  return { s: (s[lo] as number) + v0 * tau + 0.5 * a * tau * tau, v: v0 + a * tau };
}

function arrivalTime(p: Profile, sTarget: number): number {
  const k = p.s.findIndex((s) => s >= sTarget - 1e-9);
  return k < 0 ? p.durationS : (p.t[k] as number);
}

function buildProfile(route: Route, stops: Stop[]): Profile {
  const n = Math.max(2, Math.ceil((route.endS - route.startS) / DS) + 1);
  const sAt = (k: number): number => Math.min(route.endS, route.startS + k * DS);
  const v = new Array<number>(n);
  for (let k = 0; k < n; k++) v[k] = route.arcSpeed[arcIndexAt(route, sAt(k))] as number;
  for (const c of route.corners) {
    // The corner speed holds from 6 m before to 6 m after the vertex: the car is in the turn over that stretch.
    const k0 = Math.max(0, Math.floor((c.s - 6 - route.startS) / DS));
    const k1 = Math.min(n - 1, Math.ceil((c.s + 6 - route.startS) / DS));
    for (let k = k0; k <= k1; k++) v[k] = Math.min(v[k] as number, c.v);
  }
  const stopAt = new Map<number, Stop>();
  for (const st of stops) {
    const k = Math.round((st.s - route.startS) / DS);
    if (k > 0 && k < n) {
      v[k] = 0;
      stopAt.set(k, st);
    }
  }
  v[0] = 0;
  if (route.endsStopped) v[n - 1] = 0;
  for (let k = n - 2; k >= 0; k--)
    v[k] = Math.min(v[k] as number, Math.sqrt((v[k + 1] as number) ** 2 + 2 * DECEL * DS));
  for (let k = 1; k < n; k++) v[k] = Math.min(v[k] as number, Math.sqrt((v[k - 1] as number) ** 2 + 2 * ACCEL * DS));

  const out: Profile = { t: [0], s: [sAt(0)], v: [0], durationS: 0, stops: [] };
  let t = 0;
  for (let k = 1; k < n; k++) {
    const ds = sAt(k) - sAt(k - 1);
    const vm = ((v[k - 1] as number) + (v[k] as number)) / 2;
    t += vm > 0 ? ds / vm : 0;
    out.t.push(t);
    out.s.push(sAt(k));
    out.v.push(v[k] as number);
    const st = stopAt.get(k);
    if (st) {
      out.stops.push({ s: sAt(k), t, dwellS: st.dwellS, kind: st.kind, objectId: st.objectId });
      t += st.dwellS;
      out.t.push(t);
      out.s.push(sAt(k));
      out.v.push(0);
    }
  }
  if (route.endsStopped) out.stops.push({ s: route.endS, t, dwellS: 0, kind: 'end' });
  out.durationS = t;
  return out;
}
