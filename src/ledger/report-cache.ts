/**
 * The ledger's report cache (tables `outputs` and `output_paths`): a finished report is kept with
 * what it was built from, and replayed while its inputs have not changed: the same command line and
 * environment, the same ledger generation, and every folder, session file, metadata file and price
 * table unchanged on disk (stat only, nothing read). This is what makes a repeated `ccost daily`
 * instant; any change anywhere, or any doubt, falls through to the full report.
 *
 * Loaded before everything else, so it imports only what a replay needs.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultLedgerPath } from './default-path.js';
import { SCHEMA_VERSION } from './schema-version.js';
import { overridesPathOf } from '../usage/prices-path.js';
import { optionValue } from '../util/argv.js';
import { SeenStats } from '../sessions/recent-stats.js';
// Types only: a replay must not load the walk and the scanner it never uses.
import type { Discovery } from '../sessions/discover.js';

/** Commands whose output depends only on the data and the command line (not on the clock). */
const REPLAYABLE = new Set(['daily', 'weekly', 'monthly', 'session', 'project', 'agent', 'team', 'model']);
const NEVER = new Set(['--no-ledger', '-h', '--help', '-V', '--version', 'help']);
export const REPLAYED = 'nothing changed since this same report was last made: replayed it from the ledger';
/** Bump when what is recorded changes (2 was a packed form of the inputs, slower to check; 6 added each file's device). */
const FORMAT = 6;

/** Numbers recorded per session file: size, mtime, inode, device. */
const PER_FILE = 4;

/** What a finished report was built from, besides its command line. */
export interface ReportInputs {
  probes: Array<[string, boolean]>;
  dirs: Array<[string, number]>;
  metadata: Array<[string, number, number]>;
  /** Session files: path, size, mtime, inode, device. */
  files: Array<[string, number, number, number, number]>;
}

/** The program's compiled modules (this file is in src/ledger/) and the embedded price table. */
const CODE_ROOT = fileURLToPath(new URL('../', import.meta.url));
const PRICE_TABLE = fileURLToPath(new URL('../../../data/claude-model-prices.json', import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL('../../../package.json', import.meta.url));

/**
 * The code and price table the output came from: a rebuilt or upgraded ccost never replays old
 * output. Every module is stat'ed (63 in 11 folders, ~2-3 ms here), not a chosen few: a list would
 * miss the next module that shapes a report.
 */
function ownCode(): unknown[] {
  const out: unknown[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.js')) out.push(statMark(path));
    }
  };
  walk(CODE_ROOT);
  out.push(statMark(PRICE_TABLE));
  // npm installs files with one fixed time: an upgrade shows in the version.
  try {
    out.push((JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: string }).version ?? null);
  } catch {
    out.push(null);
  }
  return out;
}

function statMark(path: string): [number, number] | null {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? [st.size, st.mtimeMs] : null;
}

let lastKey: { argv: readonly string[]; env: NodeJS.ProcessEnv; key: string | null } | null = null;

/**
 * The cache key of a command line, or null when its output must not be replayed. Kept from the
 * replay attempt for the record made after the full report: once is enough, and it then names the
 * code as it was when loaded.
 */
export function outputKey(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string | null {
  if (lastKey?.argv === argv && lastKey.env === env) return lastKey.key;
  const key = computeKey(argv, env);
  lastKey = { argv, env, key };
  return key;
}

function computeKey(argv: readonly string[], env: NodeJS.ProcessEnv): string | null {
  if (argv.some((a) => NEVER.has(a))) return null;
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && !REPLAYABLE.has(first)) return null;
  let zone: string | null = null;
  try {
    zone = readlinkSync('/etc/localtime');
  } catch {
    zone = null;
  }
  const own = ownCode();
  const envPart = ['HOME', 'CLAUDE_CONFIG_DIR', 'CCORC_LEDGER', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'TZ', 'NO_COLOR', 'FORCE_COLOR'].map((k) => env[k] ?? null);
  // The user's price overrides shape every cost: a changed (or new, or removed) file is another report.
  own.push(statMark(overridesPathOf(argv, env)));
  const tty = process.stdout.isTTY ? [true, process.stdout.columns ?? 0] : [false, 0];
  return JSON.stringify([FORMAT, argv, process.cwd(), envPart, tty, hostname(), zone, own]);
}

/** The ledger a command line uses (as the full CLI would choose it). */
export function ledgerPathOf(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  return optionValue(argv, '--ledger') ?? defaultLedgerPath(env);
}

