/**
 * What every ccost command shares: the data-source options (folders, ledger, cost mode, time zone,
 * filters), loading the usage view, and reporting skipped input.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { mkdtempSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDirs, SETTLE_MS } from '../sessions/discover.js';
import { keepReport } from '../ledger/report-cache.js';
import type { SeenStats } from '../sessions/recent-stats.js';
import { defaultLedgerPath } from '../ledger/default-path.js';
import { LedgerError, LedgerStore } from '../ledger/store.js';
import { FAULT_WORDS, ledgerFault, moveAside, type LedgerFault } from '../ledger/faults.js';
import { catchUpLedger, scopeKeyOf, viewFromFiles, viewFromLedger, type UsageView } from '../ledger/view.js';
import { countedEvents, lazyWinners } from '../ledger/counted.js';
import { loadUsage } from '../sessions/load.js';
import type { CountedResponse } from '../reports/export-events.js';
import type pg from 'pg';
import { FleetRefused, FleetUnavailable } from '../fleet/errors.js';
import type { FleetConnection } from '../fleet/connect.js';
import { fleetView, type FleetHost } from '../fleet/fleet-view.js';
import { OperationFailed } from './run.js';
import { LiveView } from '../ledger/live-view.js';
import { costRows, type CostedRow } from '../usage/aggregate.js';
import type { LiveTotals } from '../usage/live-totals.js';
import { TotalsFeed } from '../live/totals-feed.js';
import { FOLLOW_CADENCE, FolderWatch, type PendingChanges } from '../sessions/folder-watch.js';
import type { Calendar } from '../usage/time.js';
import type { RowNeeds } from '../reports/build.js';
import { activePricing } from '../usage/prices-file.js';
import { InvalidTimeZoneError, parseDateArg, systemTimeZone, validateTimeZone } from '../usage/time.js';
import type { CostMode, FileWarnings } from '../usage/types.js';

/** A mistake in how ccost was called: printed as one line, exit 2. */
export class UsageError extends Error {}

export interface SourceOptions {
  dir: string[];
  timezone?: string;
  project?: string;
  agent?: string;
  mode: CostMode;
  verbose?: boolean;
  ledger: string | boolean;
  now?: number;
}

export function dateArg(v: string): string {
  const d = parseDateArg(v);
  if (!d) throw new InvalidArgumentError(`"${v}" is not a date; use YYYY-MM-DD or YYYYMMDD`);
  return d;
}

export function instantArg(v: string): number {
  const ms = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(ms)) throw new InvalidArgumentError(`"${v}" is not an ISO-8601 time such as 2025-10-01T12:00:00Z`);
  return ms;
}

export function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`"${v}" is not a non-negative number`);
  return n;
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** The options that say where usage comes from and how it is counted. */
export function addSourceOptions(cmd: Command): Command {
  return cmd
    .option('-d, --dir <path>', 'Claude data folder holding projects/ (repeatable; default: $CLAUDE_CONFIG_DIR, else ~/.config/claude and ~/.claude)', collect, [])
    .option('-z, --timezone <tz>', "IANA time zone for days, weeks and months (default: the system's)")
    .option('-p, --project <name>', 'only this project (encoded folder name or real path)')
    .option('-a, --agent <instance>', 'only this agent (container instance, or "host")')
    .addOption(new Option('-m, --mode <mode>', 'cost mode: auto (recorded cost if present, else calculated), calculate, display').choices(['auto', 'calculate', 'display']).default('auto'))
    .option('-O, --offline', 'accepted for ccusage compatibility: prices are always local')
    .option('--prices <file>', 'price overrides (LiteLLM format: negotiated rates, new models) over the shipped table (default: ~/.config/ccorc/prices.json, if it exists)')
    .option('-v, --verbose', 'list every file with skipped lines or read errors')
    .option('--ledger <path>', 'the ledger (SQLite) that keeps counted usage and checkpoints (default: $CCORC_LEDGER, else ~/.cache/ccorc/ledger.db)')
    .option('--no-ledger', 'read the session files alone; write nothing')
    .option('--now <time>', 'evaluate as of this ISO-8601 time instead of the clock (replays, tests)', instantArg);
}

/** Where /etc/localtime links to; null when it is no link (or there is none). */
function localtimeLink(): string | null {
  try {
    return readlinkSync('/etc/localtime');
  } catch {
    return null;
  }
}

