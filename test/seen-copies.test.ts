/**
 * The stream's record of the copies reported (live/seen-copies.ts) answers as a Map of id strings
 * would, through growth, overwrites and a copy from another record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeenCopies, type SeenCopy } from '../src/live/seen-copies.js';
import { rng } from './helpers/rng.js';

test('SeenCopies answers as a Map of ids would, through growth and overwrites', () => {
  const rand = rng(7);
  const seen = new SeenCopies();
  const map = new Map<string, SeenCopy>();
  const id = () => `msg_${Math.floor(rand() * 60_000).toString(36)}${rand() < 0.1 ? 'é' : ''}`;
  for (let i = 0; i < 100_000; i++) {
    const k = id();
    if (rand() < 0.6) {
      // Counts up to the parser's bound (4 kinds of 1e9) and beyond 2^32 stay exact.
      const copy = { tokens: Math.floor(rand() * 4e9), sidechain: rand() < 0.3 };
      seen.set(k, copy);
      map.set(k, copy);
    } else assert.deepEqual(seen.get(k), map.get(k), k);
  }
  assert.equal(seen.size, map.size);
  for (const [k, v] of map) assert.deepEqual(seen.get(k), v);
  const other = new SeenCopies();
  other.set('msg_only_here', { tokens: 5, sidechain: false });
  other.addAll(seen);
  assert.equal(other.size, map.size + 1);
  for (const [k, v] of map) assert.deepEqual(other.get(k), v);
  assert.deepEqual(other.get('msg_only_here'), { tokens: 5, sidechain: false });
  assert.equal(other.get('msg_never'), undefined);
});
