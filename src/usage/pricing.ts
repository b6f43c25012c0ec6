/**
 * Model prices (LiteLLM format, USD per token) and the cost of one usage event. Pure: the table is
 * passed in; loading the embedded file lives in prices-file.ts.
 */
import type { CostMode, UsageEvent } from './types.js';

export interface ModelPrice {
  input_cost_per_token?: number;
  output_cost_per_token?: number;
  cache_creation_input_token_cost?: number;
  cache_read_input_token_cost?: number;
  input_cost_per_token_above_200k_tokens?: number;
  output_cost_per_token_above_200k_tokens?: number;
  cache_creation_input_token_cost_above_200k_tokens?: number;
  cache_read_input_token_cost_above_200k_tokens?: number;
  provider_specific_entry?: { fast?: number };
}

export type PriceTable = Record<string, ModelPrice>;

/** Anthropic's long-context threshold: a request whose prompt side exceeds this is priced long. */
export const LONG_CONTEXT_THRESHOLD = 200_000;

interface ModelKey {
  family: string;
  major: string;
  minor: string;
  date: string;
}

// Newer names: claude-opus-4-5-20251101; older: claude-3-5-sonnet-20241022, claude-4-opus-20250514.
const NEW_STYLE = /^claude-(opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?(?:-(\d{8}))?$/;
const OLD_STYLE = /^claude-(\d+)(?:-(\d{1,2}))?-(opus|sonnet|haiku)(?:-(\d{8}))?$/;

/** Strips provider decorations (bedrock/vertex prefixes, `-v1:0`, `@date`) down to claude-… form. */
function normalize(name: string): string {
  let n = name.toLowerCase().trim();
  n = n.replace(/^(?:[a-z_]+\/)+/, ''); // anthropic/, bedrock/, vertex_ai/ ...
  n = n.replace(/^(?:(?:us|eu|apac|global)\.)?anthropic\./, '');
  n = n.replace(/-v\d+(?::\d+)?$/, '');
  n = n.replace(/@(\d{8})$/, '-$1');
  if (!n.startsWith('claude-')) n = `claude-${n}`;
  return n;
}

function parseKey(name: string): ModelKey | null {
  const n = normalize(name);
  let m = NEW_STYLE.exec(n);
  if (m) return { family: m[1]!, major: m[2]!, minor: m[3] ?? '', date: m[4] ?? '' };
  m = OLD_STYLE.exec(n);
  if (m) return { family: m[3]!, major: m[1]!, minor: m[2] ?? '', date: m[4] ?? '' };
  return null;
}

export class Pricing {
  private readonly cache = new Map<string, ModelPrice | null>();
  /** Fuzzy index: only the table's own claude-… keys, so provider-specific prices never win over Anthropic's. */
  private readonly index: Array<{ key: ModelKey; name: string; direct: boolean }> = [];

  constructor(private readonly table: PriceTable) {
    for (const name of Object.keys(table)) {
      const key = parseKey(name);
      if (key) this.index.push({ key, name, direct: name.startsWith('claude-') });
    }
  }

  /** Exact name, then `anthropic/` and `claude-` prefixes, then a version-respecting fuzzy match. */
  lookup(model: string): ModelPrice | null {
    const hit = this.cache.get(model);
    if (hit !== undefined) return hit;
    const found = this.table[model] ?? this.table[`anthropic/${model}`] ?? this.table[`claude-${model}`] ?? this.fuzzy(model);
    this.cache.set(model, found ?? null);
    return found ?? null;
  }

  private fuzzy(model: string): ModelPrice | null {
    const want = parseKey(model);
    if (!want) return null;
    const same = this.index.filter(
      (c) => c.key.family === want.family && c.key.major === want.major && c.key.minor === want.minor,
    );
    if (same.length === 0) return null;
    // Same date first, then a dateless alias, then Anthropic's own names, then the newest date.
    same.sort((a, b) => rank(b) - rank(a) || b.key.date.localeCompare(a.key.date) || a.name.localeCompare(b.name));
    function rank(c: { key: ModelKey; direct: boolean }): number {
      return (want!.date !== '' && c.key.date === want!.date ? 4 : 0) + (c.key.date === '' ? 2 : 0) + (c.direct ? 1 : 0);
    }
    return this.table[same[0]!.name] ?? null;
  }
}

export interface PricedCost {
  cost: number;
  /** True when the model is unknown and a calculation was needed (cost counted as 0). */
  unpriced: boolean;
}

/** One request's calculated cost split by token kind, before the fast multiplier. */
export interface CostParts {
  input: number;
  output: number;
  write5m: number;
  write1h: number;
  read: number;
  /** The fast multiplier that applies to the sum (1 for standard speed). */
  fast: number;
  /** All of the request's tokens were priced at the above-200k rates. */
  long: boolean;
}

export function isLongContext(e: UsageEvent): boolean {
  return e.inputTokens + e.cacheWrite5mTokens + e.cacheWrite1hTokens + e.cacheReadTokens > LONG_CONTEXT_THRESHOLD;
}

/** The DESIGN rules (long context, 1h cache writes at 2x input, fast) by token kind; `long: false` prices at the normal rates. */
export function costParts(e: UsageEvent, price: ModelPrice, long = isLongContext(e)): CostParts {
  const pick = (base: number | undefined, above: number | undefined): number => (long && above !== undefined ? above : base ?? 0);
  const input = pick(price.input_cost_per_token, price.input_cost_per_token_above_200k_tokens);
  return {
    input: e.inputTokens * input,
    output: e.outputTokens * pick(price.output_cost_per_token, price.output_cost_per_token_above_200k_tokens),
    write5m: e.cacheWrite5mTokens * pick(price.cache_creation_input_token_cost, price.cache_creation_input_token_cost_above_200k_tokens),
    write1h: e.cacheWrite1hTokens * 2 * input,
    read: e.cacheReadTokens * pick(price.cache_read_input_token_cost, price.cache_read_input_token_cost_above_200k_tokens),
    fast: e.speed === 'fast' ? price.provider_specific_entry?.fast ?? 1 : 1,
    long,
  };
}

export function partsTotal(p: CostParts): number {
  return (p.input + p.output + p.write5m + p.write1h + p.read) * p.fast;
}

/** Cost of one request under the DESIGN rules (long-context, 1h cache writes at 2x input, fast). */
export function calculateCost(e: UsageEvent, price: ModelPrice): number {
  return partsTotal(costParts(e, price));
}

export function costOf(e: UsageEvent, mode: CostMode, pricing: Pricing): PricedCost {
  if (mode === 'display') return { cost: e.recordedCost ?? 0, unpriced: false };
  // The simple format records its cost and has no token split to price.
  if (e.simple || (mode === 'auto' && e.recordedCost !== null)) return { cost: e.recordedCost ?? 0, unpriced: false };
  const price = e.model ? pricing.lookup(e.model) : null;
  if (!price) return { cost: 0, unpriced: true };
  return { cost: calculateCost(e, price), unpriced: false };
}
