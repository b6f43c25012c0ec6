/**
 * An independent, deliberately naive implementation of the DESIGN §2 counting rules, used as the
 * expected value in tests. It shares no code with src/: whole files read at once, every line
 * JSON.parsed, one Map for dedup. Slow and simple on purpose, so it is easy to check by eye.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface RefTotals {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  totalCost: number;
}

interface RefRecord {
  id: string | null;
  ts: number;
  day: string;
  model: string | null;
  input: number;
  output: number;
  w5: number;
  w1: number;
  read: number;
  plain: number; // simple-format tokens
  recorded: number | null;
  simple: boolean;
  fast: boolean;
  sidechain: boolean;
  path: string;
  offset: number;
}

type Price = Record<string, number | undefined | { fast?: number }>;

function listJsonl(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue; // dangling link: nothing to count
    }
    if (st.isDirectory()) out.push(...listJsonl(p));
    else if (name.endsWith('.jsonl')) out.push(p);
  }
  return out;
}

// The documented bound: a billion tokens of one kind per response (README, Data rules).
const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1e9;
// A recorded cost is believed from $0 to $100,000 per response (README, Data rules).
const recordedOf = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1e5 ? v : null);
const optCount = (v: unknown) => v === undefined || v === null || isCount(v);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** The written wall-clock fields name a real moment: they survive a round trip through a Date unchanged. */
export function realFields(ts: string): boolean {
  const [y, mo, d, h, mi, s] = [ts.slice(0, 4), ts.slice(5, 7), ts.slice(8, 10), ts.slice(11, 13), ts.slice(14, 16), ts[16] === ':' ? ts.slice(17, 19) : '00'].map(Number) as number[];
  const t = new Date(0);
  t.setUTCFullYear(y!, mo! - 1, d!); // (Date.UTC would read years 0-99 as 19xx)
  t.setUTCHours(h!, mi!, s!);
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo! - 1 && t.getUTCDate() === d && t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === s;
}

function toRecord(u: any, ts: unknown, id: unknown, model: unknown, extra: Partial<RefRecord>): RefRecord | 'invalid' {
  if (typeof ts !== 'string' || !ISO.test(ts) || Number.isNaN(Date.parse(ts)) || !realFields(ts)) return 'invalid';
  if (!isCount(u.input_tokens) || !isCount(u.output_tokens)) return 'invalid';
  if (!optCount(u.cache_creation_input_tokens) || !optCount(u.cache_read_input_tokens)) return 'invalid';
  let w5 = u.cache_creation_input_tokens ?? 0;
  let w1 = 0;
  const cc = u.cache_creation;
  if (cc && typeof cc === 'object' && (cc.ephemeral_5m_input_tokens != null || cc.ephemeral_1h_input_tokens != null)) {
    if (!optCount(cc.ephemeral_5m_input_tokens) || !optCount(cc.ephemeral_1h_input_tokens)) return 'invalid';
    w5 = cc.ephemeral_5m_input_tokens ?? 0;
    w1 = cc.ephemeral_1h_input_tokens ?? 0;
  }
  const t = Date.parse(ts);
  return {
    id: typeof id === 'string' && id ? id : null,
    ts: t,
    day: '',
    model: typeof model === 'string' && model ? model : null,
    input: u.input_tokens,
    output: u.output_tokens,
    w5,
    w1,
    read: u.cache_read_input_tokens ?? 0,
    plain: 0,
    recorded: null,
    simple: false,
    fast: u.speed === 'fast',
    sidechain: false,
    path: '',
    offset: 0,
    ...extra,
  };
}

export function referenceRecords(dataDirs: string | string[]): { records: RefRecord[]; skipped: number } {
  const records: RefRecord[] = [];
  let skipped = 0;
  const paths = (Array.isArray(dataDirs) ? dataDirs : [dataDirs]).flatMap((d) => listJsonl(join(d, 'projects')));
  for (const path of paths) {
    const bytes = readFileSync(path);
    let offset = 0;
    for (const raw of bytes.toString('utf8').split('\n')) {
      const lineOffset = offset;
      offset += Buffer.byteLength(raw) + 1;
      if (!raw.trim()) continue;
      let o: any;
      try {
        o = JSON.parse(raw);
      } catch {
        if (raw.includes('tokens"')) skipped++;
        continue;
      }
      if (!o || typeof o !== 'object') continue;
      const base = { sidechain: o.isSidechain === true, path, offset: lineOffset };
      if (o.message && typeof o.message === 'object' && o.message.usage && typeof o.message.usage === 'object') {
        const r = toRecord(o.message.usage, o.timestamp, o.message.id, o.message.model, {
          ...base,
          recorded: recordedOf(o.costUSD),
        });
        if (r === 'invalid') skipped++;
        else records.push(r);
      }
      const nested = o.type === 'progress' ? o.data?.message : undefined;
      if (nested?.message?.usage && typeof nested.message.usage === 'object') {
        const r = toRecord(nested.message.usage, nested.timestamp ?? o.timestamp, nested.message.id, nested.message.model, base);
        if (r === 'invalid') skipped++;
        else records.push(r);
      }
      if (!o.message && 'tokens' in o) {
        if (isCount(o.tokens) && typeof o.timestamp === 'string' && ISO.test(o.timestamp) && realFields(o.timestamp)) {
          records.push({
            id: null,
            ts: Date.parse(o.timestamp),
            day: '',
            model: o.model ?? null,
            input: 0,
            output: 0,
            w5: 0,
            w1: 0,
            read: 0,
            plain: o.tokens,
            recorded: recordedOf(o.cost),
            simple: true,
            fast: false,
            ...base,
          });
        } else skipped++;
      }
    }
  }
  return { records, skipped };
}