/** The record of a report's inputs: its paths (one JSON array: folders, then files) apart, since they rarely change from run to run while the numbers do. */
export interface InputRecord {
  /** A JSON line (probes, metadata, how many folders and files), then a base64 line of numbers: each folder's mtime; each file's size, mtime, inode, device. */
  record: string;
  paths: string;
}

/**
 * The record in the form quickest to check: parsing 13,500 small JSON arrays of path and numbers
 * instead cost a replay ~10 ms more; and a run whose files only grew writes no paths again.
 */
export function recordInputs(inputs: ReportInputs): InputRecord {
  const nums = new Float64Array(inputs.dirs.length + inputs.files.length * PER_FILE);
  let o = 0;
  for (const [, mtimeMs] of inputs.dirs) nums[o++] = mtimeMs;
  for (const [, size, mtimeMs, ino, dev] of inputs.files) {
    nums[o++] = size;
    nums[o++] = mtimeMs;
    nums[o++] = ino;
    nums[o++] = dev;
  }
  const head = JSON.stringify({ probes: inputs.probes, metadata: inputs.metadata, dirs: inputs.dirs.length, files: inputs.files.length });
  return { record: `${head}\n${Buffer.from(nums.buffer).toString('base64')}`, paths: JSON.stringify([...inputs.dirs.map(([p]) => p), ...inputs.files.map(([p]) => p)]) };
}

/**
 * True when every input is as recorded (recordInputs). When not, what was stat'ed on the way is
 * noted in `seen`, for the walk of the report that has to be made after all.
 */
export function unchanged({ record, paths: pathsText }: InputRecord, seen = new SeenStats()): boolean {
  const nl = record.indexOf('\n');
  const head = JSON.parse(record.slice(0, nl)) as { probes: ReportInputs['probes']; metadata: ReportInputs['metadata']; dirs: number; files: number };
  const bytes = Buffer.from(record.slice(nl + 1), 'base64');
  const nums = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(nums.buffer).set(bytes);
  const paths = JSON.parse(pathsText) as string[];
  if (nums.length !== head.dirs + head.files * PER_FILE || paths.length !== head.dirs + head.files) return false;
  for (const [path, wasDir] of head.probes) {
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      isDir = false;
    }
    if (isDir !== wasDir) return false;
  }
  // Folders found as recorded so far. When something else has changed, the report is made after all,
  // and its walk need not stat these folders again: their times are handed on (and only then).
  let sameFolders = 0;
  const changed = (): false => {
    for (let i = 0; i < sameFolders; i++) seen.folderTimes.note(paths[i]!, nums[i]!);
    return false;
  };
  for (let i = 0; i < head.dirs; i++) {
    const st = statSync(paths[i]!, { throwIfNoEntry: false });
    if (!st || st.mtimeMs !== nums[i]) return changed();
    sameFolders = i + 1;
  }
  for (const [path, size, mtimeMs] of head.metadata) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (size < 0 ? st !== undefined : !st || st.size !== size || st.mtimeMs !== mtimeMs) return changed();
  }
  // Files stat'ed so far are all as recorded. When one has changed (a session grew: the common case
  // after a report), every folder was found as recorded, so the walk will meet these same files: those
  // before it are handed on as recorded, the rest stat'ed here, and the walk stats none of them again.
  for (let i = 0; i < head.files; i++) {
    const st = statSync(paths[head.dirs + i]!, { throwIfNoEntry: false });
    const o = head.dirs + i * PER_FILE;
    if (!st || st.size !== nums[o] || st.mtimeMs !== nums[o + 1] || st.ino !== nums[o + 2] || st.dev !== nums[o + 3]) {
      for (let k = 0; k < i; k++) {
        const at = head.dirs + k * PER_FILE;
        seen.fileStats.note(paths[head.dirs + k]!, { size: nums[at]!, mtimeMs: nums[at + 1]!, ino: nums[at + 2]!, dev: nums[at + 3]! });
      }
      for (let k = i; k < head.files; k++) {
        const path = paths[head.dirs + k]!;
        const later = k === i ? st : statSync(path, { throwIfNoEntry: false });
        if (later?.isFile()) seen.fileStats.note(path, { size: later.size, mtimeMs: later.mtimeMs, ino: later.ino, dev: later.dev });
      }
      return changed();
    }
  }
  return true;
}

