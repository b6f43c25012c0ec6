/**
 * `ccost export --events`: one row per counted response (each message once, as every report counts
 * it), for accounting and for tools of the user's own. Pure: the responses with their files in, rows
 * and text out. Each row's cost is its exact number of cost units written as dollars, so the rows'
 * costs add up (in exact decimals) to the reports' totals.
 */
import { agentOf, BUCKET_MS, eventCost, NO_MODEL, sessionKey } from '../usage/aggregate.js';
import { unitsToUsd, UNITS_PER_USD } from '../usage/money.js';
import type { Pricing } from '../usage/pricing.js';
import type { CostMode, FileOrigin, UsageEvent } from '../usage/types.js';
import { NO_TEAM, type FilterTest } from './build.js';
import { csvField } from './csv.js';

export interface CountedResponse {
  event: UsageEvent;
  file: FileOrigin;
}

export interface ExportRow {
  /** ISO-8601, UTC. */
  time: string;
  host: string;
  agent: string;
  team: string;
  project: string;
  session: string;
  model: string;
  messageId: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  cost: number;
}

/** The rows of the responses `test` keeps (all without one), oldest first; ties in host, file and place order. */
export function exportRows(responses: readonly CountedResponse[], mode: CostMode, pricing: Pricing, test: FilterTest | null): ExportRow[] {
  const kept = test ? responses.filter(({ event: e, file }) => test(Math.floor(e.timestamp / BUCKET_MS), e.model ?? NO_MODEL, e.cwd, file)) : [...responses];
  kept.sort((a, b) => a.event.timestamp - b.event.timestamp || compare(a.file.host, b.file.host) || compare(a.file.path, b.file.path) || a.event.offset - b.event.offset);
  return kept.map(({ event: e, file }) => ({
    time: new Date(e.timestamp).toISOString(),
    host: file.host,
    agent: agentOf(file),
    team: file.team ?? NO_TEAM,
    project: file.project,
    session: sessionKey(e, file),
    model: e.model ?? NO_MODEL,
    messageId: e.messageId,
    inputTokens: e.inputTokens,
    outputTokens: e.outputTokens,
    cacheWrite5mTokens: e.cacheWrite5mTokens,
    cacheWrite1hTokens: e.cacheWrite1hTokens,
    cacheReadTokens: e.cacheReadTokens,
    cost: unitsToUsd(eventCost(e, mode, pricing).units),
  }));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const COLUMNS = ['time', 'host', 'agent', 'team', 'project', 'session', 'model', 'messageId', 'inputTokens', 'outputTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens', 'cacheReadTokens', 'cost'] as const;

/** A cost as the exact decimal of its whole units (never an exponent, which `String(3.125e-7)` gives). */
export function decimalUsd(usd: number): string {
  const units = Math.round(usd * UNITS_PER_USD);
  const sign = units < 0 ? '-' : '';
  const abs = Math.abs(units);
  const whole = Math.floor(abs / UNITS_PER_USD);
  const frac = String(abs % UNITS_PER_USD).padStart(10, '0').replace(/0+$/, '');
  return `${sign}${whole}${frac ? `.${frac}` : ''}`;
}

/** RFC 4180, a header line first; written in pieces (a year of a fleet is millions of rows). */
export function* csvLines(rows: readonly ExportRow[]): Generator<string> {
  yield COLUMNS.join(',') + '\n';
  let chunk = '';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    chunk += COLUMNS.map((c) => (c === 'cost' ? decimalUsd(r.cost) : csvField(r[c]))).join(',') + '\n';
    if (i % 2000 === 1999) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** `{"events": [...]}`, one event per line, in pieces. */
export function* jsonLines(rows: readonly ExportRow[]): Generator<string> {
  yield '{"events": [\n';
  let chunk = '';
  for (let i = 0; i < rows.length; i++) {
    chunk += JSON.stringify(rows[i]) + (i < rows.length - 1 ? ',\n' : '\n');
    if (i % 2000 === 1999) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk + ']}\n';
}