const sum = (r: RefRecord) => r.input + r.output + r.w5 + r.w1 + r.read + r.plain;

/** Dedup on the message id, keeping the copy first in the DESIGN's total order (single host). */
export function referenceDedup(records: RefRecord[]): RefRecord[] {
  const better = (a: RefRecord, b: RefRecord): boolean => {
    if (sum(a) !== sum(b)) return sum(a) > sum(b);
    if (a.sidechain !== b.sidechain) return !a.sidechain;
    if (a.ts !== b.ts) return a.ts < b.ts;
    if (a.path !== b.path) return a.path < b.path;
    return a.offset < b.offset;
  };
  const byId = new Map<string, RefRecord>();
  const out: RefRecord[] = [];
  for (const r of records) {
    if (r.id === null) out.push(r);
    else if (!byId.has(r.id) || better(r, byId.get(r.id)!)) byId.set(r.id, r);
  }
  return [...out, ...byId.values()];
}

export function referenceCost(r: RefRecord, prices: Record<string, Price>, mode: 'auto' | 'calculate' | 'display' = 'auto'): number | null {
  if (r.model === '<synthetic>') return 0;
  if (r.simple || mode === 'display') return r.recorded ?? 0;
  if (mode === 'auto' && r.recorded !== null) return r.recorded;
  const p = r.model ? prices[r.model] ?? prices[`anthropic/${r.model}`] ?? prices[`claude-${r.model}`] : undefined;
  if (!p) return null;
  const long = r.input + r.w5 + r.w1 + r.read > 200_000;
  const rate = (name: string): number => {
    const above = p[`${name}_above_200k_tokens`];
    if (long && typeof above === 'number') return above;
    const base = p[name];
    return typeof base === 'number' ? base : 0;
  };
  const inRate = rate('input_cost_per_token');
  let c =
    r.input * inRate +
    r.output * rate('output_cost_per_token') +
    r.w5 * rate('cache_creation_input_token_cost') +
    r.w1 * 2 * inRate +
    r.read * rate('cache_read_input_token_cost');
  if (r.fast) c *= (p.provider_specific_entry as { fast?: number } | undefined)?.fast ?? 1;
  return c;
}

export interface ReferenceResult {
  totals: RefTotals;
  byDay: Map<string, RefTotals>;
  unpriced: Set<string>;
  skipped: number;
}

/** Totals and per-day totals (days in UTC) of a Claude data folder under the DESIGN rules. */
export function reference(dataDir: string | string[], pricesPath: string, mode: 'auto' | 'calculate' | 'display' = 'auto'): ReferenceResult {
  const prices = JSON.parse(readFileSync(pricesPath, 'utf8')) as Record<string, Price>;
  const { records, skipped } = referenceRecords(dataDir);
  const totals: RefTotals = { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, totalCost: 0 };
  const byDay = new Map<string, RefTotals>();
  const unpriced = new Set<string>();
  for (const r of referenceDedup(records)) {
    const cost = referenceCost(r, prices, mode);
    if (cost === null) unpriced.add(r.model ?? '(no model)');
    const day = new Date(r.ts).toISOString().slice(0, 10);
    if (!byDay.has(day)) byDay.set(day, { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, totalCost: 0 });
    for (const t of [totals, byDay.get(day)!]) {
      t.inputTokens += r.input;
      t.outputTokens += r.output;
      t.cacheCreationTokens += r.w5 + r.w1;
      t.cacheReadTokens += r.read;
      t.totalTokens += sum(r);
      t.totalCost += cost ?? 0;
    }
  }
  return { totals, byDay, unpriced, skipped };
}
