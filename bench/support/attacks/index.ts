/**
 * The attack suite of issue 18: named, generated attacks run through the real pipeline (server, tus upload, the
 * stages in job order, rewards booking), each in a world of its own, plus the honest drive as a control and the real
 * drives of ../shared/data. Shared by `npm run bench:attacks` and test/ingest/attack-suite*.test.ts.
 */
import { makeSuiteDrives, type SuiteDrives } from './drives.ts';
import { type AttackName, SCENARIOS, type Scenario } from './scenarios.ts';
import { type Outcome, openWorld, type WorldOptions } from './world.ts';

export { makeSuiteDrives, type SuiteDrives } from './drives.ts';
export { REAL_DRIVES, type RealDrive, type RealDriveResult, runRealDrives } from './real-drives.ts';
export { ATTACK_NAMES, type AttackName, SCENARIOS, type Scenario } from './scenarios.ts';
export type { Outcome, WorldOptions } from './world.ts';

/** One attack's result. */
export interface AttackResult {
  name: AttackName;
  what: string;
  /** The scene-setting honest uploads (each should be accepted and, first on its streets, earn). */
  setup: Outcome[];
  attack: Outcome;
  /** Zero tokens and a stated refusal: quarantine reasons, or rewards declining to book with a reason. */
  caught: boolean;
  /** What caught it (reason codes, or `rewards: <why>`), or what let it through. */
  by: string;
}

/** Whether an attack outcome is caught, and by what. */
export function judge(o: Outcome): { caught: boolean; by: string } {
  if (o.tokensWei > 0n) return { caught: false, by: `${o.status}, ${o.verdict ?? 'no verdict'}: paid` };
  if (o.reasons.length > 0) return { caught: true, by: o.reasons.join(',') };
  if (o.bookNote) return { caught: true, by: `rewards: ${o.bookNote}` };
  return { caught: false, by: `${o.status}, ${o.verdict ?? 'no verdict'}: 0 tokens without a stated refusal` };
}

/** Runs one scenario in a fresh world and judges it. */
export async function runScenario(
  scenario: Scenario,
  drives: SuiteDrives,
  opts: WorldOptions = {},
): Promise<AttackResult> {
  const world = await openWorld(drives.pbf, opts);
  try {
    const { setup, attack } = await scenario.run(world, drives, world.server.dir);
    return { name: scenario.name, what: scenario.what, setup, attack, ...judge(attack) };
  } finally {
    await world.close();
  }
}

/** One honest upload of the controls. */
export interface Control {
  name: 'honest' | 'foreign_own' | 'far_own';
  outcome: Outcome;
}

/**
 * The controls: each generated drive with its own video and track, uploaded once and unaltered by a contributor of
 * its own, in one world (the honest drive first); every one must be accepted and earn. The honest drive is the one
 * the attacks are made of; the other two are the drives the foreign-track and two-places attacks borrow.
 */
export async function runControls(drives: SuiteDrives, opts: WorldOptions = {}): Promise<Control[]> {
  const world = await openWorld(drives.pbf, opts);
  try {
    const out: Control[] = [];
    for (const [name, video, track] of [
      ['honest', drives.honest.video, drives.honest.track.file],
      ['foreign_own', drives.foreign.video, drives.foreign.file],
      ['far_own', drives.far.video, drives.far.file],
    ] as const)
      out.push({ name, outcome: await world.upload(await world.contributor(), [video, track]) });
    return out;
  } finally {
    await world.close();
  }
}

/** Runs the controls and the named attacks (default: all), one world each, in order. */
export async function runAttackSuite(
  dir: string,
  opts: WorldOptions & { names?: readonly AttackName[]; onResult?: (r: AttackResult) => void } = {},
): Promise<{ controls: Control[]; attacks: AttackResult[] }> {
  const drives = await makeSuiteDrives(dir);
  const controls = await runControls(drives, opts);
  const attacks: AttackResult[] = [];
  for (const s of SCENARIOS) {
    if (opts.names && !opts.names.includes(s.name)) continue;
    const r = await runScenario(s, drives, opts);
    opts.onResult?.(r);
    attacks.push(r);
  }
  return { controls, attacks };
}
