import { existsSync } from 'node:fs';
import { MODEL_PATHS } from '../../../vision/index.ts';
import { requireDependency } from '../../support/require-tool.ts';

/** Skip reason when `npm run models` has not fetched the CenterNet tfjs files (false when they are there); CI fails. */
export const CENTERNET_ABSENT: string | false = requireDependency(
  existsSync(MODEL_PATHS.centernetJson) && existsSync(MODEL_PATHS.centernetBin),
  `CenterNet tfjs files absent under ${MODEL_PATHS.centernetJson}: run \`npm run models\``,
);
