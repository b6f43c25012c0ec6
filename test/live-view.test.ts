/**
 * The live view of watch and alert --watch (#14: each change re-ran the whole report). After the
 * first view, each one updates the rows it holds: after every change to the files its totals equal
 * the reference implementation's and a fresh report's (which finds the ledger's rollups current).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { LedgerStore } from '../src/ledger/store.js';
import { LiveView } from '../src/ledger/live-view.js';
import { viewFromLedger, viewFromFiles } from '../src/ledger/view.js';
import { costRows, sumTotals, totalsOf } from '../src/usage/aggregate.js';
import { embeddedPricing } from '../src/usage/prices-file.js';
import { PRICES } from './helpers/paths.js';
import { reference } from './helpers/reference.js';
import { rng } from './helpers/rng.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-live-view-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

function line(r: () => number): string {
  const id = Math.floor(r() * 80);
  return JSON.stringify({
    type: 'assistant',
    timestamp: new Date(Date.UTC(2025, 9, 1) + id * 60_000).toISOString(),
    sessionId: `s${id % 5}`,
    message: { id: `msg_${id}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 10 + (id % 7), output_tokens: 1 + Math.floor(r() * 500), cache_read_input_tokens: id } },
  });
}

test('a live view follows appends, new files and truncations with the reference totals, and keeps the ledger current', async () => {
  const r = rng(4242);
  const data = join(root, 'data');
  const dirs = [join(data, 'projects', '-w-a'), join(data, 'projects', 'ccbox-agent1--w')];
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const files = [join(dirs[0]!, 'a.jsonl')];
  writeFileSync(files[0]!, Array.from({ length: 20 }, () => line(r)).join('\n') + '\n');
  const { store } = LedgerStore.open(join(root, 'ledger.db'));
  const pricing = embeddedPricing();
  const live = new LiveView(store, [data], pricing);
  const hows: string[] = [];
  for (let step = 0; step < 16; step++) {
    let walk = step === 0;
    const op = step === 0 ? 'none' : (['append', 'append', 'new', 'truncate'] as const)[step % 4]!;
    if (op === 'append') appendFileSync(files[Math.floor(r() * files.length)]!, Array.from({ length: 3 }, () => line(r)).join('\n') + '\n');
    else if (op === 'new') {
      const f = join(dirs[step % 2]!, `n${step}.jsonl`);
      writeFileSync(f, Array.from({ length: 4 }, () => line(r)).join('\n') + '\n');
      files.push(f);
      walk = true;
    } else if (op === 'truncate') {
      // Loses lines: the reference then sees only what is left (nothing was deleted, so no graveyard).
      const f = files[0]!;
      const kept = readFileSync(f, 'utf8').split('\n').slice(0, 10).join('\n') + '\n';
      truncateSync(f, Buffer.byteLength(kept));
    }
    const view = await live.view(walk);
    if (view.ledger) hows.push(view.ledger.rollups);
    const ours = totalsOf(sumTotals(costRows(view.rows, view.files, 'auto')));
    const ref = reference(data, PRICES).totals;
    for (const k of ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens'] as const) assert.equal(ours[k], ref[k], `step ${step} (${op}): ${k}`);
    assert.ok(Math.abs(ours.totalCost - ref.totalCost) < 1e-9, `step ${step} (${op}): cost`);
    // A scan of the files gives the same bytes; a report made now finds the rollups as the live view left them.
    const scan = await viewFromFiles([data], pricing);
    assert.deepEqual(totalsOf(sumTotals(costRows(scan.rows, scan.files, 'auto'))), ours, `step ${step}: scan`);
    const report = await viewFromLedger(store, [data], pricing);
    assert.equal(report.ledger?.rollups, 'kept', `step ${step}: the ledger is current`);
  }
  // Appends and new files updated the rows in memory; truncations rebuilt them.
  assert.ok(hows.filter((h) => h === 'updated').length >= 8, hows.join(' '));
  assert.ok(hows.includes('rebuilt'), hows.join(' '));
  store.db.close();
});

test('a live view lets go of its earlier views: a process that follows for days does not grow with every line', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const r = rng(99);
  const data = join(root, 'held');
  const dir = join(data, 'projects', '-w-held');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'a.jsonl');
  writeFileSync(file, line(r) + '\n');
  const { store } = LedgerStore.open(join(root, 'held.db'));
  const live = new LiveView(store, [data], embeddedPricing());
  await live.view(true);
  // Each view after an append, looked at the way watch and serve do (rows read, totals taken).
  const early: Array<WeakRef<object>> = [];
  for (let i = 0; i < 40; i++) {
    appendFileSync(file, JSON.stringify({ type: 'assistant', timestamp: new Date(Date.UTC(2025, 9, 2) + i * 1000).toISOString(), sessionId: 's', message: { id: `msg_held_${i}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 10, output_tokens: 5 } } }) + '\n');
    const view = await live.view(false, new Set([file]));
    assert.ok(view.delta, `round ${i} is a live update`);
    assert.equal(view.rows.length > 0, true);
    if (i < 10) early.push(new WeakRef(view));
  }
  await new Promise((done) => setImmediate(done));
  gc();
  assert.equal(early.filter((w) => w.deref() !== undefined).length, 0, 'the first views are collected');
});

test('a new file, folder, metadata, removal or move named by events walks only those project folders, and finds what a full walk finds', async () => {
  const r = rng(7);
  const data = join(root, 'narrow');
  const projects = join(data, 'projects');
  const mk = (folder: string, name: string, n: number) => {
    mkdirSync(join(projects, folder), { recursive: true });
    const f = join(projects, folder, name);
    writeFileSync(f, Array.from({ length: n }, () => line(r)).join('\n') + '\n');
    return f;
  };
  const a = mk('-w-a', 'a.jsonl', 10);
  mk('ccbox-one--w', 'o.jsonl', 10);
  const { store } = LedgerStore.open(join(root, 'narrow.db'));
  const pricing = embeddedPricing();
  const live = new LiveView(store, [data], pricing);
  await live.view(true);
  // Per file: its attribution and its tokens, as the live view and a full walk over the same ledger see them.
  const byFile = (v: Awaited<ReturnType<typeof live.view>>) => {
    const m = new Map<string, string>();
    for (const c of costRows(v.rows, v.files, 'auto')) {
      const key = `${c.file.path} ${c.file.instance} ${c.file.team}`;
      m.set(key, String(Number(m.get(key) ?? 0) + c.row.totalTokens));
    }
    return [...m].sort();
  };
  const check = async (label: string, changed: string[], delta = false) => {
    const v = await live.view(true, new Set(changed));
    // A new file takes the next place, so the others' rows stand: the round is a change, not a rebuild.
    if (delta) assert.ok(v.delta && v.delta.added.length > 0, `${label}: a live update of the rows`);
    const full = await viewFromLedger(store, [data], pricing);
    assert.deepEqual(byFile(v), byFile(full), label);
    assert.equal(v.ledger?.filesGone, full.ledger?.filesGone, `${label}: files gone`);
    assert.deepEqual(totalsOf(sumTotals(costRows(v.rows, v.files, 'auto'))), totalsOf(sumTotals(costRows(full.rows, full.files, 'auto'))), `${label}: totals`);
  };
  const b = mk('-w-a', 'b.jsonl', 5);
  await check('a new file in a known folder', [b], true);
  const c = mk('ccbox-two--w', 'c.jsonl', 6);
  await check('a new project folder', [join(projects, 'ccbox-two--w')], true);
  writeFileSync(join(projects, 'ccbox-two--w', '.ccbox.json'), JSON.stringify({ instance: 'two', context: 'team-x', mode: 'isolated' }));
  await check('its metadata written', [join(projects, 'ccbox-two--w', '.ccbox.json')]);
  mkdirSync(join(projects, 'ccbox-two--w', 'sub', 'subagents'), { recursive: true });
  const d = join(projects, 'ccbox-two--w', 'sub', 'subagents', 'agent-1.jsonl');
  writeFileSync(d, Array.from({ length: 3 }, () => line(r)).join('\n') + '\n');
  await check('a subagent file in a new subfolder', [join(projects, 'ccbox-two--w', 'sub')]);
  renameSync(b, join(projects, 'ccbox-two--w', 'b-moved.jsonl'));
  await check('a file moved between project folders', [b, join(projects, 'ccbox-two--w', 'b-moved.jsonl')]);
  rmSync(c);
  await check('a file removed (its responses kept)', [c]);
  rmSync(join(projects, 'ccbox-one--w'), { recursive: true });
  await check('a project folder removed', [join(projects, 'ccbox-one--w')]);
  // Only the named folders are walked: a write elsewhere that no event told of waits for the next full walk.
  const before = totalsOf(sumTotals(costRows((await live.view(false, new Set())).rows, (await live.view(false, new Set())).files, 'auto'))).totalTokens;
  appendFileSync(a, line(r) + '\n');
  const e = mk('-w-e', 'e.jsonl', 2);
  const narrow = await live.view(true, new Set([join(projects, '-w-e')]));
  const withE = totalsOf(sumTotals(costRows(narrow.rows, narrow.files, 'auto'))).totalTokens;
  const full = await live.view(true);
  const all = totalsOf(sumTotals(costRows(full.rows, full.files, 'auto'))).totalTokens;
  const ref = reference(data, PRICES).totals.totalTokens;
  assert.ok(withE > before, 'the new folder counted');
  assert.ok(all > withE, 'the unannounced append waited for the full walk');
  assert.ok(all >= ref, 'the full walk holds all the files hold (and the removed files kept)');
  void e;
});
