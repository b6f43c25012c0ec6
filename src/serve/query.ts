/**
 * The server's API answers, from the rows and totals the live state holds: the same filters,
 * grouping and `totals` objects as the reports' JSON (reports/build.ts), so that the page, the API
 * and `ccost <report> --json` never disagree. Parameters are checked here; a mistake is an ApiError
 * (a 400). Pure.
 */
import { activeBlock, type Block } from '../usage/blocks.js';
import { agentOf, BUCKET_MS, groupBy, NO_MODEL, sumTotals, TOKEN_KINDS, totalsOf, unpricedModels, type CostedRow } from '../usage/aggregate.js';
import { EFFICIENCY_BY, type EfficiencyBy } from '../usage/efficiency.js';
import { CostSum } from '../usage/money.js';
import type { LiveTotals } from '../usage/live-totals.js';
import { evaluate, type AlertRules, type Level } from '../live/alerts.js';
import type { GuardDoc } from '../live/guard.js';
import { filterRows, filterTest, keyFor, NO_TEAM, type ReportFilters } from '../reports/build.js';
import { Calendar, InvalidTimeZoneError, parseDateArg, validateTimeZone } from '../usage/time.js';
import type { CostMode, FileOrigin, FileWarnings, TokenTotals, UsageEvent } from '../usage/types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Every endpoint's filters. */
const FILTERS = ['since', 'until', 'tz', 'agent', 'team', 'project', 'model', 'host'] as const;

export interface ApiQuery {
  calendar: Calendar;
  filters: ReportFilters;
  params: URLSearchParams;
}

export const BY = ['agent', 'team', 'model', 'project', 'host', 'type'] as const;
export type By = (typeof BY)[number];
export const BUCKETS = ['hour', 'day', 'week', 'month'] as const;
export type Bucket = (typeof BUCKETS)[number];

/** Hour buckets span at most 31 days, day buckets 2 years; lists hold at most 200 entries. */
const MAX_SPAN_DAYS: Record<Bucket, number> = { hour: 31, day: 731, week: 3660, month: 3660 };
export const MAX_LIMIT = 200;

const calendars = new Map<string, Calendar>();

/** The filters of a request, and its own parameters (`extra`); anything else is a 400. */
export function parseQuery(params: URLSearchParams, extra: readonly string[], defaultZone: string): ApiQuery {
  for (const k of params.keys()) if (!(FILTERS as readonly string[]).includes(k) && !extra.includes(k)) throw new ApiError(400, 'unknown_parameter', `unknown parameter "${k}"`);
  const one = (k: string) => {
    const all = params.getAll(k);
    if (all.length > 1) throw new ApiError(400, 'repeated_parameter', `parameter "${k}" is given more than once`);
    return all[0] === '' ? undefined : all[0];
  };
  let zone: string;
  try {
    zone = validateTimeZone(one('tz') ?? defaultZone);
  } catch (err) {
    if (err instanceof InvalidTimeZoneError) throw new ApiError(400, 'bad_time_zone', err.message);
    throw err;
  }
  let calendar = calendars.get(zone);
  if (!calendar) calendars.set(zone, (calendar = new Calendar(zone)));
  const date = (k: 'since' | 'until') => {
    const v = one(k);
    if (v === undefined) return undefined;
    const d = parseDateArg(v);
    if (!d) throw new ApiError(400, 'bad_date', `"${k}" must be a date (YYYY-MM-DD), not "${v}"`);
    return d;
  };
  const filters: ReportFilters = { since: date('since'), until: date('until'), agent: one('agent'), team: one('team'), project: one('project'), model: one('model'), host: one('host') };
  if (filters.since && filters.until && filters.since > filters.until) throw new ApiError(400, 'bad_range', '"since" is after "until"');
  return { calendar, filters, params };
}

export function choice<T extends string>(q: ApiQuery, name: string, allowed: readonly T[], fallback: T): T {
  const v = q.params.get(name);
  if (v === null || v === '') return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new ApiError(400, `bad_${name}`, `"${name}" must be one of ${allowed.join(', ')}, not "${v}"`);
  return v as T;
}

