/**
 * Where the money goes, per agent, team, model or project, and what could be saved. Pure: the
 * deduplicated responses, their files and the price table in; rows and findings out. Every figure is
 * calculated from the price table (recorded costs have no split by token kind), and every finding
 * names the dollars at stake, computed, never guessed.
 */
import { agentOf, NO_MODEL, SYNTHETIC_MODEL } from './aggregate.js';
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

/** A response's group (`e` is needed for the model only). */
function groupKey(by: EfficiencyBy, e: UsageEvent | null, f: FileOrigin): string {
  if (by === 'agent') return agentOf(f);
  if (by === 'team') return f.team ?? '(no team)';
  if (by === 'model') return e?.model ?? NO_MODEL;
  return f.project;
}

const KINDS = ['input', 'output', 'write5m', 'write1h', 'read'] as const;

const zero = (): KindCosts => ({ input: 0, output: 0, write5m: 0, write1h: 0, read: 0 });

/**
 * What the report is made of, over any set of responses: counts, tokens and money in whole units
 * (costs exact as integers), so that the sums of two sets added give the sums of their union, in
 * any order, to the last unit.
 */
export interface EfficiencySums {
  responses: number;
  outputTokens: number;
  /** Input, cache writes and cache reads. */
  inputSide: number;
  reads: number;
  cost: number;
  byKind: KindCosts;
  longRequests: number;
  longExtra: number;
  subagentCost: number;
  opusResponses: number;
  opusOutput: number;
  opusCost: number;
  /** What the Opus responses' tokens would have cost on CHEAPER_MODEL. */
  opusAsCheaper: number;
}

export function emptySums(): EfficiencySums {
  return { responses: 0, outputTokens: 0, inputSide: 0, reads: 0, cost: 0, byKind: zero(), longRequests: 0, longExtra: 0, subagentCost: 0, opusResponses: 0, opusOutput: 0, opusCost: 0, opusAsCheaper: 0 };
}

/** `into` += `from` (or -= with sign -1). */
export function addSums(into: EfficiencySums, from: EfficiencySums, sign: 1 | -1 = 1): void {
  for (const k of ['responses', 'outputTokens', 'inputSide', 'reads', 'cost', 'longRequests', 'longExtra', 'subagentCost', 'opusResponses', 'opusOutput', 'opusCost', 'opusAsCheaper'] as const) into[k] += sign * from[k];
  for (const k of KINDS) into.byKind[k] += sign * from.byKind[k];
}

/** The sums of one more response; the model's name when it has no price (the response then costs 0). */
function addResponse(s: EfficiencySums, e: UsageEvent, pricing: Pricing, cheaper: ReturnType<Pricing['lookup']>): string | null {
  s.responses++;
  s.outputTokens += e.outputTokens;
  s.inputSide += e.inputTokens + e.cacheWrite5mTokens + e.cacheWrite1hTokens + e.cacheReadTokens;
  s.reads += e.cacheReadTokens;
  if (e.model === SYNTHETIC_MODEL || e.simple) return null;
  const price = e.model ? pricing.lookup(e.model) : null;
  if (!price) return e.model ?? '(no model)';
  const parts = costParts(e, price);
  const cost = toUnits(partsTotal(parts));
  s.cost += cost;
  for (const k of KINDS) s.byKind[k] += toUnits(parts[k] * parts.fast);
  if (parts.long) {
    s.longRequests++;
    s.longExtra += cost - toUnits(partsTotal(costParts(e, price, false)));
  }
  if (e.subagent) s.subagentCost += cost;
  if (cheaper && e.model && /opus/i.test(e.model)) {
    s.opusResponses++;
    s.opusOutput += e.outputTokens;
    s.opusCost += cost;
    s.opusAsCheaper += toUnits(partsTotal(costParts(e, cheaper)));
  }
  return null;
}

/** The report over every response at once (the CLI's case). */
export function efficiency(events: readonly UsageEvent[], files: readonly FileOrigin[], pricing: Pricing, by: EfficiencyBy): Efficiency {
  const tally = new EfficiencyTally(pricing, by);
  for (const e of events) tally.add(e, files[e.fileIndex]!);
  return tally.result();
}

/**
 * One file's responses, by model: what a report grouped any way is made of (agent, team and project
 * are the file's; the model is each response's). A server keeps one per file and makes again only
 * those of files that changed.
 */
export interface FileEfficiency {
  byModel: Map<string, EfficiencySums>;
  /** Models without a price, and how many of the file's responses each had. */
  unpriced: Map<string, number>;
}

