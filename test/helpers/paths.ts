import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

/** Repository root (tests run from dist/test/...). */
export const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
export const CCOST = join(ROOT, 'dist', 'src', 'cli', 'ccost.js');
export const PRICES = join(ROOT, 'data', 'claude-model-prices.json');
/** The project's shared folder sits beside the clone; CCORC_SHARED overrides. */
export const SHARED = process.env.CCORC_SHARED ?? resolve(ROOT, '..', 'shared');
export const REAL_A = join(SHARED, 'corpus', 'real-a');
export const HAS_REAL_A = existsSync(join(REAL_A, 'projects'));