export function timeZoneOf(opts: SourceOptions): string {
  try {
    return validateTimeZone(opts.timezone ?? systemTimeZone(process.env, localtimeLink()));
  } catch (err) {
    if (err instanceof InvalidTimeZoneError) throw new UsageError(err.message);
    throw err;
  }
}

export function dirsOf(opts: SourceOptions): string[] {
  return dataDirs({ dirs: opts.dir }).dirs;
}

/** A long-running command's live view, kept across rounds for one ledger connection. */
interface LiveSlot {
  view: LiveView | null;
  store: LedgerStore | null;
  walk: boolean;
  changed: ReadonlySet<string> | null;
  /** Set when this round's ledger could not be opened or failed (its numbers came from the files). */
  fault: LedgerFault | 'open' | null;
}

export async function loadView(dirs: string[], ledger: string | boolean, live?: LiveSlot): Promise<UsageView> {
  const pricing = activePricing();
  if (ledger === false) return viewFromFiles(dirs, pricing);
  const path = typeof ledger === 'string' ? ledger : defaultLedgerPath();
  let store: LedgerStore;
  try {
    store = openLedger(path);
  } catch (err) {
    // The report still comes, from the files alone: a ledger is an accelerator and a history, never a
    // reason to fail (an unwritable cache folder, or a ledger from a newer ccost, which is left alone).
    process.stderr.write(`note: ${openFailure(err, path)}; reading the session files directly this time\n`);
    if (live) live.fault = 'open';
    return viewFromFiles(dirs, pricing);
  }
  try {
    if (!live) return await viewFromLedger(store, dirs, pricing, undefined, takeSeen());
    if (!live.view || live.store !== store) {
      live.view = new LiveView(store, dirs, pricing);
      live.store = store;
    }
    return await live.view.view(live.walk, live.changed);
  } catch (err) {
    // The report still comes, from the files; what the ledger alone knew (the history of deleted
    // session files) is missing from it, and the note says so.
    const what = ledgerFaultNote(err, store);
    if (what === null) throw err;
    if (live) {
      live.view = null;
      live.fault = ledgerFault(err);
    }
    process.stderr.write(`note: ${what}; this report is from the session files (without responses of session files deleted since)\n`);
    return viewFromFiles(dirs, pricing);
  }
}

/**
 * The ledger (the user's, or --ledger's) with its log brought up to date from the session files, for
 * work that reads the log alone (sync); null, after a note saying why, when it cannot be used.
 */
export async function currentLedger(dirs: string[], ledger: string | boolean): Promise<LedgerStore | null> {
  if (ledger === false) return null;
  const path = typeof ledger === 'string' ? ledger : defaultLedgerPath();
  let store: LedgerStore;
  try {
    store = openLedger(path);
  } catch (err) {
    process.stderr.write(`note: ${openFailure(err, path)}\n`);
    return null;
  }
  try {
    await catchUpLedger(store, dirs);
    return store;
  } catch (err) {
    const what = ledgerFaultNote(err, store);
    if (what === null) throw err;
    process.stderr.write(`note: ${what}\n`);
    return null;
  }
}

/**
 * Every response the reports count (each message once, its winning copy), with its file: read back
 * from the ledger once it is current, so that deleted files' responses are there as in the reports;
 * from the files with --no-ledger, or when the ledger fails (a note then says what is missing).
 */
export async function loadCounted(dirs: string[], ledger: string | boolean): Promise<{ responses: CountedResponse[]; warnings: FileWarnings[] }> {
  if (ledger !== false) {
    const view = await loadView(dirs, ledger);
    const store = openedLedger(view);
    if (!store || !view.basis) return { ...fromFiles(await loadUsage(dirs)), warnings: view.warnings };
    const ids = view.basis.fileIds;
    const place = new Map(ids.map((id, at) => [id, at]));
    const responses: CountedResponse[] = [];
    try {
      store.db.transaction(() => {
        for (const { fileId, events } of countedEvents(store, new Set(ids), lazyWinners(store, scopeKeyOf(dirs)))) {
          const file = view.files[place.get(fileId)!]!;
          for (const event of events) responses.push({ event, file });
        }
      })();
      return { responses, warnings: view.warnings };
    } catch (err) {
      const what = ledgerFaultNote(err, store);
      if (what === null) throw err;
      process.stderr.write(`note: ${what}; this export is from the session files (without responses of session files deleted since)\n`);
    }
  }
  const loaded = await loadUsage(dirs);
  return { ...fromFiles(loaded), warnings: loaded.warnings };
}

