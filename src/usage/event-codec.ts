/**
 * A compact form of a list of UsageEvents: numbers in one Float64Array, strings in one JSON
 * array. It crosses threads cheaply (the array buffer is transferred, not copied) and is how the
 * ledger stores each file's events.
 */
import type { UsageEvent } from './types.js';

const FIELDS = 11;
const SIDECHAIN = 1;
const SUBAGENT = 2;
const SIMPLE = 4;
const FAST = 8;

export interface EncodedEvents {
  count: number;
  nums: Float64Array;
  /** JSON array: messageId, requestId, model, sessionId, cwd per event. */
  strs: string;
}

export function encodeEvents(events: readonly UsageEvent[]): EncodedEvents {
  const nums = new Float64Array(events.length * FIELDS);
  const strs: Array<string | null> = new Array(events.length * 5);
  events.forEach((e, i) => {
    const o = i * FIELDS;
    nums[o] = e.timestamp;
    nums[o + 1] = e.inputTokens;
    nums[o + 2] = e.outputTokens;
    nums[o + 3] = e.cacheWrite5mTokens;
    nums[o + 4] = e.cacheWrite1hTokens;
    nums[o + 5] = e.cacheReadTokens;
    nums[o + 6] = e.unsplitTokens;
    nums[o + 7] = e.recordedCost ?? NaN;
    nums[o + 8] = e.fileIndex;
    nums[o + 9] = e.offset;
    nums[o + 10] = (e.sidechain ? SIDECHAIN : 0) | (e.subagent ? SUBAGENT : 0) | (e.simple ? SIMPLE : 0) | (e.speed === 'fast' ? FAST : 0);
    const s = i * 5;
    strs[s] = e.messageId;
    strs[s + 1] = e.requestId;
    strs[s + 2] = e.model;
    strs[s + 3] = e.sessionId;
    strs[s + 4] = e.cwd;
  });
  return { count: events.length, nums, strs: JSON.stringify(strs) };
}

/** Decodes; `fileIndex` (when given) replaces the stored one, for events read back from the ledger. */
export function decodeEvents(enc: EncodedEvents, fileIndex?: number): UsageEvent[] {
  const strs = JSON.parse(enc.strs) as Array<string | null>;
  // Session id, model and cwd repeat across events: share one copy of each.
  const seen = new Map<string, string>();
  const shared = (v: string | null) => {
    if (v === null) return null;
    const hit = seen.get(v);
    if (hit !== undefined) return hit;
    seen.set(v, v);
    return v;
  };
  const out: UsageEvent[] = new Array(enc.count);
  const n = enc.nums;
  for (let i = 0; i < enc.count; i++) {
    const o = i * FIELDS;
    const s = i * 5;
    const flags = n[o + 10]!;
    const cost = n[o + 7]!;
    out[i] = {
      messageId: strs[s]!,
      requestId: strs[s + 1]!,
      timestamp: n[o]!,
      model: shared(strs[s + 2]!),
      inputTokens: n[o + 1]!,
      outputTokens: n[o + 2]!,
      cacheWrite5mTokens: n[o + 3]!,
      cacheWrite1hTokens: n[o + 4]!,
      cacheReadTokens: n[o + 5]!,
      simple: (flags & SIMPLE) !== 0,
      unsplitTokens: n[o + 6]!,
      recordedCost: Number.isNaN(cost) ? null : cost,
      speed: (flags & FAST) !== 0 ? 'fast' : 'standard',
      sidechain: (flags & SIDECHAIN) !== 0,
      subagent: (flags & SUBAGENT) !== 0,
      sessionId: shared(strs[s + 3]!),
      cwd: shared(strs[s + 4]!),
      fileIndex: fileIndex ?? n[o + 8]!,
      offset: n[o + 9]!,
    };
  }
  return out;
}
