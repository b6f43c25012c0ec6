/**
 * `/metrics`: Prometheus text from the live state. Cost and tokens keep the names the OpenTelemetry
 * Collector gives Claude Code's own metrics, so dashboards built for those read these; the rest are
 * ours. Counters are raised on each scrape by what the ledger gained since the last, and never
 * lowered (a truncated file takes nothing back from a counter). No session, user or request ids as
 * labels, and at most MAX_SERIES series per counter (the smallest agents are summed as `_other`).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { agentOf, SYNTHETIC_MODEL, TOKEN_KINDS, type CostedRow } from '../usage/aggregate.js';
import { CostSum } from '../usage/money.js';
import type { LiveTotals } from '../usage/live-totals.js';
import type { AlertRules, Level } from '../live/alerts.js';
import { evaluate } from '../live/alerts.js';
import type { Calendar } from '../usage/time.js';
import type { FileOrigin, FileWarnings } from '../usage/types.js';

export const MAX_SERIES = 10_000;
const LEVEL_NUMBER: Record<Level, number> = { ok: 0, warning: 1, exceeded: 2 };

/** What a scrape reads: the state as of the last round. */
export interface MetricsInputs {
  rows: readonly CostedRow[];
  totals: LiveTotals;
  warnings: readonly FileWarnings[];
  rules: AlertRules | null;
  calendar: Calendar;
  now: number;
}

type Labels = { model: string; agent: string; team: string; host: string };

interface Sums {
  cost: CostSum;
  tokens: Record<(typeof TOKEN_KINDS)[number][0], number>;
  requests: number;
}

/**
 * At most MAX_SERIES entries: the largest MAX_SERIES - 1 (by `size`, then key) as they are, the rest
 * summed into one (`rest`, null when nothing had to be), and how many were summed.
 */
function capped<V>(entries: ReadonlyArray<readonly [string, V]>, size: (v: V) => number, sum: (a: V, b: V) => V): { kept: ReadonlyArray<readonly [string, V]>; rest: V | null; dropped: number } {
  if (entries.length <= MAX_SERIES) return { kept: entries, rest: null, dropped: 0 };
  const sorted = [...entries].sort((a, b) => size(b[1]) - size(a[1]) || (a[0] < b[0] ? -1 : 1));
  const folded = sorted.slice(MAX_SERIES - 1);
  return { kept: sorted.slice(0, MAX_SERIES - 1), rest: folded.map(([, v]) => v).reduce(sum), dropped: folded.length };
}

export class Metrics {
  readonly registry = new Registry();
  /** Each counter's series and the value it was last raised to. */
  private readonly raised = new Map<Counter<string>, Map<string, { labels: Record<string, string>; value: number }>>();
  private cached: { rows: readonly CostedRow[]; sums: Map<string, Sums>; sessions: Map<string, number>; dropped: number; last: number } | null = null;