function fromFiles(loaded: Awaited<ReturnType<typeof loadUsage>>): { responses: CountedResponse[] } {
  return { responses: loaded.events.map((event) => ({ event, file: loaded.files[event.fileIndex]! })) };
}

/** A fleet database's failure as the CLI says it: out of reach exits 75 (try again later), a refusal 2. */
/** The fleet database's URL: the option, else $CCOST_FLEET_URL. */
export function fleetUrl(given: string | undefined, option: string): string {
  const url = given ?? process.env.CCOST_FLEET_URL;
  if (!url) throw new UsageError(`say where the fleet database is: ${option} postgres://user@host:port/database, or $CCOST_FLEET_URL`);
  return url;
}

/** How long a report's work with the fleet database may take before it is given up (exit 75). */
const REPORT_TIMEOUT_MS = 300_000;

/**
 * Work on the fleet database, connected and migrated; its failures as exits (fleetExit). The client
 * library loads here, not with every command.
 */
export async function withFleet<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const { connectFleet, failure } = await import('../fleet/connect.js');
  let fleet: FleetConnection | undefined;
  try {
    // A report reads a large fleet for seconds (4-6 s at 10 million responses); a cut link still ends it.
    fleet = await connectFleet(url, REPORT_TIMEOUT_MS);
    const { client } = fleet;
    return await fleet.step(() => work(client));
  } catch (err) {
    throw fleetExit(failure(err, url));
  } finally {
    await fleet?.close();
  }
}

/** A fleet failure as an exit: unreachable 75 (try again later), refused 2. */
export function fleetExit(e: Error): Error {
  return e instanceof FleetUnavailable ? new OperationFailed(e.message, 75) : e instanceof FleetRefused ? new UsageError(e.message) : e;
}

/** The ledger a view was made from, open in this process; null for a view from the files (--no-ledger, or a fault). */
export function openedLedger(view: UsageView): LedgerStore | null {
  return (view.basis && view.ledger && openLedgers.get(view.ledger.path)) || null;
}

const openLedgers = new Map<string, LedgerStore>();

/** Above this, a log left behind costs every later process (each rebuilds its index, ~0.6 ms per MiB). */
const LEFT_LOG_BYTES = 8 << 20;

/**
 * Before exit: a ledger whose write-ahead log has grown large (a first run, or several runs of
 * appends) is checkpointed and its log emptied; a small log stays for a later run to carry on.
 */
export function settleLedgers(): void {
  for (const store of openLedgers.values()) {
    try {
      if ((statSync(`${store.path}-wal`, { throwIfNoEntry: false })?.size ?? 0) > LEFT_LOG_BYTES) {
        // Waits for readers of the log to finish: not for long (a reader busy longer leaves it for a later run).
        store.db.pragma('busy_timeout = 2000');
        store.db.pragma('wal_checkpoint(TRUNCATE)');
      }
    } catch {
      // Busy (another process reading): a later run does it.
    }
  }
}

/**
 * One connection per ledger for the life of the process, left open at exit (see settleLedgers):
 * closing the last connection checkpoints the write-ahead log with an fsync (0.1 s on a small VM)
 * however little was written.
 */
function openLedger(path: string): LedgerStore {
  let store = openLedgers.get(path);
  if (!store) {
    const opened = LedgerStore.open(path);
    if (opened.notice) process.stderr.write(`note: ${opened.notice}\n`);
    openLedgers.set(path, (store = opened.store));
  }
  return store;
}

export async function loadCostedRows(opts: SourceOptions): Promise<{ view: UsageView; rows: CostedRow[] }> {
  const view = await loadView(dirsOf(opts), opts.ledger);
  return { view, rows: costRows(view.rows, view.files, opts.mode) };
}

export interface FleetOptions {
  from?: string;
  host?: string;
}

