/**
 * Where the money goes, per agent, team, model or project, and what could be saved. Pure: the
 * deduplicated responses, their files and the price table in; rows and findings out. Every figure is
 * calculated from the price table (recorded costs have no split by token kind), and every finding
 * names the dollars at stake, computed, never guessed.
 */
import { agentOf, SYNTHETIC_MODEL } from './aggregate.js';
import { costParts, partsTotal, type Pricing } from './pricing.js';
import { toUnits, unitsToUsd, type CostUnits } from './money.js';
import type { FileOrigin, UsageEvent } from './types.js';

export const EFFICIENCY_BY = ['agent', 'team', 'model', 'project'] as const;
export type EfficiencyBy = (typeof EFFICIENCY_BY)[number];

export interface KindCosts {
  input: number;
  output: number;
  write5m: number;
  write1h: number;
  read: number;
}

export interface EfficiencyRow {
  key: string;
  cost: number;
  responses: number;
  costPerResponse: number;
  outputTokens: number;
  /** Output tokens per dollar; null when nothing was spent. */
  outputTokensPerDollar: number | null;
  /** Cache reads over all input-side tokens (input, cache writes, cache reads). */
  cacheHitRatio: number | null;
  /** Cost by token kind, in dollars, and as a share of the cost. */
  costByKind: KindCosts;
  shareByKind: KindCosts;
  /** Requests above 200k input-side tokens, and what they cost beyond the normal rates. */
  longContext: { requests: number; extraCost: number };
  /** Share of the cost that subagents spent. */
  subagentShare: number | null;
}

export interface Finding {
  group: string;
  kind: 'cache-writes' | 'long-context' | 'cheaper-model';
  /** Dollars the finding is about (the cost at issue, or what a change would save). */
  dollars: number;
  message: string;
}

export interface Efficiency {
  by: EfficiencyBy;
  rows: EfficiencyRow[];
  findings: Finding[];
  /** Models with no price: their responses count with cost 0. */
  unpricedModels: string[];
}

/** A cache-write share at or above this is reported. */
const CACHE_WRITE_SHARE = 0.3;
/** Opus responses this short on average are worth pricing on the cheaper model. */
const SHORT_RESPONSE_TOKENS = 1000;
/** What the findings compare an Opus agent against. */
export const CHEAPER_MODEL = 'claude-sonnet-4-5';
/** Findings about less than this many dollars are left out. */
const MIN_DOLLARS = 0.01;

function groupKey(by: EfficiencyBy, e: UsageEvent, f: FileOrigin): string {
  if (by === 'agent') return agentOf(f);
  if (by === 'team') return f.team ?? '(no team)';
  if (by === 'model') return e.model ?? '(no model)';
  return f.project;
}

const KINDS = ['input', 'output', 'write5m', 'write1h', 'read'] as const;

const zero = (): KindCosts => ({ input: 0, output: 0, write5m: 0, write1h: 0, read: 0 });

interface Acc {
  row: EfficiencyRow;
  inputSide: number;
  reads: number;
  subagentCost: number;
  opus: { responses: number; output: number; cost: number; asCheaper: number };
}

/** The report over every response at once (the CLI's case). */
export function efficiency(events: readonly UsageEvent[], files: readonly FileOrigin[], pricing: Pricing, by: EfficiencyBy): Efficiency {
  const tally = new EfficiencyTally(pricing, by);
  for (const e of events) tally.add(e, files[e.fileIndex]!);
  return tally.result();
}

/**
 * The report made one response at a time, so that a caller can hand them over file by file (the
 * server reads them from the ledger's log) without holding every response at once.
 */
export class EfficiencyTally {
  private readonly groups = new Map<string, Acc>();
  private readonly unpriced = new Set<string>();
  private readonly cheaper: ReturnType<Pricing['lookup']>;
  private done = false;

  constructor(
    private readonly pricing: Pricing,
    private readonly by: EfficiencyBy,
  ) {
    this.cheaper = pricing.lookup(CHEAPER_MODEL);
  }

