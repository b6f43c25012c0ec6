/**
 * Deduplicated events → rollup rows → groups (report rows). Pure.
 *
 * A rollup row sums the events of one quarter hour (UTC), file, model, session, cwd and subagent
 * flag, with the cost under every cost mode. Every report (any time zone: zone offsets are multiples
 * of 15 minutes; any filter; any cost mode) can be computed exactly from rollup rows, which are far
 * fewer than events: the ledger stores them so that a run with nothing new never touches events.
 */
import type { CostMode, FileOrigin, FilePos, FileRef, TokenTotals, UsageEvent } from './types.js';
import { costOf, type Pricing } from './pricing.js';
import { addUnits, CostSum, toUnits, ZERO_UNITS, type CostUnits } from './money.js';

/** Claude Code writes `<synthetic>` for locally generated messages: counted, never listed as a model. */
export const SYNTHETIC_MODEL = '<synthetic>';
export const NO_MODEL = '(no model)';
export const BUCKET_MS = 15 * 60 * 1000;

/** Rows bound to view places (FilePos) are what reports take; the ledger keeps them by file id. */
export interface RollupRow<F extends FileRef = FilePos> {
  /** Quarter hour since the epoch (UTC). */
  bucket: number;
  fileIndex: F;
  model: string;
  session: string;
  cwd: string | null;
  subagent: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  /** Cost under each mode, exact (a row's sum stays far below 2^52 units: see parse.ts's count bound). */
  costAuto: CostUnits;
  costCalculate: CostUnits;
  costDisplay: CostUnits;
  /** Some event here needed a calculated price and the model has none (per mode; display never does). */
  unpricedAuto: boolean;
  unpricedCalculate: boolean;
  events: number;
  firstTimestamp: number;
  lastTimestamp: number;
}

/**
 * The one order views hand rows out in, whatever produced them (a full scan finishes files in thread
 * order; a ledger keeps, updates or rebuilds), so that lists of equal keys come out alike. Every
 * row's key is unique. (Sums no longer depend on it: costs are exact integers.)
 */
