/**
 * The ledger: reports from it always equal a full scan of the same files (plus the kept events of
 * deleted files), whatever happens to the files between runs; several processes at once; old or
 * broken ledger files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../src/ledger/schema-version.js';
import { ccost, ccostJson } from './helpers/cli.js';
import { LedgerStore } from '../src/ledger/store.js';
import { viewFromLedger } from '../src/ledger/view.js';
import { LiveView } from '../src/ledger/live-view.js';
import { TotalsFeed } from '../src/live/totals-feed.js';
import { LiveTotals } from '../src/usage/live-totals.js';
import { buildReport } from '../src/reports/build.js';
import { reportJson } from '../src/reports/json.js';
import { costRows, unpricedModels } from '../src/usage/aggregate.js';
import { Calendar } from '../src/usage/time.js';
import { embeddedPricing } from '../src/usage/prices-file.js';
import { CCOST, PRICES } from './helpers/paths.js';
import { reference, referenceRecords } from './helpers/reference.js';
import { generateCorpus } from '../bench/generate.js';
import { rng } from './helpers/rng.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-ledger-test-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-6', 'claude-haiku-4-5-20251001'];

/** A usage line; one message id always has one model, so copies differ only in token counts. */
function usageLine(r: () => number, ids: number): string {
  const id = Math.floor(r() * ids);
  return JSON.stringify({
    type: 'assistant',
    timestamp: new Date(Date.UTC(2025, 9, 1) + Math.floor(r() * 5) * 86_400_000 + id * 1000).toISOString(),
    sessionId: `s${id % 7}`,
    requestId: r() < 0.8 ? `req_${id}` : undefined,
    isSidechain: false,
    message: {
      id: `msg_${id}`,
      model: MODELS[id % MODELS.length],
      content: [{ type: 'text', text: 'x'.repeat(Math.floor(r() * 300)) }],
      usage: { input_tokens: 10 + (id % 13), output_tokens: 1 + Math.floor(r() * 400), cache_read_input_tokens: id * 3, cache_creation: { ephemeral_5m_input_tokens: id % 5, ephemeral_1h_input_tokens: id % 3 } },
    },
  });
}

/** A data folder holding one session file of one usage line. */
function oneLineData(name: string, seed: number): string {
  const data = join(root, name);
  mkdirSync(join(data, 'projects', '-w'), { recursive: true });
  writeFileSync(join(data, 'projects', '-w', 's.jsonl'), usageLine(rng(seed), 10) + '\n');
  return data;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else if (n.endsWith('.jsonl')) out.push(p);
  }
  return out.sort();
}

function settleTree(dir: string, when: number): void {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) settleTree(p, when);
    else utimesSync(p, when, when);
  }
  utimesSync(dir, when, when);
}