  constructor(read: () => MetricsInputs) {
    const reg = this.registry;
    const cost = new Counter({ name: 'claude_code_cost_usage_USD_total', help: 'Cost of the usage counted (every agent, deduplicated), USD', labelNames: ['model', 'agent', 'team', 'host'], registers: [reg] });
    const tokens = new Counter({ name: 'claude_code_token_usage_tokens_total', help: 'Tokens counted, by type', labelNames: ['type', 'model', 'agent', 'team', 'host'], registers: [reg] });
    const sessions = new Counter({ name: 'claude_code_session_count_total', help: 'Sessions with counted usage', labelNames: ['agent', 'team', 'host'], registers: [reg] });
    const requests = new Counter({ name: 'ccost_requests_total', help: 'Responses counted (API requests answered)', labelNames: ['model', 'agent', 'team', 'host'], registers: [reg] });
    const skipped = new Counter({ name: 'ccost_skipped_lines_total', help: 'Session file lines skipped, by reason', labelNames: ['reason'], registers: [reg] });
    const period = new Gauge({ name: 'ccost_period_cost_usd', help: 'Spend in the current day, week and month (in the server time zone), by agent', labelNames: ['period', 'agent', 'team'], registers: [reg] });
    const block = new Gauge({ name: 'ccost_block_cost_usd', help: 'Cost of the active 5-hour block', registers: [reg] });
    const projected = new Gauge({ name: 'ccost_block_projected_cost_usd', help: 'Where the burn rate takes the active block by its end', registers: [reg] });
    const burn = new Gauge({ name: 'ccost_burn_rate_usd_per_hour', help: 'Burn rate of the active block', registers: [reg] });
    const limit = new Gauge({ name: 'ccost_budget_limit_usd', help: 'Budget limits', labelNames: ['rule'], registers: [reg] });
    const spent = new Gauge({ name: 'ccost_budget_spent_usd', help: 'Spend against each budget in its current period', labelNames: ['rule'], registers: [reg] });
    const state = new Gauge({ name: 'ccost_budget_state', help: 'Budget state: 0 ok, 1 warning, 2 exceeded', labelNames: ['rule'], registers: [reg] });
    const last = new Gauge({ name: 'ccost_last_event_timestamp_seconds', help: 'Time of the last counted response', registers: [reg] });
    const dropped = new Gauge({ name: 'ccost_metrics_series_dropped', help: `Label sets summed into agent="_other" to stay within ${MAX_SERIES} series`, registers: [reg] });

    // One computation per scrape, before prom-client renders the metrics.
    const collect = () => {
      const input = read();
      const c = this.compute(input.rows);
      for (const counter of [cost, tokens, sessions, requests, skipped]) this.raised.set(counter, this.raised.get(counter) ?? new Map());
      for (const [key, s] of c.sums) {
        const l = JSON.parse(key) as Labels;
        this.raise(cost, `c${key}`, l, s.cost.usd());
        this.raise(requests, `r${key}`, l, s.requests);
        for (const [type] of TOKEN_KINDS) this.raise(tokens, `t${type}${key}`, { type, ...l }, s.tokens[type]);
      }
      for (const [key, n] of c.sessions) this.raise(sessions, `s${key}`, JSON.parse(key) as Omit<Labels, 'model'>, n);
      const malformed = input.warnings.reduce((n, w) => n + w.malformed, 0);
      const invalid = input.warnings.reduce((n, w) => n + w.invalid, 0);
      this.raise(skipped, 'kmalformed', { reason: 'malformed' }, malformed);
      this.raise(skipped, 'kinvalid', { reason: 'invalid' }, invalid);
      // Each series shows the largest total it has had (an exact sum, not a sum of differences).
      for (const [counter, series] of this.raised) {
        counter.reset();
        for (const { labels, value } of series.values()) counter.inc(labels, value);
      }
      let droppedNow = c.dropped;
      last.set(c.last / 1000);
      period.reset();
      for (const p of ['day', 'week', 'month'] as const) {
        const spend = capped([...input.totals.period(p, 'agent', input.now)].map(([agent, s]) => [agent, s.cost] as const), (c) => c, (a, b) => a + b);
        for (const [agent, cost] of spend.kept) period.set({ period: p, agent, team: input.totals.teamOf(agent) ?? '' }, cost);
        if (spend.rest !== null) period.set({ period: p, agent: '_other', team: '' }, spend.rest);
        droppedNow += spend.dropped;
      }
      dropped.set(droppedNow);
      const b = input.totals.activeBlock(input.now);
      block.set(b?.totals.totalCost ?? 0);
      projected.set(b?.projection?.totalCost ?? 0);
      burn.set(b?.burnRate?.costPerHour ?? 0);
      limit.reset();
      spent.reset();
      state.reset();
      if (input.rules)
        for (const r of evaluate(input.rules, input.totals, input.calendar, input.now)) {
          if (!r.budget) continue;
          limit.set({ rule: r.rule }, r.limit);
          spent.set({ rule: r.rule }, r.value);
          state.set({ rule: r.rule }, LEVEL_NUMBER[r.level]);
        }
    };
    // prom-client calls each metric's collect(); the first one does the work for all.
    let scrape = 0;
    let done = -1;
    const once = () => {
      if (done === scrape) return;
      done = scrape;
      collect();
    };
    for (const m of [cost, tokens, sessions, requests, skipped, period, block, projected, burn, limit, spent, state, last, dropped]) (m as unknown as { collect: () => void }).collect = once;
    this.nextScrape = () => scrape++;
  }

  /** Called before each rendering of the registry. */
  readonly nextScrape: () => void;

