/**
 * Transcript line (already JSON-parsed) → usage events. Pure: no I/O.
 *
 * Usage sources (DESIGN §2): `message.usage` of any line; subagent responses nested in
 * `type:"progress"` lines (`data.message.message.usage`); the seed guide's simple
 * `{"timestamp","model","tokens","cost"}` line. `toolUseResult.usage` repeats usage already
 * counted elsewhere and is deliberately ignored.
 */
import type { ScanSlot, Speed, UsageEvent } from './types.js';

export interface LineContext {
  fileIndex: ScanSlot;
  offset: number;
  /** The file itself is a subagent transcript. */
  subagentFile: boolean;
  /** Returns one shared copy of strings that repeat on every line (session id, cwd, model). */
  intern?: (s: string) => string;
}

export interface LineResult {
  events: UsageEvent<ScanSlot>[];
  /** Usage records present but rejected by validation. */
  invalid: number;
}

// Z or ±hh:mm / ±hhmm offset is required: a zone-less time is ambiguous, so it is rejected.
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

export function parseTimestamp(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const fast = claudeCodeTime(v);
  if (fast >= 0) return fast;
  const m = ISO_RE.exec(v);
  if (!m) return null;
  // Date.parse rolls 2025-02-30 over into March and reads 24:00 as the next midnight: such a day or
  // time does not exist, so the record is rejected.
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[7] ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : null;
}

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 ? (leap ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/**
 * The form Claude Code writes on every line, `2025-10-01T10:00:00.000Z`, read digit by digit (the
 * regular expression and Date.parse took ~90 ms per 300,000 stamps here, this ~35 ms). -1 for anything
 * else, including days past the 28th (whether they exist depends on the month: Date.parse decides)
 * and years before 100.
 */
function claudeCodeTime(v: string): number {
  if (v.length !== 24 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(10) !== 84 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58 || v.charCodeAt(19) !== 46 || v.charCodeAt(23) !== 90) return -1;
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 2);
  const day = digits(v, 8, 2);
  const hour = digits(v, 11, 2);
  const minute = digits(v, 14, 2);
  const second = digits(v, 17, 2);
  const milli = digits(v, 20, 3);
  // Date.UTC reads years 0-99 as 1900-1999.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > 28 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || milli < 0) return -1;
  return Date.UTC(year, month - 1, day, hour, minute, second, milli);
}

/** The decimal number in v[at, at + n), or -1 if any of it is not a digit. */
function digits(v: string, at: number, n: number): number {
  let x = 0;
  for (let i = at; i < at + n; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    x = x * 10 + c;
  }
  return x;
}

/**
 * The largest token count of one kind in one response (a thousand times the largest context window):
 * beyond it a line is junk (1e308 was taken once), and below it a response's cost stays under 2^52
 * cost units at every price in the table, so sums stay exact (usage/money.ts).
 */
export const MAX_COUNT = 1_000_000_000;

/** Required counts: a whole number from 0 to MAX_COUNT. */
function required(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_COUNT ? v : null;
}

/** Optional counts: absent or null mean 0; anything else must be a non-negative integer. */
function optional(v: unknown): number | null {
  if (v === undefined || v === null) return 0;
  return required(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** A recorded cost above this for one response is not believed (and could not be summed exactly): the tokens are priced instead. */
const MAX_RECORDED_COST = 100_000;

function recordedCost(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_RECORDED_COST ? v : null;
}

interface UsageFields {
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  speed: Speed;
}

/** Validates a `usage` object; null rejects the record. */
export function readUsage(u: Record<string, unknown>): UsageFields | null {
  const input = required(u.input_tokens);
  const output = required(u.output_tokens);
  const creation = optional(u.cache_creation_input_tokens);
  const read = optional(u.cache_read_input_tokens);
  if (input === null || output === null || creation === null || read === null) return null;
  let w5 = creation;
  let w1 = 0;
  const split = obj(u.cache_creation);
  if (split && (split.ephemeral_5m_input_tokens != null || split.ephemeral_1h_input_tokens != null)) {
    const a = optional(split.ephemeral_5m_input_tokens);
    const b = optional(split.ephemeral_1h_input_tokens);
    if (a === null || b === null) return null;
    w5 = a;
    w1 = b;
  }
  return {
    inputTokens: input,
    outputTokens: output,
    cacheWrite5mTokens: w5,
    cacheWrite1hTokens: w1,
    cacheReadTokens: read,
    speed: u.speed === 'fast' ? 'fast' : 'standard',
  };
}

export function eventsFromRecord(rec: unknown, ctx: LineContext): LineResult {
  const out: LineResult = { events: [], invalid: 0 };
  const line = obj(rec);
  if (!line) return out;
  const sidechain = line.isSidechain === true;
  const intern = ctx.intern ?? ((x: string) => x);
  const shared = (v: unknown) => {
    const s = str(v);
    return s === null ? null : intern(s);
  };
  const sessionId = shared(line.sessionId);
  const cwd = shared(line.cwd);

  // One response found in this line: its own message object, and where its usage sits.
  const response = (msg: Record<string, unknown>, u: Record<string, unknown>, timestamp: unknown, requestId: unknown, cost: number | null, subagent: boolean) => {
    const fields = readUsage(u);
    const ts = parseTimestamp(timestamp);
    if (!fields || ts === null) {
      out.invalid++;
      return;
    }
    out.events.push({
      messageId: str(msg.id),
      requestId: str(requestId),
      timestamp: ts,
      model: shared(msg.model),
      ...fields,
      unsplitTokens: 0,
      simple: false,
      recordedCost: cost,
      sidechain,
      subagent,
      sessionId,
      cwd,
      fileIndex: ctx.fileIndex,
      offset: ctx.offset,
    });
  };

  const message = obj(line.message);
  const usage = message ? obj(message.usage) : null;
  if (message && usage) response(message, usage, line.timestamp, line.requestId, recordedCost(line.costUSD), ctx.subagentFile);
  // A usage that is there but not an object (a list, a number) is a damaged record, not no record.
  else if (message && message.usage !== undefined && message.usage !== null) out.invalid++;

  if (line.type === 'progress') {
    const outer = obj(obj(line.data)?.message);
    const inner = outer ? obj(outer.message) : null;
    const innerUsage = inner ? obj(inner.usage) : null;
    // A subagent's response copied into its parent's transcript.
    if (outer && inner && innerUsage) response(inner, innerUsage, outer.timestamp ?? line.timestamp, outer.requestId, null, true);
  }

  // The seed guide's simple format: no message object, a bare token count.
  if (!message && 'tokens' in line) {
    const tokens = required(line.tokens);
    const ts = parseTimestamp(line.timestamp);
    if (tokens === null || ts === null) out.invalid++;
    else
      out.events.push({
        messageId: null,
        requestId: null,
        timestamp: ts,
        model: shared(line.model),
        inputTokens: 0,
        outputTokens: 0,
        cacheWrite5mTokens: 0,
        cacheWrite1hTokens: 0,
        cacheReadTokens: 0,
        unsplitTokens: tokens,
        simple: true,
        recordedCost: recordedCost(line.cost),
        speed: 'standard',
        sidechain,
        subagent: ctx.subagentFile,
        sessionId,
        cwd,
        fileIndex: ctx.fileIndex,
        offset: ctx.offset,
      });
  }
  return out;
}
