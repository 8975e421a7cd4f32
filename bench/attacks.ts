/**
 * Attack benchmark (issue 18): every named attack of bench/support/attacks/ through the real pipeline (the API server,
 * tus uploads by signed-in contributors, upload.received -> ingest.validate -> ingest.sample with the worker's real
 * privacy blur -> roads.match -> rewards.book), each in a database of its own with the generated town's roads; the
 * honest drive as a control; and the real recordings of ../shared/data. Prints a table to stderr and, as the last
 * stdout line, {"bench":"attacks","scenarios":…,"caught":…,"tokens_paid_to_attacks":…,"real_drives_quarantined":…}.
 * Target: caught = scenarios, tokens 0, real 0. Tokens are MAP (18 decimals).
 * Run: `npm run bench:attacks` (a few minutes: about 25 uploads; MAPMINT_BENCH_PRIVACY=0 skips the blur models).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatUnits } from 'ethers';
import type { BeforeStore } from '../ingest/sample/index.ts';
import { openPrivacyBlur, openVisionModels } from '../vision/index.ts';
import { type AttackResult, type Outcome, runAttackSuite, runRealDrives } from './support/attacks/index.ts';

const map = (wei: bigint) => formatUnits(wei, 18);

function row(name: string, o: Outcome, verdict: string): string {
  return `${name} | ${o.status} | ${o.verdict ?? '-'} | ${o.frames} | ${map(o.tokensWei)} | ${verdict}`;
}

/** The worker's privacy hook (models opened once), unless MAPMINT_BENCH_PRIVACY=0. */
async function privacyHook(): Promise<{ beforeStore?: BeforeStore; close(): Promise<void> }> {
  if (process.env.MAPMINT_BENCH_PRIVACY === '0') return { close: async () => {} };
  const models = await openVisionModels();
  const privacy = await openPrivacyBlur({ models: { detector: models.detector, ocr: models.ocr } });
  return {
    beforeStore: privacy.beforeStore,
    async close() {
      await privacy.close();
      await models.close();
    },
  };
}

const dir = await mkdtemp(path.join(tmpdir(), 'mapmint-bench-attacks-'));
const hook = await privacyHook();
try {
  const t0 = performance.now();
  const opts = hook.beforeStore ? { beforeStore: hook.beforeStore } : {};
  const log = (r: AttackResult) =>
    process.stderr.write(`${row(r.name, r.attack, r.caught ? `caught: ${r.by}` : r.by)}\n`);
  process.stderr.write('scenario | status | verdict | frames | MAP booked | caught by\n');
  const { controls, attacks } = await runAttackSuite(dir, { ...opts, onResult: log });
  const real = await runRealDrives(opts);
  const seconds = (performance.now() - t0) / 1000;
  const caught = attacks.filter((a) => a.caught).length;
  const paid = attacks.reduce((s, a) => s + a.attack.tokensWei, 0n);
  const wrong = real.filter((r) => r.wronglyQuarantined).length;
  process.stderr.write(
    [
      ...controls.map((c) => row(`control ${c.name}`, c.outcome, c.outcome.tokensWei > 0n ? 'earns' : 'DOES NOT EARN')),
      ...attacks.flatMap((a) => a.setup.map((s, i) => row(`  ${a.name} setup ${i + 1}`, s, 'honest'))),
      'real recording | status | verdict | frames | MAP booked | counts as',
      ...real.map((r) =>
        row(
          r.drive.name,
          r.outcome,
          `${r.outcome.reasons.join(',') || 'accepted'}: ${
            r.wronglyQuarantined
              ? 'WRONGLY QUARANTINED'
              : r.missingData
                ? 'refused for missing data'
                : r.drive.gps
                  ? 'ok'
                  : 'no GPS, refused'
          }`,
        ),
      ),
      `${caught}/${attacks.length} attacks caught, ${map(paid)} MAP paid to attacks, ${wrong} real drives wrongly quarantined; privacy blur ${hook.beforeStore ? 'on' : 'off'}; ${seconds.toFixed(0)} s`,
      '',
    ].join('\n'),
  );
  console.log(
    JSON.stringify({
      bench: 'attacks',
      scenarios: attacks.length,
      caught,
      tokens_paid_to_attacks: Number(map(paid)),
      real_drives_quarantined: wrong,
      controls_earning: controls.filter((c) => c.outcome.tokensWei > 0n).map((c) => c.name),
      controls_not_earning: controls.filter((c) => c.outcome.tokensWei === 0n).map((c) => c.name),
      not_caught: attacks.filter((a) => !a.caught).map((a) => a.name),
      real_drives: real.length,
      real_refused_missing_data: real.filter((r) => r.missingData).map((r) => `${r.drive.name}: ${r.outcome.reasons}`),
      privacy_blur: hook.beforeStore !== undefined,
      seconds: Math.round(seconds),
    }),
  );
} finally {
  await hook.close();
  await rm(dir, { recursive: true, force: true });
}
