/**
 * The server's efficiency report, kept as sums per file and read again only for the files a round
 * changed (serve/efficiency-feed.ts), equals the report made from every counted response of the
 * ledger after each change: appends, a better copy of a message in another file (the winner moves),
 * a new file, and a truncation (a full round).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerStore } from '../src/ledger/store.js';
import { ServeFollower } from '../src/serve/follower.js';
import { EFFICIENCY_BY } from '../src/usage/efficiency.js';
import { embeddedPricing } from '../src/usage/prices-file.js';
import { Calendar } from '../src/usage/time.js';
import { rng } from './helpers/rng.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-efficiency-feed-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-not-priced-9'];

function line(id: number, output: number, model: string, subagent = false): string {
  return JSON.stringify({
    type: 'assistant',
    timestamp: new Date(Date.UTC(2025, 9, 1) + id * 60_000).toISOString(),
    sessionId: `s${id % 4}`,
    isSidechain: subagent,
    message: { id: `msg_${id}`, model, usage: { input_tokens: 10 + (id % 7), output_tokens: output, cache_creation_input_tokens: (id % 3) * 4000, cache_read_input_tokens: id * 10 } },
  });
}

test('the efficiency report kept file by file equals one made from every response, after each kind of change', async () => {
  const r = rng(777);
  const data = join(root, 'data');
  const dirs = [join(data, 'projects', '-w-a'), join(data, 'projects', 'ccbox-agent1--w'), join(data, 'projects', 'ccbox-agent2--w')];
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const random = (id: number) => line(id, 1 + Math.floor(r() * 900), MODELS[id % MODELS.length]!, id % 5 === 0);
  const files = dirs.map((d, i) => join(d, `f${i}.jsonl`));
  files.forEach((f, i) => writeFileSync(f, Array.from({ length: 12 }, (_, k) => random(i * 12 + k)).join('\n') + '\n'));
  const { store } = LedgerStore.open(join(root, 'ledger.db'));
  const follower = new ServeFollower(store, [data], embeddedPricing(), 'auto', new Calendar('UTC'));
  await follower.start();
  let next = 100;
  const incremental: string[] = [];
  for (let step = 0; step < 12; step++) {
    let walk = false;
    const op = (['append', 'better-copy', 'new', 'append', 'truncate', 'better-copy'] as const)[step % 6]!;
    if (op === 'append') appendFileSync(files[Math.floor(r() * files.length)]!, Array.from({ length: 3 }, () => random(next++)).join('\n') + '\n');
    else if (op === 'better-copy') {
      // A message of the first file, again in the last with more output: that copy wins, the first file loses it.
      const id = Math.floor(r() * 12);
      appendFileSync(files[files.length - 1]!, line(id, 5000, MODELS[id % MODELS.length]!) + '\n');
    } else if (op === 'new') {
      const f = join(dirs[step % dirs.length]!, `n${step}.jsonl`);
      writeFileSync(f, Array.from({ length: 4 }, () => random(next++)).join('\n') + '\n');
      files.push(f);
      walk = true;
    } else {
      const f = files[1]!;
      truncateSync(f, Buffer.byteLength(readFileSync(f, 'utf8').split('\n').slice(0, 6).join('\n') + '\n'));
    }
    await follower.round(walk, null);
    const { view } = follower.state();
    if (view.delta && view.delta.files.length > 0) incremental.push(op);
    for (const by of EFFICIENCY_BY) assert.deepEqual(follower.efficiencyOfAll(by), follower.efficiency(by, () => true), `step ${step} (${op}), by ${by}`);
  }
  // The kept sums were changed file by file (not read whole) after appends, moved winners and new files.
  for (const op of ['append', 'better-copy', 'new']) assert.ok(incremental.includes(op), `${op} was a change of some files: ${incremental.join(' ')}`);
  const report = follower.efficiencyOfAll('model');
  assert.ok(report.findings.length > 0 && report.unpricedModels.includes('claude-not-priced-9'), 'the data holds findings and an unpriced model');
  store.db.close();
});
