import { Command } from 'commander';
import { registerChain } from './commands/chain.ts';
import { registerDetect } from './commands/detect.ts';
import { registerDeviceCommands } from './commands/device.ts';
import { registerIngest } from './commands/ingest.ts';
import { registerReviewer } from './commands/reviewer.ts';
import { registerRoads } from './commands/roads.ts';
import { registerService } from './commands/service.ts';
import { registerStart } from './commands/start.ts';
import { registerSystem } from './commands/system.ts';
import { registerTiles } from './commands/tiles.ts';
import { registerUpload } from './commands/upload.ts';
import { registerUploads } from './commands/uploads.ts';
import { fail, type GlobalFlags } from './output.ts';

const program = new Command('mapmint')
  .description(
    'mapmint: crowdsourced street-level mapping. Every command accepts --json (one JSON document on stdout).',
  )
  .option('--json', 'print the result as one JSON document on stdout (progress and logs go to stderr)')
  .showHelpAfterError();

const flags = (): GlobalFlags => program.opts<GlobalFlags>();
registerSystem(program, flags);
registerService(program, flags);
registerUpload(program, flags);
registerUploads(program, flags);
registerDeviceCommands(program, flags);
registerIngest(program, flags);
registerRoads(program, flags);
registerChain(program, flags);
registerTiles(program, flags);
registerDetect(program, flags);
registerStart(program, flags);
registerReviewer(program, flags);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = fail(flags(), err);
}
