/**
 * Measures where ccost and ccusage differ on a Claude data folder, and how much each deliberate
 * difference accounts for. Usage: npm run compare -- [DATA_DIR] (default ../shared/corpus/real-a).
 *
 * Steps, each changing one rule of ours to ccusage's:
 *   A  ccost's rules
 *   B  A with ccusage's dedup (message id + request id; a line without request id is never a copy)
 *   C  B with ccusage's long-context pricing (each token kind tiered on its own count past 200k)
 *   D  ccusage itself (`ccusage claude daily --json --offline`, TZ=UTC)
 * B−A is the effect of replayed history, C−B of the long-context rule, D−C what remains unexplained.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanFiles } from '../src/sessions/load.js';
import { nativeCcusage } from '../bench/reference-tools.js';
import { discover } from '../src/sessions/discover.js';
import { Deduper } from '../src/usage/dedup.js';
import { embeddedPricing } from '../src/usage/prices-file.js';
import { calculateCost, LONG_CONTEXT_THRESHOLD, type ModelPrice } from '../src/usage/pricing.js';
import { eventTokens, type UsageEvent } from '../src/usage/types.js';
import { SYNTHETIC_MODEL } from '../src/usage/aggregate.js';

const root = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const dir = resolve(process.argv[2] ?? join(root, '..', 'shared', 'corpus', 'real-a'));
const ccusageBin = nativeCcusage();
if (!ccusageBin) {
  console.error('ccusage 20.0.24 is not installed: run npm install first');
  process.exit(2);
}

const pricing = embeddedPricing();
const records: UsageEvent[] = [];
const scanned = await scanFiles(discover([dir]), (events) => records.push(...events), { allRecords: true });

function ccusageDedup(records: UsageEvent[]): UsageEvent[] {
  const byKey = new Map<string, UsageEvent>();
  const loose: UsageEvent[] = [];
  for (const e of records) {
    if (!e.messageId || !e.requestId) {
      loose.push(e);
      continue;
    }
    const k = `${e.messageId}:${e.requestId}`;
    const kept = byKey.get(k);
    if (!kept || eventTokens(e) > eventTokens(kept)) byKey.set(k, e);
  }
  return [...byKey.values(), ...loose];
}

function tieredCost(e: UsageEvent, p: ModelPrice): number {
  const tier = (n: number, base = 0, above?: number) =>
    above === undefined || n <= LONG_CONTEXT_THRESHOLD ? n * base : LONG_CONTEXT_THRESHOLD * base + (n - LONG_CONTEXT_THRESHOLD) * above;
  return (
    tier(e.inputTokens, p.input_cost_per_token, p.input_cost_per_token_above_200k_tokens) +
    tier(e.outputTokens, p.output_cost_per_token, p.output_cost_per_token_above_200k_tokens) +
    tier(e.cacheWrite5mTokens, p.cache_creation_input_token_cost, p.cache_creation_input_token_cost_above_200k_tokens) +
    e.cacheWrite1hTokens * 2 * (p.input_cost_per_token ?? 0) +
    tier(e.cacheReadTokens, p.cache_read_input_token_cost, p.cache_read_input_token_cost_above_200k_tokens)
  ) * (e.speed === 'fast' ? p.provider_specific_entry?.fast ?? 1 : 1);
}

function totals(events: UsageEvent[], tiered: boolean): { tokens: number; cost: number } {
  let tokens = 0;
  let cost = 0;
  for (const e of events) {
    tokens += eventTokens(e);
    if (e.model === SYNTHETIC_MODEL) continue;
    if (e.simple || e.recordedCost !== null) {
      cost += e.recordedCost ?? 0;
      continue;
    }
    const p = e.model ? pricing.lookup(e.model) : null;
    if (p) cost += tiered ? tieredCost(e, p) : calculateCost(e, p);
  }
  return { tokens, cost };
}

const dedup = new Deduper(scanned.files);
dedup.addAll(records);
const A = totals([...dedup.events()], false);
const ccDedup = ccusageDedup(records);
const B = totals(ccDedup, false);
const C = totals(ccDedup, true);
const r = spawnSync(ccusageBin, ['claude', 'daily', '--json', '--offline'], { encoding: 'utf8', env: { ...process.env, CLAUDE_CONFIG_DIR: dir, TZ: 'UTC' }, maxBuffer: 512 << 20 });
if (r.status !== 0) {
  console.error(`ccusage failed: ${r.stderr}`);
  process.exit(1);
}
const ccu = JSON.parse(r.stdout).totals;
const D = { tokens: ccu.totalTokens as number, cost: ccu.totalCost as number };

const pct = (x: number, base: number) => (base === 0 ? '0' : ((100 * x) / base).toFixed(2));
const row = (name: string, dt: number, dc: number) =>
  `| ${name} | ${dt >= 0 ? '+' : ''}${dt.toLocaleString('en-US')} (${pct(dt, A.tokens)}%) | ${dc >= 0 ? '+' : ''}$${dc.toFixed(4)} (${pct(dc, A.cost)}%) |`;
console.log(`Data: ${dir} (${scanned.files.length} files, ${records.length} usage records)`);
console.log(`ccost: ${A.tokens.toLocaleString('en-US')} tokens, $${A.cost.toFixed(4)}; ccusage: ${D.tokens.toLocaleString('en-US')} tokens, $${D.cost.toFixed(4)}`);
console.log('');
console.log('| difference (ccusage minus ccost) | tokens | cost |');
console.log('|---|---|---|');
console.log(row('replayed responses without request id (ccusage counts each copy)', B.tokens - A.tokens, B.cost - A.cost));
console.log(row('long context (ccusage tiers each token kind past 200k)', C.tokens - B.tokens, C.cost - B.cost));
console.log(row('unexplained remainder', D.tokens - C.tokens, D.cost - C.cost));
console.log(row('total', D.tokens - A.tokens, D.cost - A.cost));
