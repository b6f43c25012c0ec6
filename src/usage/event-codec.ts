/**
 * A compact form of a list of UsageEvents: numbers in one Float64Array, strings in one JSON
 * text. It crosses threads cheaply (the array buffer is transferred, not copied) and is how the
 * ledger stores each file's events.
 */
import { StringTable } from './string-table.js';
import type { FileRef, ScanSlot, UsageEvent } from './types.js';

const FIELDS = 11;
const SIDECHAIN = 1;
const SUBAGENT = 2;
const SIMPLE = 4;
const FAST = 8;

export interface EncodedEvents {
  count: number;
  nums: Float64Array;
  /**
   * JSON: {"ids": [messageId, requestId] per event, "dict": the distinct model, session id and cwd
   * strings, "refs": [model, sessionId, cwd] per event as places in dict (-1: none)}. Ledgers written
   * before hold a plain array of [messageId, requestId, model, sessionId, cwd] per event: still read.
   */
  strs: string;
}

interface StrsV2 {
  ids: Array<string | null>;
  dict: string[];
  refs: number[];
}

export function encodeEvents(events: readonly UsageEvent[]): EncodedEvents {
  const nums = new Float64Array(events.length * FIELDS);
  const ids: Array<string | null> = new Array(events.length * 2);
  const refs: number[] = new Array(events.length * 3);
  // Models, sessions and cwds repeat across a file's events: each is written once.
  const dict = new StringTable();
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
    ids[i * 2] = e.messageId;
    ids[i * 2 + 1] = e.requestId;
    refs[i * 3] = dict.ref(e.model);
    refs[i * 3 + 1] = dict.ref(e.sessionId);
    refs[i * 3 + 2] = dict.ref(e.cwd);
  });
  const strs: StrsV2 = { ids, dict: dict.strings, refs };
  return { count: events.length, nums, strs: JSON.stringify(strs) };
}

/** Per event: messageId, requestId, model, sessionId, cwd (shared strings). */
function stringsOf(enc: EncodedEvents): (i: number, k: number) => string | null {
  if (enc.strs.startsWith('{')) {
    const { ids, dict, refs } = JSON.parse(enc.strs) as StrsV2;
    return (i, k) => {
      if (k < 2) return ids[i * 2 + k]!;
      const r = refs[i * 3 + k - 2]!;
      return r < 0 ? null : dict[r]!;
    };
  }
  const flat = JSON.parse(enc.strs) as Array<string | null>;
  // Session id, model and cwd repeat across events: share one copy of each.
  const seen = new Map<string, string>();
  return (i, k) => {
    const v = flat[i * 5 + k]!;
    if (k < 2 || v === null) return v;
    const hit = seen.get(v);
    if (hit !== undefined) return hit;
    seen.set(v, v);
    return v;
  };
}

/** Decodes; `fileIndex` (when given) replaces the stored scan slot, for events read back from the ledger. */
export function decodeEvents(enc: EncodedEvents): UsageEvent<ScanSlot>[];
export function decodeEvents<F extends FileRef>(enc: EncodedEvents, fileIndex: F): UsageEvent<F>[];
export function decodeEvents(enc: EncodedEvents, fileIndex?: FileRef): UsageEvent[] {
  const str = stringsOf(enc);
  const out: UsageEvent[] = new Array(enc.count);
  const n = enc.nums;
  for (let i = 0; i < enc.count; i++) {
    const o = i * FIELDS;
    const flags = n[o + 10]!;
    const cost = n[o + 7]!;
    out[i] = {
      messageId: str(i, 0),
      requestId: str(i, 1),
      timestamp: n[o]!,
      model: str(i, 2),
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
      sessionId: str(i, 3),
      cwd: str(i, 4),
      fileIndex: fileIndex ?? (n[o + 8]! as ScanSlot),
      offset: n[o + 9]!,
    };
  }
  return out;
}