  async text(): Promise<string> {
    this.nextScrape();
    return this.registry.metrics();
  }

  /** Counters only go up: a series is raised to a larger total, and a smaller one is ignored. */
  private raise<T extends string>(counter: Counter<T>, key: string, labels: Partial<Record<T, string>>, total: number): void {
    const series = this.raised.get(counter as unknown as Counter<string>)!;
    const was = series.get(key);
    if (!was) series.set(key, { labels: labels as Record<string, string>, value: total });
    else if (total > was.value) was.value = total;
  }

  /** Sums per label set, recomputed only when the rows changed. */
  private compute(rows: readonly CostedRow[]): NonNullable<Metrics['cached']> {
    if (this.cached?.rows === rows) return this.cached;
    // Rows of one file share its agent, team and host: summed by file and model first, and only then
    // by label set (a label set's key made once per file and model, not once per row).
    const byFileModel = new Map<FileOrigin, Map<string, Sums>>();
    const sessionsByFile = new Map<FileOrigin, Set<string>>();
    let last = 0;
    for (const c of rows) {
      if (c.row.model === SYNTHETIC_MODEL && c.cost === 0 && c.row.totalTokens === 0) continue;
      let models = byFileModel.get(c.file);
      if (!models) {
        byFileModel.set(c.file, (models = new Map()));
        sessionsByFile.set(c.file, new Set());
      }
      let s = models.get(c.row.model);
      if (!s) models.set(c.row.model, (s = { cost: new CostSum(), tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 }, requests: 0 }));
      s.cost.add(c.cost);
      for (const [type, field] of TOKEN_KINDS) s.tokens[type] += c.row[field];
      s.requests += c.row.events;
      sessionsByFile.get(c.file)!.add(c.row.session);
      if (c.row.lastTimestamp > last) last = c.row.lastTimestamp;
    }
    const bySet = new Map<string, Sums & { labels: Labels }>();
    const sessionSets = new Map<string, Set<string>>();
    for (const [file, models] of byFileModel) {
      const who = { agent: agentOf(file), team: file.team ?? '', host: file.host };
      const skey = JSON.stringify(who);
      let set = sessionSets.get(skey);
      if (!set) sessionSets.set(skey, (set = new Set()));
      for (const session of sessionsByFile.get(file)!) set.add(session);
      for (const [model, m] of models) {
        const labels: Labels = { model, ...who };
        const key = JSON.stringify(labels);
        const s = bySet.get(key);
        if (!s) {
          bySet.set(key, { labels, ...m });
          continue;
        }
        s.cost.addSum(m.cost);
        for (const [type] of TOKEN_KINDS) s.tokens[type] += m.tokens[type];
        s.requests += m.requests;
      }
    }
    // Beyond MAX_SERIES label sets, the cheapest are summed under agent="_other", one per model: room
    // is left for as many of those as there are models.
    const sets = [...bySet.values()].sort((a, b) => b.cost.usd() - a.cost.usd());
    const kept = sets.length <= MAX_SERIES ? sets.length : MAX_SERIES - new Set(sets.map((s) => s.labels.model)).size;
    const sums = new Map<string, Sums>();
    let dropped = 0;
    for (const [i, s] of sets.entries()) {
      let key = JSON.stringify(s.labels);
      if (i >= kept) {
        key = JSON.stringify({ ...s.labels, agent: '_other', team: '', host: '' });
        dropped++;
      }
      const t = sums.get(key);
      if (!t) {
        sums.set(key, { cost: s.cost, tokens: { ...s.tokens }, requests: s.requests });
        continue;
      }
      t.cost.addSum(s.cost);
      for (const [type] of TOKEN_KINDS) t.tokens[type] += s.tokens[type];
      t.requests += s.requests;
    }
    const counts = capped([...sessionSets].map(([k, set]) => [k, set.size] as const), (n) => n, (a, b) => a + b);
    const sessions = new Map(counts.kept.map(([k, n]) => [k, n]));
    if (counts.rest !== null) sessions.set(JSON.stringify({ agent: '_other', team: '', host: '' }), counts.rest);
    dropped += counts.dropped;
    this.cached = { rows, sums, sessions, dropped, last };
    return this.cached;
  }
}