export function count(q: ApiQuery, name: string, fallback: number, max: number): number {
  const v = q.params.get(name);
  if (v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ApiError(400, `bad_${name}`, `"${name}" must be a whole number from 1 to ${max}, not "${v}"`);
  return n;
}

/** What the rows are grouped by: the report kinds' keys, and the host. */
function keyOfBy(by: Exclude<By, 'type'>, calendar: Calendar): (c: CostedRow) => string {
  return by === 'host' ? (c) => c.file.host : keyFor(by, calendar);
}

export interface BreakdownRow extends TokenTotals {
  key: string;
  sessions: number;
  lastActivity: string;
}

/** `breakdown?by=`: a row per key (by cost, largest first), and the totals of all. */
export function breakdown(rows: readonly CostedRow[], q: ApiQuery): { by: By; rows: Array<BreakdownRow | { key: string; tokens: number }>; totals: TokenTotals } {
  const by = choice(q, 'by', BY, 'agent');
  const selected = filterRows(rows, q.calendar, q.filters);
  const totals = totalsOf(sumTotals(selected));
  if (by === 'type') return { by, rows: TOKEN_KINDS.map(([key, field]) => ({ key, tokens: totals[field] })), totals };
  const out = groupBy(selected, keyOfBy(by, q.calendar))
    .filter((g) => by !== 'model' || g.models.size > 0)
    .map((g) => ({ key: g.key, ...totalsOf(g.totals), sessions: g.sessions.size, lastActivity: new Date(g.lastTimestamp).toISOString() }))
    .sort((a, b) => b.totalCost - a.totalCost || a.key.localeCompare(b.key));
  return { by, rows: out, totals };
}

/** Start of the bucket holding an instant, in local time, as `YYYY-MM-DD` or the ISO instant a local hour starts. */
function bucketKey(bucket: Bucket, calendar: Calendar, ms: number): string {
  if (bucket === 'hour') return new Date(calendar.hour(ms)).toISOString();
  return bucket === 'day' ? calendar.day(ms) : bucket === 'week' ? calendar.week(ms) : calendar.month(ms);
}

/**
 * `series?by=&bucket=&top=`: cost (tokens, for `by=type`) per bucket for the `top` keys by total,
 * the rest summed as `other`. Buckets are those holding usage, oldest first; hours are local hours
 * (in a half-hour zone they start at half past a UTC hour).
 */
export function series(rows: readonly CostedRow[], q: ApiQuery): { by: By; bucket: Bucket; t: string[]; series: Array<{ key: string; values: number[] }>; other: number[]; totals: TokenTotals } {
  const by = choice(q, 'by', BY, 'agent');
  const bucket = choice(q, 'bucket', BUCKETS, 'day');
  const top = count(q, 'top', 8, 50);
  const selected = filterRows(rows, q.calendar, q.filters);
  if (selected.length > 0) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of selected) {
      lo = Math.min(lo, c.row.bucket);
      hi = Math.max(hi, c.row.bucket);
    }
    const days = ((hi - lo) * BUCKET_MS) / 86_400_000;
    if (days > MAX_SPAN_DAYS[bucket]) throw new ApiError(400, 'span_too_long', `${bucket} buckets span at most ${MAX_SPAN_DAYS[bucket]} days; this selection spans ${Math.ceil(days)}: narrow it with since and until`);
  }
  const totals = totalsOf(sumTotals(selected));
  // Per bucket and key: the exact cost and the tokens.
  const cells = new Map<string, Map<string, Cell>>();
  const add = (t: string, key: string, units: number, tokens: number) => {
    let row = cells.get(t);
    if (!row) cells.set(t, (row = new Map()));
    let cell = row.get(key);
    if (!cell) row.set(key, (cell = { cost: new CostSum(), tokens: 0 }));
    cell.cost.add(units);
    cell.tokens += tokens;
  };
  const keyOf = by === 'type' ? null : keyOfBy(by, q.calendar);
  // Rows share quarter hours: each one's bucket is found once.
  const bucketOf = new Map<number, string>();
  for (const c of selected) {
    let t = bucketOf.get(c.row.bucket);
    if (t === undefined) bucketOf.set(c.row.bucket, (t = bucketKey(bucket, q.calendar, c.row.bucket * BUCKET_MS)));
    if (keyOf) add(t, keyOf(c), c.cost, c.row.totalTokens);
    else for (const [key, field] of TOKEN_KINDS) add(t, key, 0, c.row[field]);
  }
  const value = (cell: Cell | undefined) => (cell === undefined ? 0 : by === 'type' ? cell.tokens : cell.cost.usd());
  const t = [...cells.keys()].sort();
  const sums = new Map<string, CostSum>();
  for (const row of cells.values())
    for (const [key, cell] of row) {
      let sum = sums.get(key);
      if (!sum) sums.set(key, (sum = new CostSum()));
      sum.addSum(cell.cost);
    }
  const keys = [...sums].map(([k, sum]) => [k, sum.usd()] as const).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  const shown = by === 'type' ? TOKEN_KINDS.map(([k]) => k) : keys.slice(0, top);
  const rest = keys.filter((k) => !shown.includes(k));
  return {
    by,
    bucket,
    t,
    series: shown.map((key) => ({ key, values: t.map((x) => value(cells.get(x)!.get(key))) })),
    other: t.map((x) => {
      const sum = new CostSum();
      for (const k of rest) {
        const cell = cells.get(x)!.get(k);
        if (cell) sum.addSum(cell.cost);
      }
      return sum.usd();
    }),
    totals,
  };
}