function assertMatches(data: string, graveyard: string, ledger: string, step: string): any {
  const out = ccostJson(['daily', '--dir', data, '-z', 'UTC', '--ledger', ledger]);
  const ref = reference([data, graveyard], PRICES);
  for (const k of ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens'] as const)
    assert.equal(out.totals[k], ref.totals[k], `${step}: ${k}`);
  assert.ok(Math.abs(out.totals.totalCost - ref.totals.totalCost) <= 1e-9 * Math.max(1, ref.totals.totalCost), `${step}: cost ${out.totals.totalCost} vs ${ref.totals.totalCost}`);
  return out;
}

test('property: after every change to the files, ledger totals = a full scan (+ kept events of deleted files) = the live view', async () => {
  const seed = Number(process.env.LEDGER_SEED ?? 20261124);
  const r = rng(seed);
  const data = join(root, 'prop', 'data');
  const graveyard = join(root, 'prop', 'graveyard');
  // A live view (as watch keeps one) on a ledger of its own, told of each change as the folder
  // watcher would: the changed file's path, or a walk when files came, went or moved.
  mkdirSync(join(root, 'prop'), { recursive: true });
  const liveStore = LedgerStore.open(join(root, 'prop', 'live.db')).store;
  const live = new LiveView(liveStore, [data], embeddedPricing());
  const liveHows = new Map<string, number>();
  // The totals watch and alert --watch keep from the live view's rounds (changed by each round's delta).
  const calendar = new Calendar('UTC');
  const feed = new TotalsFeed(calendar, 'auto', {});
  let deltas = 0;
  const ledger = join(root, 'prop', 'ledger.db');
  const folders = ['-w-a', '-w-b', 'ccbox-agent1--w-a'].map((f) => join(data, 'projects', f));
  for (const f of folders) mkdirSync(f, { recursive: true });
  mkdirSync(join(graveyard, 'projects'), { recursive: true });
  const partial = new Map<string, string>(); // file → the rest of its unfinished last line
  let serial = 0;
  const paths = new Map<string, number>();
  const deleted: string[] = [];
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const lines = (n: number) => Array.from({ length: n }, () => usageLine(r, 60)).join('\n') + '\n';

  for (let step = 0; step < 45; step++) {
    const files = listFiles(join(data, 'projects'));
    const op = files.length === 0 ? 'append' : pick(['append', 'append', 'append', 'partial', 'truncate', 'replace', 'rewrite', 'same-length', 'rename', 'delete', 'recreate', 'copy']);
    let what = op;
    if (op === 'append') {
      const target = files.length === 0 || r() < 0.3 ? join(pick(folders), `f${serial++}.jsonl`) : pick(files);
      const rest = partial.get(target);
      if (rest !== undefined) {
        appendFileSync(target, rest + '\n');
        partial.delete(target);
      }
      appendFileSync(target, lines(1 + Math.floor(r() * 6)));
      what += ` ${basename(target)}`;
    } else if (op === 'partial') {
      const target = pick(files);
      if (partial.has(target)) continue;
      const line = usageLine(r, 60);
      const cut = 20 + Math.floor(r() * (line.length - 40));
      appendFileSync(target, line.slice(0, cut));
      partial.set(target, line.slice(cut));
      what += ` ${basename(target)}`;
    } else if (op === 'truncate') {
      const target = pick(files);
      const text = readFileSync(target, 'utf8');
      const keep = text.split('\n').slice(0, Math.floor(r() * 3)).join('\n');
      truncateSync(target, Buffer.byteLength(keep.length ? keep + '\n' : ''));
      partial.delete(target);
      what += ` ${basename(target)}`;
    } else if (op === 'replace') {
      // New content under the old name, as an editor or log rotation would (a new inode).
      const target = pick(files);
      const tmp = `${target}.tmp`;
      writeFileSync(tmp, lines(1 + Math.floor(r() * 5)));
      renameSync(tmp, target);
      partial.delete(target);
      what += ` ${basename(target)}`;
    } else if (op === 'rewrite') {
      // Same inode, different content of at least the old size: only the fingerprints can tell.
      const target = pick(files);
      const old = statSync(target).size;
      let text = '';
      while (Buffer.byteLength(text) < old + 1) text += lines(1);
      writeFileSync(target, text);
      partial.delete(target);
      what += ` ${basename(target)}`;
    } else if (op === 'rename') {
      const from = pick(files);
      const to = join(pick(folders), `f${serial++}.jsonl`);
      renameSync(from, to);
      if (partial.has(from)) {
        partial.set(to, partial.get(from)!);
        partial.delete(from);
      }
      what += ` ${basename(from)} → ${basename(to)}`;
    } else if (op === 'delete') {
      // Its events stay in the ledger: keep a copy of what was counted where the reference sees it.
      const target = pick(files);
      const dest = join(graveyard, 'projects', basename(dirname(target)), `${serial++}-${basename(target)}`);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(target, dest);
      rmSync(target);
      partial.delete(target);
      deleted.push(target);
      what += ` ${basename(target)}`;
    } else if (op === 'recreate') {
      // Another file where a deleted one was, after the ledger saw it gone: the deleted one's events stay.
      const i = deleted.findIndex((p) => !existsSync(p));
      if (i < 0) continue;
      const [target] = deleted.splice(i, 1);
      writeFileSync(target!, lines(1 + Math.floor(r() * 4)));
      what += ` ${basename(target!)}`;
    } else if (op === 'same-length') {
      // \`cat new > file\` with the same length: one count in a middle line changes, digit for digit.
      const target = pick(files);
      const text = readFileSync(target, 'utf8');
      const rows = text.split('\n');
      if (partial.has(target) || rows.length < 4) continue;
      const mid = Math.floor(rows.length / 2) - 1;
      rows[mid] = rows[mid]!.replace(/"output_tokens":(\d)/, (_, d: string) => `"output_tokens":${(Number(d) % 9) + 1}`);
      writeFileSync(target, rows.join('\n'));
      what += ` ${basename(target)} line ${mid}`;
    } else if (op === 'copy') {
      const from = pick(files);
      const to = join(pick(folders), `f${serial++}.jsonl`);
      copyFileSync(from, to);
      if (partial.has(from)) partial.set(to, partial.get(from)!);
      what += ` ${basename(from)} → ${basename(to)}`;
    }
    const out = assertMatches(data, graveyard, ledger, `seed ${seed} step ${step} (${what})`);
    // (An append to a file just made needs a walk; file names are unique, by a serial number.)
    const named = ['partial', 'truncate', 'rewrite', 'same-length'].includes(op) || (op === 'append' && !what.split(' ').includes(`f${serial - 1}.jsonl`));
    const target = named ? listFiles(join(data, 'projects')).find((f) => what.split(' ').includes(basename(f))) : undefined;
    const view = await live.view(!target, target ? new Set([target]) : null);
    liveHows.set(view.ledger!.rollups, (liveHows.get(view.ledger!.rollups) ?? 0) + 1);
    const liveReport = buildReport({ kind: 'daily', rows: costRows(view.rows, view.files, 'auto'), unpricedModels: unpricedModels(view.rows, 'auto'), warnings: view.warnings, calendar: new Calendar('UTC'), filters: {} });
    const { ledger: _o, prices: _p, ...cliReport } = out;
    assert.equal(JSON.stringify(reportJson(liveReport)), JSON.stringify(cliReport), `step ${step} (${what}): the live view`);
    if (view.delta && (view.delta.added.length || view.delta.removed.length)) deltas++;
    const { totals } = feed.take(view);
    const fresh = LiveTotals.of(costRows(view.rows, view.files, 'auto'), calendar);
    const times = view.rows.map((row) => row.lastTimestamp);
    for (const now of times.length ? [Math.max(...times), pick(times), Math.min(...times)] : [Date.now()]) {
      for (const period of ['day', 'week', 'month'] as const)
        for (const key of ['all', 'agent', 'team', 'model'] as const) assert.deepEqual(totals.period(period, key, now), fresh.period(period, key, now), `step ${step} (${what}): live totals, ${period} by ${key}`);
      assert.deepEqual(totals.activeBlock(now), fresh.activeBlock(now), `step ${step} (${what}): live active block`);
    }
    // Exact sums: a replay prints the same bytes, and a full scan of the same events (the deleted
    // files' copies stand in for the kept events) the same totals, cost to the last digit.
    if (step % 5 === 4) {
      // Only settled files are recorded for replay: date every file back (a time of its own per step,
      // so that no change hides behind an equal time), report, then replay.
      settleTree(data, Date.now() / 1000 - 3600 + step);
      const { ledger: _l, ...report } = ccostJson(['daily', '--dir', data, '-z', 'UTC', '--ledger', ledger]);
      const again = ccostJson(['daily', '--dir', data, '-z', 'UTC', '--ledger', ledger]);
      assert.equal(again.ledger.rollups, 'replayed', `step ${step}`);
      const { ledger: _a, ...replayed } = again;
      assert.equal(JSON.stringify(replayed), JSON.stringify(report), `step ${step} (${what}): replay`);
      assert.deepEqual(report.totals, out.totals, `step ${step} (${what}): after settling`);
    }
    const scan = ccostJson(['daily', '--dir', data, '--dir', graveyard, '-z', 'UTC', '--no-ledger']);
    assert.deepEqual(scan.totals, out.totals, `step ${step} (${what}): --no-ledger`);
    // Changes that only add events (or mark a file gone) update the stored rollups, never rebuild them.
    if (step > 0 && ['append', 'partial', 'copy', 'delete'].includes(op)) assert.equal(out.ledger.rollups, 'updated', `step ${step} (${what})`);
    paths.set(out.ledger.rollups, (paths.get(out.ledger.rollups) ?? 0) + 1);
  }
  // Both ways of bringing rollups up to date were exercised (and checked against the reference),
  // in the CLI's runs and in the live view's rounds.
  assert.ok((paths.get('updated') ?? 0) >= 10 && (paths.get('rebuilt') ?? 0) >= 3, JSON.stringify([...paths]));
  assert.ok((liveHows.get('updated') ?? 0) >= 10 && (liveHows.get('rebuilt') ?? 0) >= 3, JSON.stringify([...liveHows]));
  // Rounds that only changed the rows of the files that changed (and handed the change on).
  assert.ok(deltas >= 3, `${deltas} rounds with a delta (how many depends on the seed)`);
  liveStore.close();
  // Every deleted file that held usage, and only those, is reported as gone (renames and replacements are not).
  const final = ccostJson(['daily', '--dir', data, '--ledger', ledger]);
  const deletedWithUsage = new Set(referenceRecords(graveyard).records.map((r) => r.path)).size;
  assert.equal(final.ledger.filesGone, deletedWithUsage);
});

test('the same files give the same report to the last digit, whichever way its rows came', () => {
  // A full scan (files finish in thread order), a rebuilt ledger and an updated one (new rows come
  // last) hand rows out in different orders: the sums must not depend on it.
  const r = rng(7);
  const data = join(root, 'same-digits');
  const ledger = join(root, 'same-digits.db');
  for (let f = 0; f < 12; f++) {
    mkdirSync(join(data, 'projects', `-p${f % 3}`), { recursive: true });
    writeFileSync(join(data, 'projects', `-p${f % 3}`, `f${f}.jsonl`), Array.from({ length: 40 }, () => usageLine(r, 400)).join('\n') + '\n');
  }
  const strip = (j: any) => JSON.stringify({ ...j, ledger: undefined });
  const compare = (step: string, expectRollups: string) => {
    for (const command of ['daily', 'session']) {
      const full = ccostJson([command, '--dir', data, '-z', 'UTC', '--no-ledger']);
      const fromLedger = ccostJson([command, '--dir', data, '-z', 'UTC', '--ledger', ledger]);
      if (command === 'daily') assert.equal(fromLedger.ledger.rollups, expectRollups, step);
      assert.equal(strip(fromLedger), strip(full), `${step}: ${command}`);
    }
  };
  compare('first run', 'rebuilt');
  for (let round = 0; round < 3; round++) {
    appendFileSync(join(data, 'projects', '-p1', `f${round}.jsonl`), Array.from({ length: 30 }, () => usageLine(r, 400)).join('\n') + '\n');
    compare(`after append ${round}`, 'updated');
  }
});

test('only the first build of an empty ledger is written without fsyncs', async () => {
  const data = oneLineData('sync-mode', 3);
  const path = join(root, 'sync-mode.db');
  const synchronous = (s: LedgerStore) => s.db.pragma('synchronous', { simple: true });
  const empty = LedgerStore.open(path).store;
  assert.equal(synchronous(empty), 0, 'OFF while everything it holds can be read again from the files');
  // A long-lived process (watch) keeps its connection: its second sync writes with fsyncs again.
  await viewFromLedger(empty, [data], embeddedPricing());
  assert.equal(synchronous(empty), 0, 'the first build');
  await viewFromLedger(empty, [data], embeddedPricing());
  assert.equal(synchronous(empty), 1, 'a later sync on the same connection');
  empty.db.close();
  const used = LedgerStore.open(path).store;
  assert.equal(synchronous(used), 1, 'NORMAL once it holds counted usage');
  used.db.close();
});

test('deleted files: their events stay and the report says so', () => {
  const data = join(root, 'gone');
  const proj = join(data, 'projects', '-w');
  mkdirSync(proj, { recursive: true });
  const r = rng(7);
  writeFileSync(join(proj, 'a.jsonl'), usageLine(r, 1000) + '\n' + usageLine(r, 1000) + '\n');
  writeFileSync(join(proj, 'b.jsonl'), usageLine(r, 1000) + '\n');
  const ledger = join(root, 'gone.db');
  const before = ccostJson(['daily', '--dir', data, '--ledger', ledger]);
  rmSync(join(proj, 'a.jsonl'));
  const after = ccostJson(['daily', '--dir', data, '--ledger', ledger]);
  assert.deepEqual(after.totals, before.totals);
  assert.equal(after.ledger.filesGone, 1);
  assert.equal(after.ledger.eventsFromGoneFiles, 2);
  const text = ccost(['daily', '--dir', data, '--ledger', ledger]);
  assert.match(text.stderr, /2 counted response\(s\) come from 1 file\(s\) no longer on disk/);
  // Without the ledger only what is on disk counts.
  assert.ok(ccostJson(['daily', '--dir', data, '--no-ledger']).totals.totalTokens < before.totals.totalTokens);
});

test('--no-ledger writes nothing; the ledger path can come from CCORC_LEDGER', () => {
  const data = join(root, 'noledger');
  mkdirSync(join(data, 'projects', '-w'), { recursive: true });
  writeFileSync(join(data, 'projects', '-w', 's.jsonl'), usageLine(rng(3), 10) + '\n');
  const path = join(root, 'env-ledger', 'l.db');
  ccostJson(['daily', '--dir', data, '--no-ledger'], { CCORC_LEDGER: path });
  assert.equal(existsSync(path), false);
  ccostJson(['daily', '--dir', data], { CCORC_LEDGER: path });
  assert.equal(existsSync(path), true);
});

function runAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CCOST, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test('several processes on one ledger at once: no corruption, no double counting', async () => {
  const data = join(root, 'concurrent');
  generateCorpus(data, { bytes: 6 << 20, seed: 99, pricesPath: PRICES });
  const ref = reference(data, PRICES);
  const ledger = join(root, 'concurrent.db');
  for (let round = 0; round < 3; round++) {
    if (round === 2) appendFileSync(join(data, 'projects', '-home-dev-proj0', 'extra.jsonl'), usageLine(rng(5), 50) + '\n');
    const runs = await Promise.all([0, 1, 2].map(() => runAsync(['daily', '--json', '--dir', data, '-z', 'UTC', '--ledger', ledger])));
    const expected = round === 2 ? reference(data, PRICES) : ref;
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).totals.totalTokens, expected.totals.totalTokens, `round ${round}`);
    }
  }
  const db = new Database(ledger, { readonly: true });
  assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
  db.close();
});