export type Replay = { replayed: true } | { replayed: false; seen: SeenStats };

/**
 * Writes the recorded output of this command line when nothing it depends on has changed. Else
 * (and on any trouble) nothing is written and the full report runs, handed what the check stat'ed.
 */
export function replayOutput(argv: readonly string[]): Replay {
  const seen = new SeenStats();
  const key = outputKey(argv);
  if (key === null) return { replayed: false, seen };
  const ledger = ledgerPathOf(argv);
  if (!existsSync(ledger)) return { replayed: false, seen };
  let db: Database.Database | null = null;
  try {
    db = new Database(ledger, { readonly: true, fileMustExist: true, timeout: 1000 });
    const version = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get();
    if (version !== String(SCHEMA_VERSION)) return { replayed: false, seen };
    const generation = Number(db.prepare(`SELECT value FROM meta WHERE key = 'generation'`).pluck().get());
    const row = db
      .prepare(`SELECT o.generation, o.stdout, o.stderr, o.inputs, p.paths FROM outputs o JOIN output_paths p ON p.hash = o.paths_hash WHERE o.key = ?`)
      .get(key) as { generation: number; stdout: string; stderr: string; inputs: string; paths: string } | undefined;
    if (!row || row.generation !== generation) return { replayed: false, seen };
    if (!unchanged({ record: row.inputs, paths: row.paths }, seen)) return { replayed: false, seen };
    process.stdout.write(asReplayed(row.stdout));
    if (row.stderr) process.stderr.write(row.stderr);
    if (argv.includes('-v') || argv.includes('--verbose')) process.stderr.write(`note: ${REPLAYED}\n`);
    return { replayed: true };
  } catch {
    return { replayed: false, seen };
  } finally {
    db?.close();
  }
}

/**
 * Keeps a finished report for replay while nothing it was built from changes: only reports of a
 * replayable command line, from settled folders, with every path readable.
 */
export function keepReport(db: Database.Database, argv: readonly string[], basis: { generation: number; found: Discovery }, readErrors: boolean, stdout: string, stderr: string, settleMs: number): void {
  const key = outputKey(argv);
  const found = basis.found;
  if (key === null || found.problems.length > 0 || readErrors) return;
  const inputs: ReportInputs = { ...found.inputs, files: found.files.map((f) => [f.origin.path, f.size, f.mtimeMs, f.ino, f.dev]) };
  if (!settled(inputs, Date.now(), settleMs)) return;
  saveOutput(db, key, basis.generation, stdout, stderr, recordInputs(inputs));
}

/** Outputs of older generations can never be replayed again and go. */
function saveOutput(db: Database.Database, key: string, generation: number, stdout: string, stderr: string, inputs: InputRecord): void {
  // Loaded here, not with this module: a replay never needs it.
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  const hash = createHash('sha1').update(inputs.paths).digest('hex');
  db.transaction(() => {
    db.prepare(`DELETE FROM outputs WHERE generation <> ?`).run(generation);
    db.prepare(`INSERT OR IGNORE INTO output_paths (hash, paths) VALUES (?, ?)`).run(hash, inputs.paths);
    db.prepare(`INSERT OR REPLACE INTO outputs (key, generation, stdout, stderr, inputs, paths_hash) VALUES (?, ?, ?, ?, ?, ?)`).run(key, generation, stdout, stderr, inputs.record, hash);
    db.prepare(`DELETE FROM output_paths WHERE hash NOT IN (SELECT paths_hash FROM outputs WHERE paths_hash IS NOT NULL)`).run();
  }).immediate();
}

/**
 * A JSON report ends with the `ledger` block of the run that made it. A replay reads no session
 * bytes and keeps the rollups as they were: its block says so. Only the end of the text is touched.
 */
export function asReplayed(stdout: string): string {
  const at = stdout.lastIndexOf('\n  "ledger": {');
  if (at < 0) return stdout;
  const block = stdout.slice(at).replace(/"bytesRead": \d+/, '"bytesRead": 0').replace(/"rollups": "\w+"/, '"rollups": "replayed"');
  return stdout.slice(0, at) + block;
}

/**
 * Settled inputs only: a folder changed within the last moments may change again within the same
 * clock tick of its modification time, unseen.
 */
export function settled(inputs: ReportInputs, now: number, settleMs: number): boolean {
  return inputs.dirs.every(([, mtimeMs]) => now - mtimeMs > settleMs);
}