interface Cell {
  cost: CostSum;
  tokens: number;
}

/** `sessions?order=cost|recent&limit=`: the sessions, as `ccost session --json` lists them. */
export function sessions(rows: readonly CostedRow[], q: ApiQuery): { sessions: Array<Record<string, unknown>>; totals: TokenTotals } {
  const order = choice(q, 'order', ['cost', 'recent'] as const, 'cost');
  const limit = count(q, 'limit', 50, MAX_LIMIT);
  const selected = filterRows(rows, q.calendar, q.filters);
  // Thousands of sessions, of which `limit` are shown: ordered by their cost or last activity first,
  // and only those shown made whole (making every one cost ~13 MiB a request at 1 GiB).
  const rank = new Map<string, { cost: CostSum; last: number }>();
  for (const c of selected) {
    let o = rank.get(c.row.session);
    if (!o) rank.set(c.row.session, (o = { cost: new CostSum(), last: c.row.lastTimestamp }));
    o.cost.add(c.cost);
    if (c.row.lastTimestamp > o.last) o.last = c.row.lastTimestamp;
  }
  const keyed = [...rank].map(([id, o]) => ({ id, cost: o.cost.usd(), last: o.last }));
  keyed.sort((a, b) => (order === 'cost' ? b.cost - a.cost : b.last - a.last) || a.id.localeCompare(b.id));
  const shown = new Set(keyed.slice(0, limit).map((k) => k.id));
  const list = groupBy(selected.filter((c) => shown.has(c.row.session)), keyFor('session', q.calendar)).map((g) => ({
    sessionId: g.key,
    ...totalsOf(g.totals),
    agent: agentOf(g.file),
    team: g.file.team ?? NO_TEAM,
    project: g.file.project,
    models: [...g.models.keys()].sort(),
    firstActivity: new Date(g.firstTimestamp).toISOString(),
    lastActivity: new Date(g.lastTimestamp).toISOString(),
    last: g.lastTimestamp,
  }));
  list.sort((a, b) => (order === 'cost' ? b.totalCost - a.totalCost : b.last - a.last) || a.sessionId.localeCompare(b.sessionId));
  return { sessions: list.map(({ last: _l, ...s }) => s), totals: totalsOf(sumTotals(selected)) };
}

