/**
 * The view of a long-running process (`ccost watch`, `ccost alert --watch`): after the first, each
 * view syncs only what changed and updates the rows it holds in memory, never reading every stored
 * row again nor walking the folders when only known files grew. The ledger is kept up to date on
 * the way, so a report run meanwhile finds its rollups current.
 */
import { statSync } from 'node:fs';
import type { Discovery, FoundFile } from '../sessions/discover.js';
import type { Pricing } from '../usage/pricing.js';
import type { LedgerStore } from './store.js';
import { viewFromLedger, type RowMemory, type UsageView } from './view.js';

export class LiveView {
  private memory: RowMemory | null = null;
  private found: Discovery | null = null;
  private last: UsageView | null = null;
  private listed: { inputs: Discovery['inputs']; dirs: string[] } | null = null;

  constructor(
    private readonly store: LedgerStore,
    private readonly dirs: readonly string[],
    private readonly pricing: Pricing,
  ) {}

  /**
   * The view now (the last one itself when no file changed). `walk`: files or folders may have been
   * added, renamed or removed. `changed`: the only paths that may have changed (else any).
   */
  async view(walk: boolean, changed: ReadonlySet<string> | null = null): Promise<UsageView> {
    const found = walk || !this.found ? undefined : restat(this.found, changed);
    // Nothing grew, shrank or was replaced: the last view stands (a poll costs one stat per file).
    if (found && this.last && sameFiles(found.files, this.found!.files)) return this.last;
    const v = await viewFromLedger(this.store, this.dirs, this.pricing, undefined, undefined, {
      found,
      changed,
      memory: this.memory,
      keep: (m) => (this.memory = m),
    });
    this.found = v.basis?.found ?? null;
    this.last = v;
    return v;
  }

  /** The folders the last walk listed (to be watched): the same array until a walk lists again. */
  folders(): readonly string[] {
    const inputs = this.found?.inputs;
    if (!inputs) return [];
    if (this.listed?.inputs !== inputs) this.listed = { inputs, dirs: inputs.dirs.map(([dir]) => dir) };
    return this.listed.dirs;
  }
}

function sameFiles(a: readonly FoundFile[], b: readonly FoundFile[]): boolean {
  return a.length === b.length && a.every((f, i) => f.size === b[i]!.size && f.mtimeMs === b[i]!.mtimeMs && f.ino === b[i]!.ino && f.dev === b[i]!.dev);
}

/** The known files as they are now: one stat each (of the `changed` ones only, when given); a file gone is left out (the sync marks it gone). */
function restat(found: Discovery, changed: ReadonlySet<string> | null): Discovery {
  const files: FoundFile[] = [];
  for (const f of found.files) {
    if (changed && !changed.has(f.origin.path)) {
      files.push(f);
      continue;
    }
    let st;
    try {
      st = statSync(f.origin.path, { throwIfNoEntry: false });
    } catch {
      files.push(f); // unreadable for now: the sync's read says why, and what was counted stays
      continue;
    }
    if (st?.isFile()) files.push({ origin: f.origin, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino });
  }
  return { ...found, files };
}
