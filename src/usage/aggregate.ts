/**
 * Deduplicated events → priced groups (rows keyed by day, week, session, agent...). Pure.
 */
import type { CostMode, FileOrigin, TokenTotals, UsageEvent } from './types.js';
import { emptyTotals } from './types.js';
import { costOf, type Pricing } from './pricing.js';

/** Claude Code writes `<synthetic>` for locally generated messages: counted, never listed as a model. */
export const SYNTHETIC_MODEL = '<synthetic>';

export interface PricedEvent {
  event: UsageEvent;
  file: FileOrigin;
  cost: number;
}

export interface Priced {
  events: PricedEvent[];
  unpricedModels: string[];
}

export function priceAll(
  events: Iterable<UsageEvent>,
  files: readonly FileOrigin[],
  pricing: Pricing,
  mode: CostMode,
): Priced {
  const out: PricedEvent[] = [];
  const unpriced = new Set<string>();
  for (const e of events) {
    let cost = 0;
    if (e.model !== SYNTHETIC_MODEL) {
      const c = costOf(e, mode, pricing);
      if (c.unpriced) unpriced.add(e.model ?? '(no model)');
      cost = c.cost;
    }
    out.push({ event: e, file: files[e.fileIndex]!, cost });
  }
  return { events: out, unpricedModels: [...unpriced].sort() };
}

export function addTo(t: TokenTotals, e: UsageEvent, cost: number): void {
  const write = e.cacheWrite5mTokens + e.cacheWrite1hTokens;
  t.inputTokens += e.inputTokens;
  t.outputTokens += e.outputTokens;
  t.cacheCreationTokens += write;
  t.cacheReadTokens += e.cacheReadTokens;
  t.totalTokens += e.inputTokens + e.outputTokens + write + e.cacheReadTokens + e.unsplitTokens;
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
  /** The first event's file: reports use it for per-row attribution (team, role, mode...). */
  sample: PricedEvent;
}

/** Name of the agent (container instance) an event belongs to; host sessions are `host`. */
export function agentOf(file: FileOrigin): string {
  return file.instance ?? 'host';
}

export function sessionOf(p: PricedEvent): string {
  return p.event.sessionId ?? p.file.pathSessionId ?? p.file.path;
}

export function groupBy(events: readonly PricedEvent[], keyOf: (p: PricedEvent) => string): Group[] {
  const groups = new Map<string, Group>();
  for (const p of events) {
    const key = keyOf(p);
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
        firstTimestamp: p.event.timestamp,
        lastTimestamp: p.event.timestamp,
        events: 0,
        sample: p,
      };
      groups.set(key, g);
    }
    const e = p.event;
    addTo(g.totals, e, p.cost);
    if (e.subagent) addTo(g.subagent, e, p.cost);
    const model = e.model ?? '(no model)';
    if (model !== SYNTHETIC_MODEL) {
      let m = g.models.get(model);
      if (!m) g.models.set(model, (m = emptyTotals()));
      addTo(m, e, p.cost);
    }
    g.agents.add(agentOf(p.file));
    g.projects.add(p.file.project);
    if (e.cwd) g.cwds.add(e.cwd);
    g.sessions.add(sessionOf(p));
    if (e.timestamp < g.firstTimestamp) g.firstTimestamp = e.timestamp;
    if (e.timestamp > g.lastTimestamp) g.lastTimestamp = e.timestamp;
    g.events++;
  }
  return [...groups.values()];
}

export function sumTotals(events: readonly PricedEvent[]): TokenTotals {
  const t = emptyTotals();
  for (const p of events) addTo(t, p.event, p.cost);
  return t;
}
