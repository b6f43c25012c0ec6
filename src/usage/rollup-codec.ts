/**
 * A compact form of one file's rollup rows (numbers in a Float64Array, its few distinct strings in a
 * JSON array): how the ledger keeps rows per file, so that a run rewrites only the files that changed.
 */
import type { RollupRow } from './aggregate.js';
import { StringTable } from './string-table.js';
import type { CostUnits } from './money.js';
import type { FilePos } from './types.js';

const FIELDS = 18;

export interface EncodedRows {
  nums: Float64Array;
  /** JSON array of the model, session and cwd strings the rows name. */
  strs: string;
}

export function encodeRows(rows: readonly RollupRow[]): EncodedRows {
  const table = new StringTable();
  const nums = new Float64Array(rows.length * FIELDS);
  let o = 0;
  for (const r of rows) {
    nums[o++] = r.bucket;
    nums[o++] = r.subagent ? 1 : 0;
    nums[o++] = r.inputTokens;
    nums[o++] = r.outputTokens;
    nums[o++] = r.cacheCreationTokens;
    nums[o++] = r.cacheReadTokens;
    nums[o++] = r.totalTokens;
    nums[o++] = r.costAuto;
    nums[o++] = r.costCalculate;
    nums[o++] = r.costDisplay;
    nums[o++] = r.unpricedAuto ? 1 : 0;
    nums[o++] = r.unpricedCalculate ? 1 : 0;
    nums[o++] = r.events;
    nums[o++] = r.firstTimestamp;
    nums[o++] = r.lastTimestamp;
    nums[o++] = table.ref(r.model);
    nums[o++] = table.ref(r.session);
    nums[o++] = table.ref(r.cwd);
  }
  return { nums, strs: JSON.stringify(table.strings) };
}

/** The rows, bound to the file's place (`fileIndex`) in the caller's file table. */
export function decodeRows(enc: EncodedRows, fileIndex: FilePos, out: RollupRow[] = []): RollupRow[] {
  const strs = JSON.parse(enc.strs) as string[];
  const n = enc.nums;
  if (n.length % FIELDS !== 0) throw new Error(`stored rollup rows damaged: ${n.length} numbers`);
  for (let o = 0; o < n.length; o += FIELDS) {
    const cwd = n[o + 17]!;
    out.push({
      bucket: n[o]!,
      fileIndex,
      model: strs[n[o + 15]!]!,
      session: strs[n[o + 16]!]!,
      cwd: cwd < 0 ? null : strs[cwd]!,
      subagent: n[o + 1] === 1,
      inputTokens: n[o + 2]!,
      outputTokens: n[o + 3]!,
      cacheCreationTokens: n[o + 4]!,
      cacheReadTokens: n[o + 5]!,
      totalTokens: n[o + 6]!,
      costAuto: n[o + 7]! as CostUnits,
      costCalculate: n[o + 8]! as CostUnits,
      costDisplay: n[o + 9]! as CostUnits,
      unpricedAuto: n[o + 10] === 1,
      unpricedCalculate: n[o + 11] === 1,
      events: n[o + 12]!,
      firstTimestamp: n[o + 13]!,
      lastTimestamp: n[o + 14]!,
    });
  }
  return out;
}
