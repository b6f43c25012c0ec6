/**
 * Incremental dedup (usage/winners.ts) against dedup of everything at once (the Deduper): whatever
 * batches events arrive in, and whenever the stored changes are folded into a new base, the copies
 * kept per file are the same, and every file whose kept copies changed is reported as changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deduper, type CopyRank } from '../src/usage/dedup.js';
import type { UsageEvent } from '../src/usage/types.js';
import { addToWinners, baseWinnersIn, decodeWinners, encodeWinners, findInBase, keptEvents, mergeWinners, winnersFrom, type WinnerIndex } from '../src/usage/winners.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Two hosts, so that ties are broken by host and by path.
const places = Array.from({ length: 6 }, (_, i) => ({ host: i % 2 ? 'b' : 'a', path: `/p/${5 - i}.jsonl` }));

function randomEvents(r: () => number, n: number, offsets: number[]): UsageEvent[] {
  return Array.from({ length: n }, () => {
    const fileIndex = Math.floor(r() * places.length);
    const offset = (offsets[fileIndex] = (offsets[fileIndex] ?? 0) + 100);
    // Few ids, few token counts, few timestamps: plenty of copies and of ties.
    return {
      messageId: r() < 0.1 ? null : `m${Math.floor(r() * 40)}`, requestId: null, timestamp: Math.floor(r() * 3), model: 'x',
      inputTokens: Math.floor(r() * 3), outputTokens: Math.floor(r() * 2), cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0,
      simple: false, unsplitTokens: 0, recordedCost: null, speed: 'standard', sidechain: r() < 0.3, subagent: false, sessionId: null, cwd: null,
      fileIndex, offset,
    };
  });
}

/** Per file, the offsets of the events dedup keeps, from a Deduper over all of them. */
function keptByDeduper(events: readonly UsageEvent[]): string[] {
  const d = new Deduper(places);
  d.addAll(events);
  return places.map((_, f) => [...d.events()].filter((e) => e.fileIndex === f).map((e) => e.offset).sort((a, b) => a - b).join(','));
}

test('incremental dedup keeps what dedup of everything keeps, and names every file it changes', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const r = rng(seed);
    const offsets: number[] = [];
    const all = randomEvents(r, 1 + Math.floor(r() * 30), offsets);
    const first = new Deduper(places);
    first.addAll(all);
    // The stored form round-trips.
    let base: WinnerIndex = decodeWinners(encodeWinners(winnersFrom(first.winners(), first.winnerCount)));
    let later = new Map<string, CopyRank>();
    let before = keptByDeduper(all);
    for (let batch = 0; batch < 6; batch++) {
      const added = randomEvents(r, Math.floor(r() * 12), offsets);
      const wanted = new Set(added.flatMap((e) => (e.messageId === null ? [] : [e.messageId])));
      const inBase = findInBase(base, wanted);
      const { updates, changed } = addToWinners((id) => later.get(id) ?? inBase.get(id), added, places);
      for (const [id, rank] of updates) later.set(id, rank);
      if (r() < 0.3) {
        base = mergeWinners(base, later);
        later = new Map();
      }
      all.push(...added);
      const after = keptByDeduper(all);
      const step = `seed ${seed} batch ${batch}`;
      for (let f = 0; f < places.length; f++) if (after[f] !== before[f]) assert.ok(changed.has(f), `${step}: file ${f} changed unannounced`);
      // What the ledger computes for every file: the base's winners there, minus those a later change moved, plus the later ones.
      const every = new Set(places.map((_, f) => f));
      const kept = baseWinnersIn(base, every);
      for (const id of later.keys()) for (const m of kept.values()) m.delete(id);
      for (const [id, rank] of later) kept.get(rank.fileIndex)!.set(id, rank.offset);
      for (let f = 0; f < places.length; f++) {
        const got = keptEvents(all.filter((e) => e.fileIndex === f), kept.get(f)!).map((e) => e.offset).sort((a, b) => a - b).join(',');
        assert.equal(got, after[f], `${step}: file ${f}`);
      }
      before = after;
    }
  }
});