/** `--from URL`: report over the fleet's database instead of this host's files; `--host`: one host's part. */
export function addFleetOptions(cmd: Command): Command {
  return cmd
    .option('--from <url>', "report over the fleet: every host's synced spend in this PostgreSQL (see ccost sync), instead of this host's files")
    .option('--host <name>', 'only this host (its name in `ccost host`; useful with --from)');
}

/**
 * What a report reads of the rows (null: all of them, as blocks do), in which calendar and days: a
 * fleet database sums the rest away before sending rows.
 */
export interface ReportShape {
  needs: RowNeeds | null;
  calendar: Calendar;
  since?: string;
  until?: string;
}

/**
 * The rows a report is made from: this host's, or with --from the fleet's (fleet/fleet-view.ts),
 * costed alike; `fleet` names the hosts that synced (null for a local report).
 */
export async function loadReportRows(opts: SourceOptions & FleetOptions, shape: ReportShape): Promise<{ view: UsageView; rows: CostedRow[]; fleet: { hosts: FleetHost[] } | null }> {
  if (!opts.from) return { ...(await loadCostedRows(opts)), fleet: null };
  return withFleet(opts.from, async (client) => {
    const { view, hosts } = await fleetView(client, { range: shape.calendar.quarters(shape.since, shape.until), needs: shape.needs, calendar: shape.calendar });
    return { view, rows: costRows(view.rows, view.files, opts.mode), fleet: { hosts } };
  });
}

/**
 * The ledger a follower (tail) keeps current: the user's, or with --no-ledger (or when the user's
 * cannot be opened, with a note) a temporary one removed on exit.
 */
export function followerLedger(opts: SourceOptions): LedgerStore {
  if (opts.ledger !== false) {
    const path = typeof opts.ledger === 'string' ? opts.ledger : defaultLedgerPath();
    try {
      return openLedger(path);
    } catch (err) {
      process.stderr.write(`note: ${openFailure(err, path)}; following with a temporary ledger\n`);
    }
  }
  return temporaryLedger();
}

/** Why a ledger could not be opened (an unwritable cache folder, a ledger from a newer ccost...). */
function openFailure(err: unknown, path: string): string {
  return err instanceof LedgerError ? err.message : `cannot open the ledger ${path}: ${(err as Error).message}`;
}

/** A ledger in a fresh temporary folder, removed when the process exits. */
export function temporaryLedger(): LedgerStore {
  return openLedger(temporaryLedgerPath());
}

function temporaryLedgerPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ccost-follow-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'ledger.db');
}

/** Says what a ledger fault in a long-running command means, moving a damaged ledger aside; null when the error is no ledger fault. */
export function ledgerFaultNote(err: unknown, store: LedgerStore): string | null {
  const fault = ledgerFault(err);
  if (fault === null) return null;
  openLedgers.delete(store.path);
  let what = `the ledger ${store.path} ${FAULT_WORDS[fault]}`;
  if (fault === 'damaged') {
    try {
      store.db.close();
    } catch {
      // a damaged file may refuse even that
    }
    try {
      what += `; moved it to ${moveAside(store.path)}, and the next run rebuilds it`;
    } catch (moveErr) {
      what += ` and cannot be moved aside (${(moveErr as Error).message}); move or delete it`;
    }
  }
  return what;
}

/**
 * The totals of a command that keeps running (watch, alert --watch): each round after the first
 * takes the rows that changed from the live view (ledger/live-view.ts) into the totals it keeps,
 * instead of making the report again. With --no-ledger a follower keeps a temporary ledger (else
 * every round would read every file); while the ledger fails, a round reads the files.
 */
export class LiveUsage {
  private readonly slot: LiveSlot = { view: null, store: null, walk: true, changed: null, fault: null };
  private readonly dirs: string[];
  private readonly feed: TotalsFeed;
  private ledger: string | boolean;
  private temporary = false;

  /** `follow`: more rounds will come (else one view, made as a report would). */
  constructor(opts: SourceOptions, calendar: Calendar, follow: boolean) {
    this.dirs = dirsOf(opts);
    this.feed = new TotalsFeed(calendar, opts.mode, { project: opts.project, agent: opts.agent });
    this.ledger = follow && opts.ledger === false ? temporaryLedgerPath() : opts.ledger;
  }