test('a broken ledger file is moved aside and rebuilt with a message', () => {
  const data = oneLineData('broken', 4);
  const dir = join(root, 'broken-ledger');
  mkdirSync(dir);
  const ledger = join(dir, 'ledger.db');
  writeFileSync(ledger, 'this is not a database, just some bytes that happen to be here'.repeat(100));
  const r = ccost(['daily', '--json', '--dir', data, '--ledger', ledger]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /could not be used .* moved it to .*broken-\d+ and rebuilt it/);
  assert.equal(JSON.parse(r.stdout).totals.totalTokens, reference(data, PRICES).totals.totalTokens);
  assert.ok(readdirSync(dir).some((n) => n.startsWith('ledger.db.broken-')));
});

test('a ledger from a newer schema is left alone: the report comes from the files, with a note', () => {
  const data = oneLineData('newer', 8);
  const ledger = join(root, 'newer.db');
  const db = new Database(ledger);
  db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '999');`);
  db.close();
  const r = ccost(['daily', '--json', '--dir', data, '--ledger', ledger]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /written by a newer ccost .* left alone; .* reading the session files directly/);
  assert.equal(JSON.parse(r.stdout).totals.totalTokens, reference(data, PRICES).totals.totalTokens);
  const again = new Database(ledger, { readonly: true });
  assert.equal((again.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string }).value, '999');
  assert.equal((again.prepare(`SELECT count(*) AS n FROM sqlite_master`).get() as { n: number }).n, 2, 'no tables added');
  again.close();
});

test('a schema 2 ledger is migrated in place: its counted events stay, and later runs update it', async () => {
  const data = join(root, 'migrate');
  const proj = join(data, 'projects', '-w');
  mkdirSync(proj, { recursive: true });
  const r = rng(31);
  const file = join(proj, 's.jsonl');
  writeFileSync(file, Array.from({ length: 20 }, () => usageLine(r, 15)).join('\n') + '\n');
  const ledger = join(root, 'migrate.db');
  ccostJson(['daily', '--dir', data, '--ledger', ledger]);
  // Put the ledger back into the shape ccost wrote at schema 2 (its tables as they were then).
  const db = new Database(ledger);
  db.pragma('foreign_keys = OFF');
  db.exec(`
    CREATE TABLE files2 (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, data_dir TEXT NOT NULL, dev INTEGER NOT NULL, ino INTEGER NOT NULL,
      head BLOB NOT NULL, tail BLOB NOT NULL, size INTEGER NOT NULL, mtime_ms REAL NOT NULL, checkpoint INTEGER NOT NULL, present INTEGER NOT NULL,
      origin TEXT NOT NULL, malformed INTEGER NOT NULL, invalid INTEGER NOT NULL, partial_tail INTEGER NOT NULL, error TEXT);
    INSERT INTO files2 SELECT f.id, f.path, f.data_dir, f.dev, f.ino, p.head, p.tail, f.size, f.mtime_ms, f.checkpoint, f.present,
      json_set(f.origin, '$.path', f.path, '$.dataDir', f.data_dir), f.malformed, f.invalid, f.partial_tail, f.error
      FROM files f JOIN fingerprints p ON p.file_id = f.id;
    DROP TABLE fingerprints; DROP TABLE files; ALTER TABLE files2 RENAME TO files;
    CREATE INDEX files_inode ON files (dev, ino);
    DROP INDEX segments_gen; ALTER TABLE segments DROP COLUMN gen;
    DROP TABLE rollup_files; DROP TABLE winner_bases; ALTER TABLE rollups DROP COLUMN winner_changes; UPDATE rollups SET data = '{"rows":[]}';
    DROP TABLE listing_chunks; CREATE TABLE listings (scope TEXT PRIMARY KEY, data TEXT NOT NULL);
    DROP TABLE output_paths; ALTER TABLE outputs DROP COLUMN paths_hash;
    UPDATE meta SET value = '2' WHERE key = 'schema_version';`);
  db.close();
  appendFileSync(file, Array.from({ length: 5 }, () => usageLine(r, 15)).join('\n') + '\n');
  // Three processes find the old ledger at once: one migrates, the others wait and find it done.
  const runs = await Promise.all([0, 1, 2].map(() => runAsync(['daily', '--json', '--dir', data, '--ledger', ledger])));
  const ref = () => reference(data, PRICES).totals.totalTokens;
  for (const migrated of runs) {
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.doesNotMatch(migrated.stderr, /could not be used|moved it/);
    assert.equal(JSON.parse(migrated.stdout).totals.totalTokens, ref());
  }
  assert.equal(Math.max(...runs.map((m) => JSON.parse(m.stdout).ledger.bytesRead)) < statSync(file).size, true, 'only the appended lines were read');
  appendFileSync(file, Array.from({ length: 5 }, () => usageLine(r, 15)).join('\n') + '\n');
  const after = ccostJson(['daily', '--dir', data, '--ledger', ledger]);
  assert.equal(after.totals.totalTokens, ref());
  assert.equal(after.ledger.rollups, 'updated');
  const check = new Database(ledger, { readonly: true });
  assert.equal(check.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get(), String(SCHEMA_VERSION));
  check.close();
});

test('an unwritable ledger location: the report still comes, with a note', () => {
  const data = oneLineData('unwritable', 9);
  const blocker = join(root, 'not-a-folder');
  writeFileSync(blocker, 'a file where the ledger folder should be');
  const r = ccost(['daily', '--json', '--dir', data, '--ledger', join(blocker, 'ledger.db')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /cannot open the ledger .* reading the session files directly/);
  assert.equal(JSON.parse(r.stdout).totals.totalTokens, reference(data, PRICES).totals.totalTokens);
});

test('an unfinished last line is not counted until complete, then counted once', () => {
  const data = join(root, 'tail');
  const proj = join(data, 'projects', '-w');
  mkdirSync(proj, { recursive: true });
  const r = rng(11);
  const a = usageLine(r, 1000);
  const b = usageLine(r, 1000);
  const file = join(proj, 's.jsonl');
  writeFileSync(file, a + '\n' + b.slice(0, 50));
  const ledger = join(root, 'tail.db');
  const first = ccostJson(['daily', '--dir', data, '-z', 'UTC', '--ledger', ledger]);
  writeFileSync(join(root, 'tail-a.jsonl'), a + '\n');
  appendFileSync(file, b.slice(50) + '\n');
  const second = ccostJson(['daily', '--dir', data, '-z', 'UTC', '--ledger', ledger]);
  const ref = reference(data, PRICES);
  assert.equal(second.totals.totalTokens, ref.totals.totalTokens);
  assert.ok(first.totals.totalTokens < second.totals.totalTokens);
  assert.equal(second.ledger.bytesRead, Buffer.byteLength(b) + 1); // only the finished line was read again
});
