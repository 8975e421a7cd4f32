import type { LocalFrame, TrackPoint } from '../core/index.ts';
import type { Rng } from './prng.ts';
import type { TrueSample } from './types.ts';

/** The GPS receiver's error model. */
export interface GpsNoiseOptions {
  /** Fixes per second, 1..10; default 1. */
  rateHz?: number;
  /** Sigma of the white noise on each horizontal axis, metres; default 3. */
  whiteSigmaM?: number;
  /** Stationary sigma of the slowly varying bias on each horizontal axis, metres; default 2. */
  biasSigmaM?: number;
  /** Correlation time of the bias (first-order Gauss-Markov), seconds; default 30. */
  biasCorrelationS?: number;
  /** Inject outages: `count` windows of `durationS` seconds with no fixes. Off by default. */
  gaps?: { count: number; durationS: number };
  /** Inject jumps: `count` bursts of 1-3 fixes displaced by `distanceM` metres (multipath). Off by default. */
  jumps?: { count: number; distanceM: number };
}

/** What was injected, so validation tests know what they should find. */
export interface InjectedFaults {
  gaps: Array<{ startMs: number; endMs: number }>;
  jumps: Array<{ t: number; east: number; north: number }>;
}

/** A noisy fix with its true error (east, north, up), kept for the truth file. */
export interface NoisyFix extends TrackPoint {
  errorEast: number;
  errorNorth: number;
  errorUp: number;
}

/** Defaults resolved. */
export type ResolvedGpsNoise = Required<Omit<GpsNoiseOptions, 'gaps' | 'jumps'>> &
  Pick<GpsNoiseOptions, 'gaps' | 'jumps'>;

/** Fills in the default error model. */
export function resolveGpsNoise(opts: GpsNoiseOptions = {}): ResolvedGpsNoise {
  const out: ResolvedGpsNoise = {
    rateHz: opts.rateHz ?? 1,
    whiteSigmaM: opts.whiteSigmaM ?? 3,
    biasSigmaM: opts.biasSigmaM ?? 2,
    biasCorrelationS: opts.biasCorrelationS ?? 30,
  };
  if (opts.gaps) out.gaps = opts.gaps;
  if (opts.jumps) out.jumps = opts.jumps;
  return out;
}

/**
 * Corrupts the true track like a consumer GNSS receiver: per-axis error = Gauss-Markov bias (sigma_b, tau) + white
 * noise (sigma_w), vertical error 1.5x horizontal (the usual VDOP/HDOP ratio); Doppler speed within 0.15 m/s and
 * course within 2 deg; course held while standing (receivers report garbage there). Satellites wander 7..14 and
 * HDOP follows them (about 6 / satellites), as plausible metadata rather than an input of the error model.
 */
export function addGpsNoise(
  rng: Rng,
  truth: TrueSample[],
  frame: LocalFrame,
  opts: ResolvedGpsNoise,
): { fixes: NoisyFix[]; injected: InjectedFaults } {
  const injected: InjectedFaults = { gaps: [], jumps: [] };
  const first = truth[0];
  const last = truth[truth.length - 1];
  if (!first || !last) return { fixes: [], injected };
  const dt = 1 / opts.rateHz;
  const phi = Math.exp(-dt / opts.biasCorrelationS);
  const q = Math.sqrt(1 - phi * phi);
  const bias = [rng.normal(opts.biasSigmaM), rng.normal(opts.biasSigmaM), rng.normal(opts.biasSigmaM * 1.5)];
  // Satellite count as a slow (2 min) Gauss-Markov process around 11.
  const phiSat = Math.exp(-dt / 120);
  let satState = rng.normal(1.5);
  let course = first.heading;

  const span = last.t - first.t;
  const faults = rng.fork();
  for (let k = 0; k < (opts.gaps?.count ?? 0); k++) {
    const lenMs = (opts.gaps?.durationS ?? 0) * 1000;
    const startMs = first.t + Math.round(span * 0.1 + faults.next() * Math.max(0, span * 0.8 - lenMs));
    injected.gaps.push({ startMs, endMs: startMs + lenMs });
  }
  const jumpAt = new Map<number, [number, number]>();
  for (let k = 0; k < (opts.jumps?.count ?? 0); k++) {
    const idx = Math.floor(truth.length * (0.1 + 0.8 * faults.next()));
    const dir = faults.uniform(0, 2 * Math.PI);
    const d = opts.jumps?.distanceM ?? 0;
    const burst = faults.int(1, 3);
    for (let b = 0; b < burst; b++) jumpAt.set(idx + b, [Math.sin(dir) * d, Math.cos(dir) * d]);
  }

  const fixes: NoisyFix[] = [];
  truth.forEach((p, k) => {
    if (k > 0) {
      for (let a = 0; a < 3; a++) {
        const sigma = a === 2 ? opts.biasSigmaM * 1.5 : opts.biasSigmaM;
        bias[a] = phi * (bias[a] as number) + q * rng.normal(sigma);
      }
      satState = phiSat * satState + Math.sqrt(1 - phiSat * phiSat) * rng.normal(1.5);
    }
    const white = [rng.normal(opts.whiteSigmaM), rng.normal(opts.whiteSigmaM), rng.normal(opts.whiteSigmaM * 1.5)];
    const speedNoise = rng.normal(0.15);
    const courseNoise = rng.normal(2);
    const hdopNoise = rng.normal(0.05);
    let east = (bias[0] as number) + (white[0] as number);
    let north = (bias[1] as number) + (white[1] as number);
    const up = (bias[2] as number) + (white[2] as number);
    if (injected.gaps.some((g) => p.t >= g.startMs && p.t < g.endMs)) return;
    const jump = jumpAt.get(k);
    if (jump) {
      east += jump[0];
      north += jump[1];
      injected.jumps.push({ t: p.t, east: jump[0], north: jump[1] });
    }
    const [lat, lon] = frame.toLatLon(p.x + east, p.y + north);
    const speed = Math.max(0, p.speed + speedNoise);
    if (p.speed > 1) course = (p.heading + courseNoise + 360) % 360;
    const satellites = Math.max(5, Math.min(16, Math.round(11 + satState)));
    fixes.push({
      t: p.t,
      lat,
      lon,
      alt: p.alt + up,
      speed,
      heading: course,
      hdop: Math.max(0.6, 6 / satellites + hdopNoise),
      fix: 3,
      satellites,
      errorEast: east,
      errorNorth: north,
      errorUp: up,
    });
  });
  return { fixes, injected };
}