  /** One deduplicated response, of a file with this origin. */
  add(e: UsageEvent, f: FileOrigin): void {
    const { by, pricing, cheaper, groups, unpriced } = this;
    const key = groupKey(by, e, f);
    let g = groups.get(key);
    if (!g) {
      g = {
        row: { key, cost: 0, responses: 0, costPerResponse: 0, outputTokens: 0, outputTokensPerDollar: null, cacheHitRatio: null, costByKind: zero(), shareByKind: zero(), longContext: { requests: 0, extraCost: 0 }, subagentShare: null },
        inputSide: 0,
        reads: 0,
        subagentCost: 0,
        opus: { responses: 0, output: 0, cost: 0, asCheaper: 0 },
      };
      groups.set(key, g);
    }
    const r = g.row;
    r.responses++;
    r.outputTokens += e.outputTokens;
    g.inputSide += e.inputTokens + e.cacheWrite5mTokens + e.cacheWrite1hTokens + e.cacheReadTokens;
    g.reads += e.cacheReadTokens;
    if (e.model === SYNTHETIC_MODEL || e.simple) return;
    const price = e.model ? pricing.lookup(e.model) : null;
    if (!price) {
      unpriced.add(e.model ?? '(no model)');
      return;
    }
    // Summed in whole units (exact, in any order), turned into dollars once in result().
    const parts = costParts(e, price);
    const cost = toUnits(partsTotal(parts));
    r.cost += cost;
    for (const k of KINDS) r.costByKind[k] += toUnits(parts[k] * parts.fast);
    if (parts.long) {
      r.longContext.requests++;
      r.longContext.extraCost += cost - toUnits(partsTotal(costParts(e, price, false)));
    }
    if (e.subagent) g.subagentCost += cost;
    if (cheaper && e.model && /opus/i.test(e.model)) {
      g.opus.responses++;
      g.opus.output += e.outputTokens;
      g.opus.cost += cost;
      g.opus.asCheaper += toUnits(partsTotal(costParts(e, cheaper)));
    }
  }

  /** The rows and findings of what was added (once: the sums become dollars). */
  result(): Efficiency {
    if (this.done) throw new Error('EfficiencyTally.result() is made once');
    this.done = true;
    const { by, groups, unpriced } = this;
    const usd = (units: number) => unitsToUsd(units as CostUnits);
    for (const g of groups.values()) {
      const r = g.row;
      r.cost = usd(r.cost);
      for (const k of KINDS) r.costByKind[k] = usd(r.costByKind[k]);
      r.longContext.extraCost = usd(r.longContext.extraCost);
      g.subagentCost = usd(g.subagentCost);
      g.opus.cost = usd(g.opus.cost);
      g.opus.asCheaper = usd(g.opus.asCheaper);
    }

    const rows: EfficiencyRow[] = [];
    const findings: Finding[] = [];
    const money = (n: number) => `$${n.toFixed(2)}`;
    const pct = (n: number) => `${Math.round(n * 100)}%`;
    const label = by === 'model' ? 'model' : by;
    for (const g of groups.values()) {
      const r = g.row;
      r.costPerResponse = r.responses ? r.cost / r.responses : 0;
      r.outputTokensPerDollar = r.cost > 0 ? r.outputTokens / r.cost : null;
      r.cacheHitRatio = g.inputSide > 0 ? g.reads / g.inputSide : null;
      if (r.cost > 0) for (const k of KINDS) r.shareByKind[k] = r.costByKind[k] / r.cost;
      r.subagentShare = r.cost > 0 ? g.subagentCost / r.cost : null;
      rows.push(r);

      const writes = r.costByKind.write5m + r.costByKind.write1h;
      if (r.cost > 0 && writes / r.cost >= CACHE_WRITE_SHARE && writes >= MIN_DOLLARS)
        findings.push({ group: r.key, kind: 'cache-writes', dollars: writes, message: `${label} ${r.key}: ${pct(writes / r.cost)} of its cost (${money(writes)} of ${money(r.cost)}) is cache writes` });
      if (r.longContext.requests > 0 && r.longContext.extraCost >= MIN_DOLLARS)
        findings.push({
          group: r.key,
          kind: 'long-context',
          dollars: r.longContext.extraCost,
          message: `${label} ${r.key}: ${r.longContext.requests} request(s) above 200k tokens cost ${money(r.longContext.extraCost)} more than at normal rates`,
        });
      const o = g.opus;
      if (o.responses > 0 && o.output / o.responses <= SHORT_RESPONSE_TOKENS && o.cost - o.asCheaper >= MIN_DOLLARS)
        findings.push({
          group: r.key,
          kind: 'cheaper-model',
          dollars: o.cost - o.asCheaper,
          message: `${label} ${r.key} averages ${Math.round(o.output / o.responses)} output tokens per response on Opus; the same tokens on ${CHEAPER_MODEL} would have cost ${money(o.asCheaper)} instead of ${money(o.cost)}`,
        });
    }
    rows.sort((a, b) => b.cost - a.cost || a.key.localeCompare(b.key));
    findings.sort((a, b) => b.dollars - a.dollars || a.group.localeCompare(b.group));
    return { by, rows, findings, unpricedModels: [...unpriced].sort() };
  }
}
