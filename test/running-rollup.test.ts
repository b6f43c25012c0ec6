/**
 * The cold path's running dedup and rollup (usage/running-rollup.ts) against dedup of everything at
 * once followed by one rollup: whatever order whole files arrive in, the rows are the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rollup, type RollupRow } from '../src/usage/aggregate.js';
import { Deduper } from '../src/usage/dedup.js';
import { embeddedPricing } from '../src/usage/prices-file.js';
import { RunningRollup } from '../src/usage/running-rollup.js';
import type { FileId, FileOrigin, FileRef, UsageEvent } from '../src/usage/types.js';
import { rng } from './helpers/rng.js';

const FILES = 7;
const origins: FileOrigin[] = Array.from({ length: FILES }, (_, i) => ({
  host: i % 3 ? 'h1' : 'h2', path: `/d/projects/-w/${(i * 5) % FILES}.jsonl`, dataDir: '/d', projectDir: '-w', project: '-w', instance: null,
  mode: 'host', team: null, agent: null, role: null, container: null, pathSessionId: `s${i % 2}`, subagentFile: false,
}));
const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-6', '<synthetic>'];

function fileEvents(r: () => number, f: number): UsageEvent<FileId>[] {
  return Array.from({ length: Math.floor(r() * 12) }, (_, k) => {
    const id = Math.floor(r() * 25);
    return {
      messageId: r() < 0.1 ? null : `m${id}`, requestId: null, timestamp: Date.UTC(2025, 9, 1) + Math.floor(r() * 4) * 600_000, model: MODELS[id % 3]!,
      inputTokens: Math.floor(r() * 4), outputTokens: Math.floor(r() * 3) * 100, cacheWrite5mTokens: id, cacheWrite1hTokens: 0, cacheReadTokens: id * 10,
      simple: false, unsplitTokens: 0, recordedCost: null, speed: 'standard', sidechain: r() < 0.2, subagent: r() < 0.2, sessionId: r() < 0.5 ? null : 'sx',
      cwd: r() < 0.5 ? null : '/w', fileIndex: f as FileId, offset: k * 100,
    } satisfies UsageEvent<FileId>;
  });
}

const key = (r: RollupRow<FileRef>) => JSON.stringify([r.fileIndex, r.bucket, r.model, r.session, r.cwd, r.subagent, r.inputTokens, r.outputTokens, r.cacheCreationTokens, r.cacheReadTokens, r.totalTokens, r.events, r.firstTimestamp, r.lastTimestamp, r.costAuto.toFixed(12)]);

test('running rollup of whole files, in any order, = one rollup of everything deduplicated', () => {
  const pricing = embeddedPricing();
  let recounts = 0;
  for (let seed = 1; seed <= 150; seed++) {
    const r = rng(seed);
    const byFile = Array.from({ length: FILES }, (_, f) => fileEvents(r, f));
    const d = new Deduper(origins);
    for (const events of byFile) d.addAll(events);
    const expected = rollup([...d.events()], origins, pricing).map(key).sort();

    const running = new RunningRollup(origins, pricing);
    const order = [...byFile.keys()].sort(() => r() - 0.5);
    for (const f of order) running.addFile(f as FileId, byFile[f]!.map((e) => ({ ...e })));
    for (const f of [...running.staleFiles()]) {
      running.recount(f as FileId, byFile[f]!.map((e) => ({ ...e })));
      recounts++;
    }
    const got = [...running.rowsByFile().values()].flat().map(key).sort();
    assert.deepEqual(got, expected, `seed ${seed}, files in order ${order}`);
    // Every winner is found in the file its rank names.
    for (const [f, ids] of running.winnerIdsByFile())
      for (const id of ids) assert.ok(byFile[f]!.some((e) => e.messageId === id && e.offset === running.rankOf(id).offset && running.rankOf(id).fileIndex === f));
  }
  assert.ok(recounts > 20, `recounts exercised: ${recounts}`);
});