export function fileEfficiency(events: Iterable<UsageEvent>, pricing: Pricing): FileEfficiency {
  const out: FileEfficiency = { byModel: new Map(), unpriced: new Map() };
  const cheaper = pricing.lookup(CHEAPER_MODEL);
  for (const e of events) {
    const model = e.model ?? NO_MODEL;
    let s = out.byModel.get(model);
    if (!s) out.byModel.set(model, (s = emptySums()));
    const unpriced = addResponse(s, e, pricing, cheaper);
    if (unpriced) out.unpriced.set(unpriced, (out.unpriced.get(unpriced) ?? 0) + 1);
  }
  return out;
}

/** The report over files' sums (each file's responses once). */
export function efficiencyOfFiles(files: Iterable<{ file: FileOrigin; sums: FileEfficiency }>, by: EfficiencyBy): Efficiency {
  const groups = new Map<string, EfficiencySums>();
  const unpriced = new Set<string>();
  for (const { file, sums } of files) {
    for (const [model, s] of sums.byModel) {
      const key = by === 'model' ? model : groupKey(by, null, file);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = emptySums()));
      addSums(g, s);
    }
    for (const m of sums.unpriced.keys()) unpriced.add(m);
  }
  return report(by, groups, unpriced);
}

/**
 * The report made one response at a time, so that a caller can hand them over file by file (the
 * server reads them from the ledger's log) without holding every response at once.
 */
export class EfficiencyTally {
  private readonly groups = new Map<string, EfficiencySums>();
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
    const key = groupKey(this.by, e, f);
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = emptySums()));
    const unpriced = addResponse(g, e, this.pricing, this.cheaper);
    if (unpriced) this.unpriced.add(unpriced);
  }

  /** The rows and findings of what was added (once). */
  result(): Efficiency {
    if (this.done) throw new Error('EfficiencyTally.result() is made once');
    this.done = true;
    return report(this.by, this.groups, this.unpriced);
  }
}

/** Rows and findings from each group's sums (here the units become dollars, once). */
function report(by: EfficiencyBy, groups: ReadonlyMap<string, EfficiencySums>, unpriced: ReadonlySet<string>): Efficiency {
  const usd = (units: number) => unitsToUsd(units as CostUnits);
  const rows: EfficiencyRow[] = [];
  const findings: Finding[] = [];
  const money = (n: number) => `$${n.toFixed(2)}`;
  const pct = (n: number) => `${Math.round(n * 100)}%`;
  const label = by === 'model' ? 'model' : by;
  for (const [key, g] of groups) {
    const cost = usd(g.cost);
    const costByKind = zero();
    const shareByKind = zero();
    for (const k of KINDS) costByKind[k] = usd(g.byKind[k]);
    if (cost > 0) for (const k of KINDS) shareByKind[k] = costByKind[k] / cost;
    const r: EfficiencyRow = {
      key,
      cost,
      responses: g.responses,
      costPerResponse: g.responses ? cost / g.responses : 0,
      outputTokens: g.outputTokens,
      outputTokensPerDollar: cost > 0 ? g.outputTokens / cost : null,
      cacheHitRatio: g.inputSide > 0 ? g.reads / g.inputSide : null,
      costByKind,
      shareByKind,
      longContext: { requests: g.longRequests, extraCost: usd(g.longExtra) },
      subagentShare: cost > 0 ? usd(g.subagentCost) / cost : null,
    };
    rows.push(r);

    const writes = costByKind.write5m + costByKind.write1h;
    if (cost > 0 && writes / cost >= CACHE_WRITE_SHARE && writes >= MIN_DOLLARS)
      findings.push({ group: key, kind: 'cache-writes', dollars: writes, message: `${label} ${key}: ${pct(writes / cost)} of its cost (${money(writes)} of ${money(cost)}) is cache writes` });
    if (r.longContext.requests > 0 && r.longContext.extraCost >= MIN_DOLLARS)
      findings.push({
        group: key,
        kind: 'long-context',
        dollars: r.longContext.extraCost,
        message: `${label} ${key}: ${r.longContext.requests} request(s) above 200k tokens cost ${money(r.longContext.extraCost)} more than at normal rates`,
      });
    const opusCost = usd(g.opusCost);
    const asCheaper = usd(g.opusAsCheaper);
    if (g.opusResponses > 0 && g.opusOutput / g.opusResponses <= SHORT_RESPONSE_TOKENS && opusCost - asCheaper >= MIN_DOLLARS)
      findings.push({
        group: key,
        kind: 'cheaper-model',
        dollars: opusCost - asCheaper,
        message: `${label} ${key} averages ${Math.round(g.opusOutput / g.opusResponses)} output tokens per response on Opus; the same tokens on ${CHEAPER_MODEL} would have cost ${money(asCheaper)} instead of ${money(opusCost)}`,
      });
  }
  rows.sort((a, b) => b.cost - a.cost || a.key.localeCompare(b.key));
  findings.sort((a, b) => b.dollars - a.dollars || a.group.localeCompare(b.group));
  return { by, rows, findings, unpricedModels: [...unpriced].sort() };
}
