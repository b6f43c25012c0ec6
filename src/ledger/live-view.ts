/**
 * The view of a long-running process (`ccost watch`, `ccost alert --watch`): after the first, each
 * view syncs only what changed and updates the rows it holds in memory, never reading every stored
 * row again nor walking the folders when only known files grew. The ledger is kept up to date on
 * the way, so a report run meanwhile finds its rollups current.
 */
import { statSync } from 'node:fs';
import { rediscover, type Discovery, type FoundFile } from '../sessions/discover.js';
import type { Pricing } from '../usage/pricing.js';
import type { LedgerStore } from './store.js';
import type { Narrow } from './sync.js';
import { viewFromLedger, type RowMemory, type UsageView } from './view.js';

export class LiveView {
  private memory: RowMemory | null = null;
  private found: Discovery | null = null;
  /** The place of each path in `found.files`. */
  private places = new Map<string, number>();
  private last: UsageView | null = null;
  private listed: { inputs: Discovery['inputs']; dirs: string[] } | null = null;

  constructor(
    private readonly store: LedgerStore,
    private readonly dirs: readonly string[],
    private readonly pricing: Pricing,
  ) {
    store.keepSmall();
  }

  /**
   * The view now (the last one itself when no file changed). `walk`: files or folders may have been
   * added, renamed or removed. `changed`: the only paths that may have changed (else any).
   */
  async view(walk: boolean, changed: ReadonlySet<string> | null = null): Promise<UsageView> {
    let now: { found: Discovery; narrow: Narrow | null; same: boolean; places: 'kept' | 'new' } | undefined;
    if (!walk && this.found) {
      now = { ...(changed ? this.restatOnly(this.found, changed) : restatAll(this.found)), places: 'kept' };
      // Nothing grew, shrank or was replaced: the last view stands (a poll costs one stat per active file).
      if (now.same && this.last) return this.last;
    } else if (changed && this.found) {
      // Events named what changed: only their project folders are walked again.
      const r = rediscover(this.found, this.dirs, changed);
      if (r) now = { found: r.found, narrow: narrowOf(this.found, r.found, r.projects, changed), same: false, places: 'new' };
    }
    let v = await viewFromLedger(this.store, this.dirs, this.pricing, undefined, undefined, {
      found: now?.found,
      changed: now?.narrow,
      memory: this.memory,
      keep: (m) => (this.memory = m),
      last: this.last,
      // A walk starts from this process's last listings rather than parsing the stored ones again.
      listings: this.found?.listings,
    });
    const found = v.basis?.found ?? null;
    // A round that changed nothing the view holds (a walk that found nothing new) hands on the last
    // view itself, so that what consumers made of it (costed rows, the server's answers) stands; what
    // the walk found (folders, sizes) is kept all the same.
    const l = this.last;
    if (l && v.delta?.of === l && v.delta.removed.length === 0 && v.delta.added.length === 0 && v.delta.files.length === 0 && v.files === l.files && sameWarnings(v.warnings, l.warnings) && v.basis?.generation === l.basis?.generation) v = l;
    // Restat'ed files keep their places; after a walk or a file gone, the places are found again.
    if (!now || now.places === 'new' || found !== now.found || found.files.length !== this.found!.files.length) this.places = new Map(found?.files.map((f, i) => [f.origin.path, i]));
    this.found = found;
    // The last view's own change from the one before is no longer anyone's: left linked, every view
    // would keep all the views before it alive for as long as the process runs.
    if (l && v !== l) delete l.delta;
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

  /** The known files now, of which only `changed` are stat'ed (one stat each); a file gone is left out (the sync marks it gone). */
  private restatOnly(found: Discovery, changed: ReadonlySet<string>): { found: Discovery; narrow: Narrow; same: boolean } {
    const files = found.files.slice();
    const now: FoundFile[] = [];
    let same = true;
    let gone = false;
    for (const path of changed) {
      const i = this.places.get(path);
      if (i === undefined) continue; // not known yet: a walk finds it
      const f = restat(files[i]!);
      if (f === null) {
        gone = true;
        same = false;
        continue;
      }
      if (f !== files[i]) {
        same = same && sameFile(f, files[i]!);
        files[i] = f;
      }
      now.push(f);
    }
    return { found: { ...found, files: gone ? files.filter((f) => !changed.has(f.origin.path) || now.includes(f)) : files }, narrow: { paths: changed, found: now }, same };
  }
}

/**
 * What a walk of some project folders may have changed: every file the last walk or this one found
 * in them (one gone is marked gone by the sync; one moved from one to another is matched), and the
 * paths the events named.
 */
function narrowOf(last: Discovery, now: Discovery, projects: ReadonlySet<string>, changed: ReadonlySet<string>): Narrow {
  const inside = (path: string) => {
    for (const p of projects) if (path.startsWith(`${p}/`)) return true;
    return false;
  };
  const paths = new Set(changed);
  for (const f of last.files) if (inside(f.origin.path)) paths.add(f.origin.path);
  const found = now.files.filter((f) => inside(f.origin.path));
  for (const f of found) paths.add(f.origin.path);
  return { paths, found };
}

function sameWarnings(a: UsageView['warnings'], b: UsageView['warnings']): boolean {
  return a === b || (a.length === b.length && JSON.stringify(a) === JSON.stringify(b));
}

function sameFile(a: FoundFile, b: FoundFile): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.dev === b.dev;
}

/**
 * A poll between walks looks again only at files written within the last hour: it is there for the
 * writes no event told of, and a file quiet for an hour is looked at by the next walk (which stats
 * every file) instead of on every poll, which at thousands of files was most of an idle follower's work.
 */
const ACTIVE_MS = 3_600_000;

/** The known files now (one stat each of those written lately); a file gone is left out. */
function restatAll(found: Discovery): { found: Discovery; narrow: null; same: boolean } {
  const files: FoundFile[] = [];
  const active = Date.now() - ACTIVE_MS;
  let same = true;
  for (const f of found.files) {
    if (f.mtimeMs < active) {
      files.push(f);
      continue;
    }
    const now = restat(f);
    if (now) files.push(now);
    same &&= now !== null && sameFile(now, f);
  }
  return { found: { ...found, files }, narrow: null, same };
}

/** A file as it is now; null when gone. Unreadable for now: as it was (the sync's read says why, and what was counted stays). */
function restat(f: FoundFile): FoundFile | null {
  let st;
  try {
    st = statSync(f.origin.path, { throwIfNoEntry: false });
  } catch {
    return f;
  }
  return st?.isFile() ? { origin: f.origin, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino } : null;
}