export function canonicalRowOrder(a: RollupRow<FileRef>, b: RollupRow<FileRef>): number {
  return (
    a.fileIndex - b.fileIndex ||
    a.bucket - b.bucket ||
    compareText(a.model, b.model) ||
    compareText(a.session, b.session) ||
    compareText(a.cwd ?? '', b.cwd ?? '') ||
    Number(a.subagent) - Number(b.subagent)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Session an event belongs to: its own sessionId, else the one in its path, else the file itself. */
export function sessionKey(e: UsageEvent, file: FileOrigin): string {
  return e.sessionId ?? file.pathSessionId ?? file.path;
}

/** One response's cost in one mode, as every report and `tail` count it: `<synthetic>` costs nothing. */
export function eventCost(e: UsageEvent, mode: CostMode, pricing: Pricing): { units: CostUnits; unpriced: boolean } {
  if (e.model === SYNTHETIC_MODEL) return { units: ZERO_UNITS, unpriced: false };
  const { cost, unpriced } = costOf(e, mode, pricing);
  return { units: toUnits(cost), unpriced };
}

export function rollup<F extends FileRef>(events: Iterable<UsageEvent<F>>, files: ReadonlyArray<FileOrigin | undefined>, pricing: Pricing): RollupRow<F>[] {
  const rows = new Map<string, RollupRow<F>>();
  for (const e of events) {
    const file = files[e.fileIndex]!;
    const bucket = Math.floor(e.timestamp / BUCKET_MS);
    const model = e.model ?? NO_MODEL;
    const session = sessionKey(e, file);
    const key = keyOf(bucket, e.fileIndex, model, session, e.cwd, e.subagent);
    let r = rows.get(key);
    if (!r) {
      r = {
        bucket,
        fileIndex: e.fileIndex,
        model,
        session,
        cwd: e.cwd,
        subagent: e.subagent,
        inputTokens: 0,
        outputTokens: 0,
        cacheCreationTokens: 0,
        cacheReadTokens: 0,
        totalTokens: 0,
        costAuto: ZERO_UNITS,
        costCalculate: ZERO_UNITS,
        costDisplay: ZERO_UNITS,
        unpricedAuto: false,
        unpricedCalculate: false,
        events: 0,
        firstTimestamp: e.timestamp,
        lastTimestamp: e.timestamp,
      };
      rows.set(key, r);
    }
    const write = e.cacheWrite5mTokens + e.cacheWrite1hTokens;
    r.inputTokens += e.inputTokens;
    r.outputTokens += e.outputTokens;
    r.cacheCreationTokens += write;
    r.cacheReadTokens += e.cacheReadTokens;
    r.totalTokens += e.inputTokens + e.outputTokens + write + e.cacheReadTokens + e.unsplitTokens;
    const auto = eventCost(e, 'auto', pricing);
    const calc = eventCost(e, 'calculate', pricing);
    r.costAuto = addUnits(r.costAuto, auto.units);
    r.costCalculate = addUnits(r.costCalculate, calc.units);
    r.costDisplay = addUnits(r.costDisplay, eventCost(e, 'display', pricing).units);
    r.unpricedAuto ||= auto.unpriced;
    r.unpricedCalculate ||= calc.unpriced;
    r.events++;
    if (e.timestamp < r.firstTimestamp) r.firstTimestamp = e.timestamp;
    if (e.timestamp > r.lastTimestamp) r.lastTimestamp = e.timestamp;
  }
  return [...rows.values()];
}

/** What makes a row: the events of one file with the same key are summed into one row. */
function keyOf(bucket: number, fileIndex: number, model: string, session: string, cwd: string | null, subagent: boolean): string {
  return `${bucket}\u0000${fileIndex}\u0000${model}\u0000${session}\u0000${cwd ?? ''}\u0000${subagent ? 1 : 0}`;
}

/**
 * One file's rows with `more` (rows of more events of the same file) summed in, as rollup() would
 * have made them from all the events: a row whose key both have becomes a new row (no row is changed
 * in place), the others stay the same objects. Exact: costs are whole units.
 */
export function mergeRows<F extends FileRef>(rows: readonly RollupRow<F>[], more: readonly RollupRow<F>[]): RollupRow<F>[] {
  const byKey = new Map(rows.map((r) => [keyOf(r.bucket, r.fileIndex, r.model, r.session, r.cwd, r.subagent), r] as const));
  for (const m of more) {
    const key = keyOf(m.bucket, m.fileIndex, m.model, m.session, m.cwd, m.subagent);
    const r = byKey.get(key);
    byKey.set(
      key,
      !r
        ? m
        : {
            ...r,
            inputTokens: r.inputTokens + m.inputTokens,
            outputTokens: r.outputTokens + m.outputTokens,
            cacheCreationTokens: r.cacheCreationTokens + m.cacheCreationTokens,
            cacheReadTokens: r.cacheReadTokens + m.cacheReadTokens,
            totalTokens: r.totalTokens + m.totalTokens,
            costAuto: addUnits(r.costAuto, m.costAuto),
            costCalculate: addUnits(r.costCalculate, m.costCalculate),
            costDisplay: addUnits(r.costDisplay, m.costDisplay),
            unpricedAuto: r.unpricedAuto || m.unpricedAuto,
            unpricedCalculate: r.unpricedCalculate || m.unpricedCalculate,
            events: r.events + m.events,
            firstTimestamp: Math.min(r.firstTimestamp, m.firstTimestamp),
            lastTimestamp: Math.max(r.lastTimestamp, m.lastTimestamp),
          },
    );
  }
  return [...byKey.values()];
}

/** The same rows bound to another index space (in place: the ledger's rows become a view's, say). */
export function bindRows<F extends FileRef>(rows: RollupRow<FileRef>[], to: F): RollupRow<F>[] {
  for (const r of rows) r.fileIndex = to;
  return rows as RollupRow<F>[];
}

/**
 * A copy of a row bound to another place: written out field by field, in the order decodeRows makes
 * them, so that copies share the rows' shape (with spread copies, copying 22,000 rows allocated
 * 12 MiB a round, against 8 MiB).
 */
export function reboundRow<F extends FileRef>(r: RollupRow<FileRef>, to: F): RollupRow<F> {
  return {
    bucket: r.bucket,
    fileIndex: to,
    model: r.model,
    session: r.session,
    cwd: r.cwd,
    subagent: r.subagent,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cacheCreationTokens: r.cacheCreationTokens,
    cacheReadTokens: r.cacheReadTokens,
    totalTokens: r.totalTokens,
    costAuto: r.costAuto,
    costCalculate: r.costCalculate,
    costDisplay: r.costDisplay,
    unpricedAuto: r.unpricedAuto,
    unpricedCalculate: r.unpricedCalculate,
    events: r.events,
    firstTimestamp: r.firstTimestamp,
    lastTimestamp: r.lastTimestamp,
  };
}

export function costIn(r: RollupRow<FileRef>, mode: CostMode): CostUnits {
  return mode === 'auto' ? r.costAuto : mode === 'calculate' ? r.costCalculate : r.costDisplay;
}

export function unpricedModels(rows: readonly RollupRow<FileRef>[], mode: CostMode): string[] {
  const out = new Set<string>();
  for (const r of rows) if (mode === 'auto' ? r.unpricedAuto : mode === 'calculate' ? r.unpricedCalculate : false) out.add(r.model);
  return [...out].sort();
}

/** Rows bound to their file, with the cost of the chosen mode: what reports work on. */
export interface CostedRow {
  row: RollupRow;
  file: FileOrigin;
  cost: CostUnits;
}

/**
 * `reuse`: the costed rows of an earlier call with the same mode; a row object seen there, bound to
 * the same file, is taken as it was (a live view hands on most of its rows unchanged each round).
 */
export function costRows(rows: readonly RollupRow[], files: readonly FileOrigin[], mode: CostMode, reuse?: WeakMap<RollupRow, CostedRow>): CostedRow[] {
  if (!reuse) return rows.map((row) => ({ row, file: files[row.fileIndex]!, cost: costIn(row, mode) }));
  return rows.map((row) => {
    const file = files[row.fileIndex]!;
    let c = reuse.get(row);
    if (c?.file !== file) reuse.set(row, (c = { row, file, cost: costIn(row, mode) }));
    return c;
  });
}

/** The kinds of tokens, as metrics and the API name them, and the field of each in rows and totals. */
export const TOKEN_KINDS = [
  ['input', 'inputTokens'],
  ['output', 'outputTokens'],
  ['cacheRead', 'cacheReadTokens'],
  ['cacheCreation', 'cacheCreationTokens'],
] as const;

/** Totals being summed: tokens, and the cost as an exact sum (TokenTotals is what goes out). */
export interface Tally {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  cost: CostSum;
}

export function emptyTally(): Tally {
  return { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, cost: new CostSum() };
}

export function addTo(t: Tally, r: RollupRow, cost: CostUnits): void {
  t.inputTokens += r.inputTokens;
  t.outputTokens += r.outputTokens;
  t.cacheCreationTokens += r.cacheCreationTokens;
  t.cacheReadTokens += r.cacheReadTokens;
  t.totalTokens += r.totalTokens;
  t.cost.add(cost);
}

export function addTally(t: Tally, o: Tally): void {
  t.inputTokens += o.inputTokens;
  t.outputTokens += o.outputTokens;
  t.cacheCreationTokens += o.cacheCreationTokens;
  t.cacheReadTokens += o.cacheReadTokens;
  t.totalTokens += o.totalTokens;
  t.cost.addSum(o.cost);
}

/** The output shape: the cost rounded once, here. */
export function totalsOf(t: Tally): TokenTotals {
  return {
    inputTokens: t.inputTokens,
    outputTokens: t.outputTokens,
    cacheCreationTokens: t.cacheCreationTokens,
    cacheReadTokens: t.cacheReadTokens,
    totalTokens: t.totalTokens,
    totalCost: t.cost.usd(),
  };
}

export interface Group {
  key: string;
  totals: Tally;
  /** Per-model totals, without `<synthetic>`. */
  models: Map<string, Tally>;
  /** Tokens and cost of subagent usage inside this group. */
  subagent: Tally;
  agents: Set<string>;
  projects: Set<string>;
  cwds: Set<string>;
  sessions: Set<string>;
  firstTimestamp: number;
  lastTimestamp: number;
  events: number;
  /** The first row's file: reports use it for per-row attribution (team, role, mode...). */
  file: FileOrigin;
}

/** Name of the agent (container instance) a file belongs to; host sessions are `host`. */
export function agentOf(file: FileOrigin): string {
  return file.instance ?? 'host';
}

export function groupBy(rows: readonly CostedRow[], keyOf: (c: CostedRow) => string): Group[] {
  const groups = new Map<string, Group>();
  for (const c of rows) {
    const key = keyOf(c);
    const r = c.row;
    let g = groups.get(key);
    if (!g) {
      g = {
        key,
        totals: emptyTally(),
        models: new Map(),
        subagent: emptyTally(),
        agents: new Set(),
        projects: new Set(),
        cwds: new Set(),
        sessions: new Set(),
        firstTimestamp: r.firstTimestamp,
        lastTimestamp: r.lastTimestamp,
        events: 0,
        file: c.file,
      };
      groups.set(key, g);
    }
    addTo(g.totals, r, c.cost);
    if (r.subagent) addTo(g.subagent, r, c.cost);
    if (r.model !== SYNTHETIC_MODEL) {
      let m = g.models.get(r.model);
      if (!m) g.models.set(r.model, (m = emptyTally()));
      addTo(m, r, c.cost);
    }
    g.agents.add(agentOf(c.file));
    g.projects.add(c.file.project);
    if (r.cwd) g.cwds.add(r.cwd);
    g.sessions.add(r.session);
    if (r.firstTimestamp < g.firstTimestamp) g.firstTimestamp = r.firstTimestamp;
    if (r.lastTimestamp > g.lastTimestamp) g.lastTimestamp = r.lastTimestamp;
    g.events += r.events;
  }
  return [...groups.values()];
}

export function sumTotals(rows: readonly CostedRow[]): Tally {
  const t = emptyTally();
  for (const c of rows) addTo(t, c.row, c.cost);
  return t;
}
