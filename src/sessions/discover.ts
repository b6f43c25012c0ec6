/**
 * Finding data folders and session files. Follows links to folders (isolated-mode host folders may
 * be links) without looping, and reads each physical file once even when reached by two paths.
 */
import { readdirSync, readFileSync, statSync, type Dirent, type Stats } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { FileOrigin } from '../usage/types.js';
import { classifySessionPath, METADATA_FILE, parseProjectFolder, readMetadata, type CcboxMetadata } from './attribution.js';
import { describeError } from './scan-file.js';

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
}

export function discover(dirs: readonly string[], host = hostname()): Discovery {
  const out: Discovery = { files: [], problems: [], dataDirs: [] };
  for (const dir of dirs) {
    // A data folder holds projects/; a path that is itself a projects folder is accepted too.
    const projects = isDir(join(dir, 'projects')) ? join(dir, 'projects') : isDir(dir) ? dir : null;
    if (!projects) continue;
    out.dataDirs.push(dir);
    const linkedDirs = new Set<string>();
    for (const entry of list(projects, out)) {
      const projectPath = `${projects}/${entry.name}`;
      if (!entry.isDirectory()) {
        if (!entry.isSymbolicLink()) continue;
        const st = statOf(projectPath, entry, out);
        if (!st || !st.isDirectory() || !firstVisit(st, linkedDirs)) continue;
      }
      const folder = parseProjectFolder(entry.name);
      const meta = loadMetadata(projectPath);
      const base: Omit<FileOrigin, 'path' | 'pathSessionId' | 'subagentFile'> = {
        host: meta?.host ?? host,
        dataDir: dir,
        projectDir: entry.name,
        project: folder.project,
        instance: meta?.instance ?? folder.instance,
        mode: meta?.mode ?? (folder.instance ? 'isolated' : 'host'),
        team: meta?.context ?? null,
        agent: meta?.agent ?? null,
        role: meta?.role ?? null,
        container: meta?.container ?? null,
      };
      walk(projectPath, [], base, linkedDirs, out);
    }
  }
  // One physical file reached by two paths is read once, under its first path in sort order, so
  // the result never depends on readdir order.
  out.files.sort((a, b) => (a.origin.path < b.origin.path ? -1 : a.origin.path > b.origin.path ? 1 : 0));
  const seen = new Set<string>();
  out.files = out.files.filter((f) => {
    const id = `${f.dev}:${f.ino}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return out;
}

/** Links are the only way to loop: each linked folder is entered once. */
function firstVisit(st: Stats, linkedDirs: Set<string>): boolean {
  const id = `${st.dev}:${st.ino}`;
  if (linkedDirs.has(id)) return false;
  linkedDirs.add(id);
  return true;
}

function walk(dir: string, rel: string[], base: Omit<FileOrigin, 'path' | 'pathSessionId' | 'subagentFile'>, linkedDirs: Set<string>, out: Discovery): void {
  for (const entry of list(dir, out)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      walk(path, [...rel, entry.name], base, linkedDirs, out);
    } else if (entry.isSymbolicLink()) {
      const st = statOf(path, entry, out);
      if (!st) continue;
      if (st.isDirectory()) {
        if (firstVisit(st, linkedDirs)) walk(path, [...rel, entry.name], base, linkedDirs, out);
      } else if (st.isFile() && entry.name.endsWith('.jsonl')) {
        addFile(path, [...rel, entry.name], st, base, out);
      }
    } else if (entry.isFile() && entry.name.endsWith('.jsonl')) {
      const st = statOf(path, entry, out);
      if (st) addFile(path, [...rel, entry.name], st, base, out);
    }
  }
}

function addFile(path: string, parts: string[], st: Stats, base: Omit<FileOrigin, 'path' | 'pathSessionId' | 'subagentFile'>, out: Discovery): void {
  out.files.push({
    origin: { ...base, path, ...classifySessionPath(parts) },
    size: st.size,
    mtimeMs: st.mtimeMs,
    dev: st.dev,
    ino: st.ino,
  });
}

function list(dir: string, out: Discovery): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    out.problems.push({ path: dir, error: describeError(err) });
    return [];
  }
}

/** stat that follows links; a dangling or unreadable link is reported, not thrown. */
function statOf(path: string, entry: Dirent, out: Discovery): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    out.problems.push({ path, error: entry.isSymbolicLink() ? `dangling link (${describeError(err)})` : describeError(err) });
    return null;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function loadMetadata(projectPath: string): CcboxMetadata | null {
  let text: string;
  try {
    text = readFileSync(join(projectPath, METADATA_FILE), 'utf8');
  } catch {
    return null; // none: attribution comes from the folder name
  }
  try {
    return readMetadata(JSON.parse(text));
  } catch {
    return null;
  }
}