  /**
   * `walk`: files or folders may have come or gone since the last round; `paths`: the only files that
   * may have changed (null: any). `changed` in the result: the totals may differ from the last round's.
   */
  async round(walk: boolean, paths: ReadonlySet<string> | null = null): Promise<{ view: UsageView; totals: LiveTotals; changed: boolean }> {
    this.slot.walk = walk;
    this.slot.changed = paths;
    const view = await loadView(this.dirs, this.ledger, this.slot);
    if (this.slot.fault) this.afterFault(this.slot.fault);
    return { view, ...this.feed.take(view) };
  }

  /** The folders the last round's walk listed (to be watched). */
  folders(): readonly string[] {
    return this.slot.view?.folders() ?? [];
  }

  /**
   * After a round whose ledger failed: a damaged one was moved aside and is rebuilt next round; any
   * other fault (full, I/O, read-only, busy, cannot open) would make every round read every file,
   * so the rounds go on with a temporary ledger, and if that fails too, from the files.
   */
  private afterFault(fault: LedgerFault | 'open'): void {
    this.slot.fault = null;
    if (fault === 'damaged' || this.ledger === false) return;
    if (this.temporary) {
      this.ledger = false;
      process.stderr.write('note: the temporary ledger failed too; each round reads the session files from now on\n');
      return;
    }
    this.temporary = true;
    this.ledger = temporaryLedgerPath();
    process.stderr.write('note: following on with a temporary ledger\n');
  }
}

/**
 * Follows the data folders until Ctrl-C or SIGTERM (or until `also` calls the stop it is handed):
 * each change is added to `pending` and `round` runs; after a round, the folders its walk listed are
 * the ones watched.
 */
export async function followFolders(dirs: readonly string[], pending: PendingChanges, round: () => Promise<void>, folders: () => readonly string[], also?: (stop: () => void) => void): Promise<void> {
  const follow = new FolderWatch({ dirs, ...FOLLOW_CADENCE }, (walk, paths) => {
    pending.add(walk, paths);
    void round().then(() => follow.follow(folders()));
  });
  follow.follow(folders());
  await new Promise<void>((resolve) => {
    const stop = () => {
      follow.close();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    also?.(stop);
  });
}

export function reportWarnings(warnings: FileWarnings[], verbose: boolean): void {
  const text = warningsText(warnings, verbose);
  if (text) process.stderr.write(text);
}

export function warningsText(warnings: FileWarnings[], verbose: boolean): string {
  let text = '';
  if (warnings.length === 0) return text;
  if (verbose) {
    for (const w of warnings) {
      const parts: string[] = [];
      if (w.error) parts.push(w.error);
      if (w.malformed) parts.push(`${w.malformed} malformed line(s)`);
      if (w.invalid) parts.push(`${w.invalid} invalid usage record(s)`);
      if (w.partialTail) parts.push('unfinished last line (not counted yet)');
      text += `warning: ${w.path}: ${parts.join(', ')}\n`;
    }
    return text;
  }
  const skipped = warnings.reduce((n, w) => n + w.malformed + w.invalid, 0);
  const unreadable = warnings.filter((w) => w.error).length;
  const bits = [];
  if (skipped) bits.push(`${skipped} line(s) skipped`);
  if (unreadable) bits.push(`${unreadable} path(s) unreadable`);
  if (bits.length) text += `note: ${bits.join(', ')} (run with --verbose for details)\n`;
  return text;
}

/** This process's command line, and what its replay check stat'ed (ledger/report-cache.ts). */
let invocation: { argv: readonly string[]; seen: SeenStats | undefined } | null = null;

export function setInvocation(argv: readonly string[], seen?: SeenStats): void {
  invocation = { argv, seen };
}

/** The replay check's stats, for the first walk only. */
function takeSeen(): SeenStats | undefined {
  const seen = invocation?.seen;
  if (invocation) invocation.seen = undefined;
  return seen;
}

/** Keeps a finished report for replay (never a reason to fail: it is only a cache). */
export function rememberOutput(ledger: string | boolean, view: UsageView, stdout: string, stderr: string): void {
  if (!invocation || ledger === false || !view.basis) return;
  try {
    keepReport(openLedger(typeof ledger === 'string' ? ledger : defaultLedgerPath()).db, invocation.argv, view.basis, view.warnings.some((w) => w.error), stdout, stderr, SETTLE_MS);
  } catch {
    // Only a cache.
  }
}
