/**
 * Finding data folders and session files. Follows links to folders (isolated-mode host folders may
 * be links) without looping, and reads each physical file once even when reached by two paths.
 */
import { lstatSync, readdirSync, readFileSync, statSync, type Dirent, type Stats } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { FileOrigin } from '../usage/types.js';
import { classifySessionPath, METADATA_FILE, parseProjectFolder, readMetadata, type CcboxMetadata } from './attribution.js';
import { describeError } from './scan-file.js';
import type { FileStat, SeenStats } from './recent-stats.js';

export interface DataDirOptions {
  /** `--dir` values; when given they replace the defaults. */
  dirs?: string[];
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** `--dir`, else `CLAUDE_CONFIG_DIR` (comma-separated), else `~/.config/claude` and `~/.claude`. */
export function dataDirs(opts: DataDirOptions = {}): { dirs: string[]; explicit: boolean } {
  if (opts.dirs && opts.dirs.length > 0) return { dirs: opts.dirs.map((d) => resolve(d)), explicit: true };
  const env = opts.env ?? process.env;
  const fromEnv = (env.CLAUDE_CONFIG_DIR ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (fromEnv.length > 0) return { dirs: fromEnv.map((d) => resolve(d)), explicit: true };
  const home = opts.home ?? homedir();
  return { dirs: [join(home, '.config', 'claude'), join(home, '.claude')], explicit: false };
}

/** A session file to read, with its identity for the ledger. */
export interface FoundFile {
  origin: FileOrigin;
  size: number;
  mtimeMs: number;
  dev: number;
  ino: number;
}

export interface Discovery {
  files: FoundFile[];
  /** Folders and links that could not be read, with the reason. */
  problems: Array<{ path: string; error: string }>;
  /** Data folders that hold a `projects/` folder. */
  dataDirs: string[];
  /** Everything the walk looked at besides the files: what must be unchanged for the result to be. */
  inputs: WalkInputs;
  /** The folder listings read or reused, for the next walk. */
  listings: ListingCache;
}

/** What a walk depended on, besides the session files' own stat. */
export interface WalkInputs {
  /** Paths probed for being a folder, and the answer. */
  probes: Array<[string, boolean]>;
  /** Folders listed, with their modification time. */
  dirs: Array<[string, number]>;
  /** `.ccbox.json` files read: path, size, mtime (size −1: none). */
  metadata: Array<[string, number, number]>;
}

/** A folder's entries: name and kind (d folder, f file, l link, o other). */
export type EntryKind = 'd' | 'f' | 'l' | 'o';
export interface DirListing {
  mtimeMs: number;
  /** When the listing was read (epoch ms). */
  listedAt: number;
  entries: Array<[string, EntryKind]>;
}
export type ListingCache = Map<string, DirListing>;

/**
 * A folder's modification time is coarse (a clock tick): a change just after it was listed can leave
 * it unchanged. A listing is trusted only when read this long after the folder's last change.
 */
export const SETTLE_MS = 2000;

interface Walk {
  out: Discovery;
  cached: ListingCache | undefined;
  seen: SeenStats | undefined;
  now: number;
}

/**
 * Walks the data folders. With `cached` listings (from an earlier walk), a folder whose
 * modification time is unchanged is not read again: only stat'ed. `seen`: stats this process took
 * moments ago (the replay check), used once each instead of a second stat.
 */
export function discover(dirs: readonly string[], host = hostname(), cached?: ListingCache, seen?: SeenStats): Discovery {
  const out: Discovery = { files: [], problems: [], dataDirs: [], inputs: { probes: [], dirs: [], metadata: [] }, listings: new Map() };
  const w: Walk = { out, cached, seen, now: Date.now() };
  for (const dir of dirs) {
    // A data folder holds projects/; a path that is itself a projects folder is accepted too.
    const projects = probe(join(dir, 'projects'), out) ? join(dir, 'projects') : probe(dir, out) ? dir : null;
    if (!projects) continue;
    out.dataDirs.push(dir);
    const linkedDirs = new Set<string>();
    for (const [name, kind] of list(projects, w)) walkProject(dir, projects, name, kind, host, linkedDirs, w);
  }
  seen?.clear();
  return settled(out);
}

/** The files of one project folder (a folder of projects/, or a link to one), with its attribution. */
function walkProject(dir: string, projects: string, name: string, kind: EntryKind, host: string, linkedDirs: Set<string>, w: Walk): void {
  const projectPath = `${projects}/${name}`;
  if (kind !== 'd') {
    if (kind !== 'l') return;
    const st = statOf(projectPath, kind, w.out);
    if (!st || !st.isDirectory() || !firstVisit(st, linkedDirs)) return;
  }
  const folder = parseProjectFolder(name);
  const meta = loadMetadata(projectPath, w.out);
  const base: Omit<FileOrigin, 'path' | 'pathSessionId' | 'subagentFile'> = {
    host: meta?.host ?? host,
    dataDir: dir,
    projectDir: name,
    project: folder.project,
    instance: meta?.instance ?? folder.instance,
    mode: meta?.mode ?? (folder.instance ? 'isolated' : 'host'),
    team: meta?.context ?? null,
    agent: meta?.agent ?? null,
    role: meta?.role ?? null,
    container: meta?.container ?? null,
  };
  walk(projectPath, [], base, linkedDirs, w);
}

/**
 * Files in path order, each physical file once: one reached by two paths is read under its first
 * path in sort order, so the result never depends on readdir order.
 */
function settled(out: Discovery): Discovery {
  out.files.sort((a, b) => (a.origin.path < b.origin.path ? -1 : a.origin.path > b.origin.path ? 1 : 0));
  const once = new Set<string>();
  out.files = out.files.filter((f) => {
    const id = `${f.dev}:${f.ino}`;
    if (once.has(id)) return false;
    once.add(id);
    return true;
  });
  return out;
}

/**
 * A walk of only the project folders that hold the changed paths (a new session file, a new or
 * removed folder, its `.ccbox.json` written), the rest taken from the last walk: what a full walk
 * would find when nothing else changed. With thousands of files, a new session no longer costs a
 * stat of every file and folder. Null when a path is not inside a project folder of a data folder
 * (a data folder or projects/ itself changed), or a project folder there is a link: then walk all.
 * `projects`: the project folders walked again, whose files in `last` may have gone.
 */
export function rediscover(last: Discovery, dirs: readonly string[], paths: ReadonlySet<string>, host = hostname()): { found: Discovery; projects: ReadonlySet<string> } | null {
  // The project folder of each path: <data folder>/projects/<name>.
  const projects = new Map<string, { dir: string; root: string; name: string }>();
  for (const p of paths) {
    let hit = false;
    for (const dir of last.dataDirs) {
      const root = `${dir}/projects`;
      if (!p.startsWith(`${root}/`)) continue;
      const name = p.slice(root.length + 1).split('/')[0]!;
      if (!name) return null;
      projects.set(`${root}/${name}`, { dir, root, name });
      hit = true;
      break;
    }
    if (!hit) return null;
  }
  // A data folder not found last time, or one that is itself a projects folder: walk all.
  const hasProjects = new Set(last.inputs.probes.filter(([, yes]) => yes).map(([p]) => p));
  if (last.dataDirs.length !== dirs.length || !last.dataDirs.every((d) => hasProjects.has(`${d}/projects`))) return null;
  const under = (path: string) => {
    for (const folder of projects.keys()) if (path === folder || path.startsWith(`${folder}/`)) return true;
    return false;
  };
  const out: Discovery = {
    files: last.files.filter((f) => !under(f.origin.path)),
    problems: last.problems.filter((p) => !under(p.path)),
    dataDirs: last.dataDirs,
    inputs: { probes: last.inputs.probes, dirs: last.inputs.dirs.filter(([d]) => !under(d)), metadata: last.inputs.metadata.filter(([m]) => !under(m)) },
    listings: new Map([...last.listings].filter(([d]) => !under(d))),
  };
  const w: Walk = { out, cached: last.listings, seen: undefined, now: Date.now() };
  for (const [folder, { dir, root, name }] of projects) {
    // projects/ gained or lost a folder, perhaps: its listing is read again by the next full walk.
    out.listings.delete(root);
    let st: Stats;
    try {
      st = lstatSync(folder);
    } catch {
      continue; // gone, with its files
    }
    if (st.isSymbolicLink()) return null;
    if (!st.isDirectory()) continue;
    walkProject(dir, root, name, 'd', host, new Set(), w);
  }
  return { found: settled(out), projects: new Set(projects.keys()) };
}

/** Links are the only way to loop: each linked folder is entered once. */
function firstVisit(st: Stats, linkedDirs: Set<string>): boolean {
  const id = `${st.dev}:${st.ino}`;
  if (linkedDirs.has(id)) return false;
  linkedDirs.add(id);
  return true;
}

function walk(dir: string, rel: string[], base: Omit<FileOrigin, 'path' | 'pathSessionId' | 'subagentFile'>, linkedDirs: Set<string>, w: Walk): void {
  const out = w.out;
  for (const [name, kind] of list(dir, w)) {
    const path = `${dir}/${name}`;
    if (kind === 'd') {
      walk(path, [...rel, name], base, linkedDirs, w);
    } else if (kind === 'l') {
      const st = statOf(path, kind, out);
      if (!st) continue;
      if (st.isDirectory()) {
        if (firstVisit(st, linkedDirs)) walk(path, [...rel, name], base, linkedDirs, w);
      } else if (st.isFile() && name.endsWith('.jsonl')) {
        addFile(path, [...rel, name], st, base, out);
      }
    } else if (kind === 'f' && name.endsWith('.jsonl')) {
      const st = w.seen?.fileStats.take(path) ?? statOf(path, kind, out);
      if (st) addFile(path, [...rel, name], st, base, out);
    }
  }
}

function addFile(path: string, parts: string[], st: FileStat, base: Omit<FileOrigin, 'path' | 'pathSessionId' | 'subagentFile'>, out: Discovery): void {
  const place = classifySessionPath(parts);
  out.files.push({
    // Spelled out rather than spread from base: one object shape for every file, which later code
    // reads faster too (a report after an append: ~10% fewer instructions, bench:instructions).
    origin: {
      host: base.host,
      path,
      dataDir: base.dataDir,
      projectDir: base.projectDir,
      project: base.project,
      instance: base.instance,
      mode: base.mode,
      team: base.team,
      agent: base.agent,
      role: base.role,
      container: base.container,
      pathSessionId: place.pathSessionId,
      subagentFile: place.subagentFile,
    },
    size: st.size,
    mtimeMs: st.mtimeMs,
    dev: st.dev,
    ino: st.ino,
  });
}

function kindOf(e: Dirent): EntryKind {
  return e.isDirectory() ? 'd' : e.isFile() ? 'f' : e.isSymbolicLink() ? 'l' : 'o';
}

/** A folder's entries: from the cache when the folder has not changed since it was listed, else read. */
function list(dir: string, w: Walk): Array<[string, EntryKind]> {
  try {
    const mtimeMs = w.seen?.folderTimes.take(dir) ?? statSync(dir).mtimeMs;
    w.out.inputs.dirs.push([dir, mtimeMs]);
    const known = w.cached?.get(dir);
    if (known && known.mtimeMs === mtimeMs && known.listedAt - mtimeMs > SETTLE_MS) {
      w.out.listings.set(dir, known);
      return known.entries;
    }
    const entries = readdirSync(dir, { withFileTypes: true }).map((e): [string, EntryKind] => [e.name, kindOf(e)]);
    w.out.listings.set(dir, { mtimeMs, listedAt: w.now, entries });
    return entries;
  } catch (err) {
    w.out.problems.push({ path: dir, error: describeError(err) });
    return [];
  }
}

/** stat that follows links; a dangling or unreadable link is reported, not thrown. */
function statOf(path: string, kind: EntryKind, out: Discovery): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    out.problems.push({ path, error: kind === 'l' ? `dangling link (${describeError(err)})` : describeError(err) });
    return null;
  }
}

function probe(p: string, out: Discovery): boolean {
  let yes: boolean;
  try {
    yes = statSync(p).isDirectory();
  } catch {
    yes = false; // missing, unreadable, or below a file
  }
  out.inputs.probes.push([p, yes]);
  return yes;
}

function loadMetadata(projectPath: string, out: Discovery): CcboxMetadata | null {
  const path = join(projectPath, METADATA_FILE);
  let text: string;
  try {
    const st = statSync(path);
    text = readFileSync(path, 'utf8');
    out.inputs.metadata.push([path, st.size, st.mtimeMs]);
  } catch {
    out.inputs.metadata.push([path, -1, 0]);
    return null; // none: attribution comes from the folder name
  }
  try {
    return readMetadata(JSON.parse(text));
  } catch {
    return null;
  }
}
