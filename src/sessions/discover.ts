/**
 * Finding data folders and session files. Follows links to folders (isolated-mode host folders may
 * be links) without looping, and reads each physical file once even when reached by two paths.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
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
  const seenFiles = new Set<string>();
  for (const dir of dirs) {
    // A data folder holds projects/; a path that is itself a projects folder is accepted too.
    const projects = isDir(join(dir, 'projects')) ? join(dir, 'projects') : isDir(dir) ? dir : null;
    if (!projects) continue;
    out.dataDirs.push(dir);
    const seenDirs = new Set<string>();
    for (const entry of list(projects, out)) {
      const projectPath = join(projects, entry.name);
      const st = statOf(projectPath, entry, out);
      if (!st || !st.isDirectory()) continue;
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
      walk(projectPath, [], st, base, seenDirs, seenFiles, out);
    }
  }
  // A stable order: results never depend on readdir order.
  out.files.sort((a, b) => (a.origin.path < b.origin.path ? -1 : a.origin.path > b.origin.path ? 1 : 0));
  return out;
}

function walk(
  dir: string,
  rel: string[],
  dirStat: Stats,
  base: Omit<FileOrigin, 'path' | 'pathSessionId' | 'subagentFile'>,
  seenDirs: Set<string>,
  seenFiles: Set<string>,
  out: Discovery,
): void {
  const id = `${dirStat.dev}:${dirStat.ino}`;
  if (seenDirs.has(id)) return; // a link loop, or a folder reached twice
  seenDirs.add(id);
  for (const entry of list(dir, out)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() || entry.isSymbolicLink()) {
      const st = statOf(path, entry, out);
      if (!st) continue;
      if (st.isDirectory()) {
        walk(path, [...rel, entry.name], st, base, seenDirs, seenFiles, out);
        continue;
      }
      if (!st.isFile() || !entry.name.endsWith('.jsonl')) continue;
      addFile(path, [...rel, entry.name], st, base, seenFiles, out);
    } else if (entry.isFile() && entry.name.endsWith('.jsonl')) {
      const st = statOf(path, entry, out);
      if (st) addFile(path, [...rel, entry.name], st, base, seenFiles, out);
    }
  }
}

function addFile(
  path: string,
  parts: string[],
  st: Stats,
  base: Omit<FileOrigin, 'path' | 'pathSessionId' | 'subagentFile'>,
  seenFiles: Set<string>,
  out: Discovery,
): void {
  const id = `${st.dev}:${st.ino}`;
  if (seenFiles.has(id)) return;
  seenFiles.add(id);
  const place = classifySessionPath(parts);
  out.files.push({
    origin: { ...base, path, ...place },
    size: st.size,
    mtimeMs: st.mtimeMs,
    dev: st.dev,
    ino: st.ino,
  });
}

function list(dir: string, out: Discovery): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
  const p = join(projectPath, METADATA_FILE);
  if (!existsSync(p)) return null;
  try {
    return readMetadata(JSON.parse(readFileSync(p, 'utf8')));
  } catch {
    return null;
  }
}

export function realPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
