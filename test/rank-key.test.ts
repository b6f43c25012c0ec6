/**
 * The fleet's rank key orders copies of a message as the dedup order does (usage/dedup.ts
 * preferRank), through ties in every field; the PostgreSQL side of the same claim is in fleet.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rankKey } from '../src/fleet/rank-key.js';
import { preferRank, type CopyRank } from '../src/usage/dedup.js';
import { rng } from './helpers/rng.js';

const PATHS = ['/h/a.jsonl', '/h/a.jsonl2', '/h/ab.jsonl', '/h/b.jsonl', '/h/a', '/h/é.jsonl', '/h/z/a.jsonl'];
const HOSTS = ['alpha', 'alpha2', 'beta', 'al'];

test('sorting by rank key (largest first) gives the dedup order, ties included', () => {
  const r = rng(2024);
  for (let round = 0; round < 200; round++) {
    const files = Array.from({ length: 6 }, () => ({ host: HOSTS[Math.floor(r() * HOSTS.length)]!, path: PATHS[Math.floor(r() * PATHS.length)]! }));
    const copies: CopyRank[] = Array.from({ length: 12 }, () => ({
      tokens: [0, 5, 5, 1e15, 2 ** 53 - 1][Math.floor(r() * 5)]!,
      sidechain: r() < 0.5,
      timestamp: [1_700_000_000_000, 1_700_000_000_001, 0][Math.floor(r() * 3)]!,
      fileIndex: Math.floor(r() * files.length),
      offset: [0, 1, 255, 256, 2 ** 40][Math.floor(r() * 5)]!,
    }));
    const byRank = [...copies].sort((a, b) => preferRank(a, b, files));
    const byKey = [...copies].sort((a, b) => Buffer.compare(rankKey(b, files[b.fileIndex]!.host, files[b.fileIndex]!.path), rankKey(a, files[a.fileIndex]!.host, files[a.fileIndex]!.path)));
    // Copies equal in every field may come in either order; their ranks must still match one by one.
    const show = (c: CopyRank) => `${c.tokens}/${c.sidechain}/${c.timestamp}/${files[c.fileIndex]!.host}/${files[c.fileIndex]!.path}/${c.offset}`;
    assert.deepEqual(byKey.map(show), byRank.map(show), `round ${round}`);
  }
});
