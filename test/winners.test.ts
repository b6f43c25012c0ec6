/**
 * Incremental dedup (usage/winners.ts) against dedup of everything at once (the Deduper): whatever
 * batches events arrive in, and whenever the stored changes are folded into a new base, the copies
 * kept per file are the same, and every file whose kept copies changed is reported as changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deduper, rankOf } from '../src/usage/dedup.js';
import type { FilePos, UsageEvent } from '../src/usage/types.js';
import {
  addToWinners, buildIndex, decodeFileWinners, encodeFileWinners, hashId, keptEvents, WinnerIndexView, type FileWinners, type WinnerIndex,
} from '../src/usage/winners.js';
import { rng } from './helpers/rng.js';

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
      fileIndex: fileIndex as FilePos, offset,
    };
  });
}

/** Per file, the offsets of the events dedup keeps, from a Deduper over all of them. */
function keptByDeduper(events: readonly UsageEvent[]): string[] {
  const d = new Deduper(places);
  d.addAll(events);
  return places.map((_, f) => [...d.events()].filter((e) => e.fileIndex === f).map((e) => e.offset).sort((a, b) => a - b).join(','));
}

function indexOf(winners: ReadonlyMap<number, FileWinners>): WinnerIndex {
  const entries = [...winners].flatMap(([f, w]) => [...w.keys()].map((id) => [id, f] as [string, number]));
  return buildIndex(entries, entries.length);
}

test('incremental dedup keeps what dedup of everything keeps, and names every file it changes', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const r = rng(seed);
    const offsets: number[] = [];
    const all = randomEvents(r, 1 + Math.floor(r() * 30), offsets);
    const first = new Deduper(places);
    first.addAll(all);
    // What the ledger keeps: each file's winners (through their stored form) and the index.
    let winners = new Map<number, FileWinners>(places.map((_, f) => [f, new Map()]));
    for (const e of first.winners()) winners.get(e.fileIndex)!.set(e.messageId!, rankOf(e));
    winners = new Map([...winners].map(([f, w]) => [f, decodeFileWinners(encodeFileWinners(w), f)]));
    let index = indexOf(winners);
    // The index as the ledger keeps it: a base and the changes since, sometimes folded into a new base.
    let view = WinnerIndexView.of(index);
    let before = keptByDeduper(all);
    for (let batch = 0; batch < 6; batch++) {
      const added = randomEvents(r, Math.floor(r() * 12), offsets);
      const winnerOf = (id: string) => WinnerIndexView.of(index).candidates(id).map((f) => winners.get(f)!.get(id)).find((x) => x !== undefined);
      const { updates, changed } = addToWinners(winnerOf, added, places);
      const removed: Array<[string, number]> = [];
      const moved: Array<[string, number]> = [];
      for (const [id, { rank, was }] of updates) {
        if (was) {
          assert.ok(winners.get(was.fileIndex)!.delete(id));
          removed.push([id, was.fileIndex]);
        }
        winners.get(rank.fileIndex)!.set(id, rank);
        moved.push([id, rank.fileIndex]);
      }
      index = WinnerIndexView.of(index).with(removed, moved).folded();
      assert.deepEqual(index, indexOf(winners), 'the updated index = one built afresh');
      view = WinnerIndexView.of(view.base, view.with(removed, moved).encodeChanges());
      if (r() < 0.3) view = WinnerIndexView.of(view.folded());
      assert.deepEqual(view.folded(), index, 'base + stored changes = the index');
      for (const [f, w] of winners) for (const id of w.keys()) assert.ok(view.candidates(id).includes(f), `${id} in ${f}`);
      all.push(...added);
      const after = keptByDeduper(all);
      const step = `seed ${seed} batch ${batch}`;
      for (let f = 0; f < places.length; f++) {
        if (after[f] !== before[f]) assert.ok(changed.has(f), `${step}: file ${f} changed unannounced`);
        const got = keptEvents(all.filter((e) => e.fileIndex === f), winners.get(f)!).map((e) => e.offset).sort((a, b) => a - b).join(',');
        assert.equal(got, after[f], `${step}: file ${f}`);
      }
      before = after;
    }
  }
});

test('the winner index finds the file of every id, also when hashes collide', () => {
  // Find a real collision by search (a 32-bit hash collides within ~100k ids).
  const byHash = new Map<number, string>();
  let pair: [string, string] | null = null;
  for (let i = 0; pair === null; i++) {
    const id = `msg_${i}`;
    const h = hashId(id);
    const other = byHash.get(h);
    if (other !== undefined) pair = [other, id];
    else byHash.set(h, id);
  }
  const [a, b] = pair;
  const index = buildIndex([[a, 7], [b, 9], ['msg_x', 7]], 3);
  const view = WinnerIndexView.of(index);
  assert.deepEqual(view.candidates(a).sort(), [7, 9]);
  assert.deepEqual(view.candidates(b).sort(), [7, 9]);
  assert.deepEqual(view.candidates('msg_x'), [7]);
  assert.deepEqual(view.candidates('msg_absent'), []);
  assert.deepEqual(view.with([[a, 7]], [[a, 9]]).folded(), buildIndex([[a, 9], [b, 9], ['msg_x', 7]], 3));
  // Two ids of one hash in one file: moving one away leaves the file a candidate for the other.
  const twice = WinnerIndexView.of(buildIndex([[a, 7], [b, 7]], 2)).with([[a, 7]], [[a, 9]]);
  assert.deepEqual(twice.candidates(b).sort(), [7, 9]);
  assert.deepEqual(WinnerIndexView.of(twice.base, twice.encodeChanges()).folded(), buildIndex([[b, 7], [a, 9]], 2));
});
