/**
 * Where the reference tools are once `npm install` has run: ccusage 20.0.24's native binary (named by
 * path: in node_modules/.bin ccusage 18, the benchmark's alias, claims the same name) and ccusage
 * 18.0.11 (TypeScript).
 */
import { accessSync, chmodSync, constants, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const CCUSAGE_NATIVE = join(ROOT, 'node_modules', '@ccusage', 'ccusage-linux-x64', 'bin', 'ccusage');
export const CCUSAGE_LAUNCHER = join(ROOT, 'node_modules', 'ccusage', 'src', 'cli.js');
export const CCUSAGE_18 = join(ROOT, 'node_modules', 'ccusage18', 'dist', 'index.js');

/**
 * The native binary, executable. Its npm package ships it without the execute bit (ccusage's own
 * launcher sets it before each run); we do the same once.
 */
export function nativeCcusage(): string | null {
  if (!existsSync(CCUSAGE_NATIVE)) return null;
  try {
    accessSync(CCUSAGE_NATIVE, constants.X_OK);
  } catch {
    chmodSync(CCUSAGE_NATIVE, 0o755);
  }
  return CCUSAGE_NATIVE;
}
