import { headingDelta } from '../core/index.ts';
import { type Arc, arriveBearing, type RoadGraph } from './drive-graph.ts';
import type { Rng } from './prng.ts';
import type { SignalPlan } from './types.ts';

/** How the approach along one arc into a junction is controlled. */
export interface Control {
  kind: 'stop' | 'signal';
  junction: number;
  arc: Arc;
  signal?: SignalPlan;
}

/** Light colour of a fixed-time signal at a moment. */
export type SignalState = 'green' | 'amber' | 'red';

const RANK: Record<string, number> = { secondary: 3, tertiary: 2, residential: 1 };

/** Colour of a signal `tS` seconds after the drive start. */
export function signalState(plan: SignalPlan, tS: number): SignalState {
  const phase = mod(tS - plan.greenStartS, plan.cycleS);
  if (phase < plan.greenS) return 'green';
  return phase < plan.greenS + plan.amberS ? 'amber' : 'red';
}

/** Seconds after the drive start when the signal is next green at or after `tS`. */
export function nextGreen(plan: SignalPlan, tS: number): number {
  const phase = mod(tS - plan.greenStartS, plan.cycleS);
  return phase < plan.greenS ? tS : tS + plan.cycleS - phase;
}

/**
 * Chooses controlled junctions: traffic signals where the secondary road meets another street (always the
 * secondary x tertiary crossing), stop signs on the minor approaches of about three fifths of the other junctions.
 * Returns the controls keyed by arriving arc, and tags the junction nodes as OSM does (highway=stop/traffic_signals).
 */
export function chooseControls(rng: Rng, g: RoadGraph): Map<string, Control> {
  const controls = new Map<string, Control>();
  const junctions = [...g.degree.entries()]
    .filter(([, d]) => d >= 3)
    .map(([id]) => id)
    .sort((a, b) => a - b);
  const classesAt = (j: number): string[] => (g.in.get(j) ?? []).map((a) => a.edge.way.tags.highway ?? '');
  const onMain = junctions.filter((j) => classesAt(j).includes('secondary'));
  const crossing = onMain.filter((j) => classesAt(j).includes('tertiary'));
  const signalled = new Set(crossing);
  for (const j of onMain) if (!signalled.has(j) && signalled.size < 3 && rng.chance(0.5)) signalled.add(j);

  for (const j of junctions) {
    const arriving = (g.in.get(j) ?? []).filter((a) => !a.edge.deadEnd);
    if (signalled.has(j)) {
      const cycleS = rng.uniform(50, 70);
      const amberS = 3;
      const greenS = cycleS / 2 - amberS;
      const offset = rng.uniform(0, cycleS);
      const axis = mainAxis(arriving);
      for (const arc of arriving) {
        const across = Math.abs(headingDelta(arriveBearing(arc), axis));
        const inAxis = across < 45 || across > 135;
        const plan: SignalPlan = { cycleS, greenStartS: offset + (inAxis ? 0 : cycleS / 2), greenS, amberS };
        controls.set(arc.key, { kind: 'signal', junction: j, arc, signal: plan });
      }
      setTag(g, j, 'traffic_signals');
      continue;
    }
    if (!rng.chance(0.6)) continue;
    const top = Math.max(...arriving.map((a) => RANK[a.edge.way.tags.highway ?? ''] ?? 0));
    const ranked = arriving.filter((a) => (RANK[a.edge.way.tags.highway ?? ''] ?? 0) === top);
    // Between equal roads one street, picked at random, keeps priority; with a main road, the main road does.
    const priorityWay = rng.pick(ranked).edge.way;
    const yielding = arriving.filter((a) => a.edge.way !== priorityWay);
    if (yielding.length === 0) continue;
    for (const arc of yielding) controls.set(arc.key, { kind: 'stop', junction: j, arc });
    setTag(g, j, 'stop');
  }
  return controls;
}

/** The bearing of the widest road at a junction: its approaches share a signal phase. */
function mainAxis(arriving: Arc[]): number {
  let best = arriving[0];
  for (const a of arriving) if (best && a.edge.widthM > best.edge.widthM) best = a;
  return best ? arriveBearing(best) : 0;
}

function setTag(g: RoadGraph, j: number, value: string): void {
  const node = g.nodes.get(j);
  if (node) node.tags = { ...(node.tags ?? {}), highway: value };
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
