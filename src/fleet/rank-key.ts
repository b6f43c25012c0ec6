/**
 * The dedup order (usage/dedup.ts: most tokens, then the non-sidechain copy, then the earliest
 * timestamp, then the smallest host, file path and byte offset) as one byte string, larger for the
 * copy to keep: PostgreSQL compares bytea byte by byte as Buffer.compare does, so the fleet's merge
 * (`excluded.rank_key > ccost_events.rank_key`) and JavaScript pick the same copy whatever the order
 * of the syncs. Within one host (one host string) it orders copies as preferRank does. Pure.
 */
import type { CopyRank } from '../usage/dedup.js';

const U64_MAX = (1n << 64n) - 1n;

export type RankKey = Buffer & { readonly __brand: 'RankKey' };

export function rankKey(copy: Omit<CopyRank, 'fileIndex'>, host: string, path: string): RankKey {
  const h = Buffer.from(host, 'utf8');
  const p = Buffer.from(path, 'utf8');
  const out = Buffer.alloc(8 + 1 + 8 + h.length + 1 + p.length + 1 + 8);
  let at = out.writeBigUInt64BE(BigInt(copy.tokens), 0);
  at = out.writeUInt8(copy.sidechain ? 0 : 1, at);
  at = out.writeBigUInt64BE(U64_MAX - BigInt(copy.timestamp), at);
  at = smallerFirst(out, h, at);
  at = smallerFirst(out, p, at);
  out.writeBigUInt64BE(U64_MAX - BigInt(copy.offset), at);
  return out as RankKey;
}

/**
 * A string where the smaller one must give the larger key: each byte inverted, then 0xff. A string
 * that is a prefix of another (so smaller) ends where the other goes on with an inverted byte, which
 * is below 0xff since no host name or path holds a NUL byte.
 */
function smallerFirst(out: Buffer, s: Buffer, at: number): number {
  for (let i = 0; i < s.length; i++) out[at + i] = 0xff - s[i]!;
  out[at + s.length] = 0xff;
  return at + s.length + 1;
}
