import type { Command } from 'commander';
import { grantReviewer, revokeReviewer } from '../../review/index.ts';
import { openRuntime } from '../../worker/index.ts';
import { emit, type GlobalFlags } from '../output.ts';

const describe = (r: { address: string; roles: string[] }) =>
  `${r.address}: ${r.roles.length > 0 ? r.roles.join(', ') : 'no review roles'}`;

/** `reviewer grant` and `reviewer revoke`: who may use the QA reviewer app. */
export function registerReviewer(program: Command, flags: () => GlobalFlags): void {
  const reviewer = program.command('reviewer').description('reviewer roles for the QA app');
  reviewer
    .command('grant <address>')
    .description('let a wallet review the map (with --senior: also settle disputed items); it need not have signed in')
    .option('--senior', 'also grant the senior role')
    .action(async (address: string, o: { senior?: boolean }) => {
      const rt = await openRuntime({ queue: { supervise: false } });
      try {
        const r = await grantReviewer(rt.sql, address, { senior: !!o.senior });
        emit(flags(), r, () => describe(r));
      } finally {
        await rt.close();
      }
    });
  reviewer
    .command('revoke <address>')
    .description("take a wallet's review roles away (with --senior: only the senior role); its votes stay")
    .option('--senior', 'revoke only the senior role')
    .action(async (address: string, o: { senior?: boolean }) => {
      const rt = await openRuntime({ queue: { supervise: false } });
      try {
        const r = await revokeReviewer(rt.sql, address, { seniorOnly: !!o.senior });
        emit(flags(), r, () => describe(r));
      } finally {
        await rt.close();
      }
    });
}