/** `sessions/{id}`: one session by model and in 15-minute steps; null when no row has it. */
export function session(rows: readonly CostedRow[], q: ApiQuery, id: string): Record<string, unknown> | null {
  const mine = filterRows(rows, q.calendar, q.filters).filter((c) => c.row.session === id);
  if (mine.length === 0) return null;
  const [g] = groupBy(mine, () => id);
  const steps = new Map<number, CostSum>();
  for (const c of mine) {
    let sum = steps.get(c.row.bucket);
    if (!sum) steps.set(c.row.bucket, (sum = new CostSum()));
    sum.add(c.cost);
  }
  return {
    sessionId: id,
    ...totalsOf(g!.totals),
    agent: agentOf(g!.file),
    team: g!.file.team ?? NO_TEAM,
    project: g!.file.project,
    firstActivity: new Date(g!.firstTimestamp).toISOString(),
    lastActivity: new Date(g!.lastTimestamp).toISOString(),
    byModel: [...g!.models].map(([model, t]) => ({ model, ...totalsOf(t) })).sort((a, b) => b.totalCost - a.totalCost || a.model.localeCompare(b.model)),
    quarterHours: [...steps].sort((a, b) => a[0] - b[0]).map(([b, sum]) => ({ t: new Date(b * BUCKET_MS).toISOString(), cost: sum.usd() })),
  };
}

/**
 * `efficiency?by=`: which responses the report takes (the same filters as every endpoint, applied to
 * each response as filterRows applies them to its row), and the grouping.
 */
export function efficiencyQuery(q: ApiQuery): { by: EfficiencyBy; keep: (e: UsageEvent, f: FileOrigin) => boolean; all: boolean } {
  const by = choice(q, 'by', EFFICIENCY_BY, 'agent');
  const test = filterTest(q.calendar, q.filters);
  const keep = (e: UsageEvent, file: FileOrigin) => !test || test(Math.floor(e.timestamp / BUCKET_MS), e.model ?? NO_MODEL, e.cwd, file);
  return { by, keep, all: test === null };
}

export interface SummaryInputs {
  rows: readonly CostedRow[];
  /** Totals of every row (no filter), kept current by the live state. */
  totals: LiveTotals;
  /** The server's own zone: `totals` are in it. */
  zone: string;
  rules: AlertRules | null;
  /** What the budget guard (alert --on-exceeded) holds, as its state file says. */
  guard: GuardDoc | null;
  mode: CostMode;
  warnings: FileWarnings[];
  ledgerSeq: number;
  now: number;
}

export interface BudgetState {
  rule: string;
  limit: number;
  spent: number;
  state: Level;
  /** What the budget does when exceeded; `held`: the containers the guard paused or stopped for it in this period. */
  action: string;
  held: string[];
}

/** `summary`: today, this month and all time (each the `totals` of the matching report), burn rate, the active block, budgets. */
export function summary(q: ApiQuery, s: SummaryInputs): Record<string, unknown> {
  const cal = q.calendar;
  const selected = filterRows(s.rows, cal, q.filters);
  const today = cal.day(s.now);
  const month = cal.month(s.now);
  const within = (from: string, to: string) => totalsOf(sumTotals(filterRows(selected, cal, { since: from, until: to })));
  const unfiltered = Object.values(q.filters).every((v) => v === undefined);
  // The live totals hold every row: a filtered summary finds its block among its own rows.
  const block: Block | null = unfiltered ? s.totals.activeBlock(s.now) : activeBlock(selected, s.now);
  const budgets: BudgetState[] = [];
  if (s.rules)
    for (const r of evaluate(s.rules, s.totals, cal.timeZone === s.zone ? cal : new Calendar(s.zone), s.now))
      if (r.budget) {
        const held = s.guard?.records.filter((g) => g.rule === r.rule && g.period === r.period && !g.done).flatMap((g) => g.held.filter((i) => !g.released.includes(i))) ?? [];
        budgets.push({ rule: r.rule, limit: r.limit, spent: r.value, state: r.level, action: r.budget.action, held });
      }
  return {
    timezone: cal.timeZone,
    ledgerSeq: s.ledgerSeq,
    today: within(today, today),
    month: within(`${month}-01`, `${month}-31`),
    allTime: totalsOf(sumTotals(selected)),
    burnRate: block?.burnRate ?? { costPerHour: 0, tokensPerMinute: 0 },
    activeBlock: block,
    budgets,
    unpricedModels: unpricedModels(selected.map((c) => c.row), s.mode),
    warnings: s.warnings,
  };
}
