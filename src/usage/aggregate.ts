/**
 * Deduplicated events → rollup rows → groups (report rows). Pure.
 *
 * A rollup row sums the events of one quarter hour (UTC), file, model, session, cwd and subagent
 * flag, with the cost under every cost mode. Every report (any time zone: zone offsets are multiples
 * of 15 minutes; any filter; any cost mode) can be computed exactly from rollup rows, which are far
 * fewer than events: the ledger stores them so that a run with nothing new never touches events.
 */
import type { CostMode, FileOrigin, TokenTotals, UsageEvent } from './types.js';
import { emptyTotals } from './types.js';
import { costOf, type Pricing } from './pricing.js';

/** Claude Code writes `<synthetic>` for locally generated messages: counted, never listed as a model. */
export const SYNTHETIC_MODEL = '<synthetic>';
export const NO_MODEL = '(no model)';
export const BUCKET_MS = 15 * 60 * 1000;

export interface RollupRow {
  /** Quarter hour since the epoch (UTC). */
  bucket: number;
  fileIndex: number;
  model: string;
  session: string;
  cwd: string | null;
  subagent: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  costAuto: number;
  costCalculate: number;
  costDisplay: number;
  /** Some event here needed a calculated price and the model has none (per mode; display never does). */
  unpricedAuto: boolean;
  unpricedCalculate: boolean;
  events: number;
  firstTimestamp: number;
  lastTimestamp: number;
}

/**
 * The one order views hand rows out in, whatever produced them (a full scan finishes files in thread
 * order; a ledger keeps, updates or rebuilds): sums of costs in floating point depend on the order,
 * and without it the same data gave totals differing in the 15th digit. Every row's key is unique.
 */
export function canonicalRowOrder(a: RollupRow, b: RollupRow): number {
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

export function rollup(events: Iterable<UsageEvent>, files: readonly FileOrigin[], pricing: Pricing): RollupRow[] {
  const rows = new Map<string, RollupRow>();
  for (const e of events) {
    const file = files[e.fileIndex]!;
    const bucket = Math.floor(e.timestamp / BUCKET_MS);
    const model = e.model ?? NO_MODEL;
    const session = sessionKey(e, file);
    const key = `${bucket}\u0000${e.fileIndex}\u0000${model}\u0000${session}\u0000${e.cwd ?? ''}\u0000${e.subagent ? 1 : 0}`;
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
        costAuto: 0,
        costCalculate: 0,
        costDisplay: 0,
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
    if (model !== SYNTHETIC_MODEL) {
      const auto = costOf(e, 'auto', pricing);
      const calc = costOf(e, 'calculate', pricing);
      r.costAuto += auto.cost;
      r.costCalculate += calc.cost;
      r.costDisplay += costOf(e, 'display', pricing).cost;
      r.unpricedAuto ||= auto.unpriced;
      r.unpricedCalculate ||= calc.unpriced;
    }
    r.events++;
    if (e.timestamp < r.firstTimestamp) r.firstTimestamp = e.timestamp;
    if (e.timestamp > r.lastTimestamp) r.lastTimestamp = e.timestamp;
  }
  return [...rows.values()];
}

export function costIn(r: RollupRow, mode: CostMode): number {
  return mode === 'auto' ? r.costAuto : mode === 'calculate' ? r.costCalculate : r.costDisplay;
}

export function unpricedModels(rows: readonly RollupRow[], mode: CostMode): string[] {
  const out = new Set<string>();
  for (const r of rows) if (mode === 'auto' ? r.unpricedAuto : mode === 'calculate' ? r.unpricedCalculate : false) out.add(r.model);
  return [...out].sort();
}

/** Rows bound to their file, with the cost of the chosen mode: what reports work on. */
export interface CostedRow {
  row: RollupRow;
  file: FileOrigin;
  cost: number;
}

export function costRows(rows: readonly RollupRow[], files: readonly FileOrigin[], mode: CostMode): CostedRow[] {
  return rows.map((row) => ({ row, file: files[row.fileIndex]!, cost: costIn(row, mode) }));
}

export function addTo(t: TokenTotals, r: RollupRow, cost: number): void {
  t.inputTokens += r.inputTokens;
  t.outputTokens += r.outputTokens;
  t.cacheCreationTokens += r.cacheCreationTokens;
  t.cacheReadTokens += r.cacheReadTokens;
  t.totalTokens += r.totalTokens;
  t.totalCost += cost;
}

export interface Group {
  key: string;
  totals: TokenTotals;
  /** Per-model totals, without `<synthetic>`. */
  models: Map<string, TokenTotals>;
  /** Tokens and cost of subagent usage inside this group. */
  subagent: TokenTotals;
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
        totals: emptyTotals(),
        models: new Map(),
        subagent: emptyTotals(),
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
      if (!m) g.models.set(r.model, (m = emptyTotals()));
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

export function sumTotals(rows: readonly CostedRow[]): TokenTotals {
  const t = emptyTotals();
  for (const c of rows) addTo(t, c.row, c.cost);
  return t;
}
