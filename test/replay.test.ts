/**
 * A report run again over unchanged data is replayed from the ledger; any change to what it was
 * built from (a file's bytes, a new or deleted file, container metadata, the time zone, the command
 * line) makes a fresh report, equal to an independent computation. Folder listings are reused only
 * when a folder has settled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { ccost } from './helpers/cli.js';
import { CCOST, PRICES } from './helpers/paths.js';
import { reference } from './helpers/reference.js';
import { discover, SETTLE_MS, type ListingCache } from '../src/sessions/discover.js';
import { recordInputs, REPLAYED, unchanged } from '../src/ledger/report-cache.js';
import { SeenStats } from '../src/sessions/recent-stats.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-replay-test-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

let serial = 0;
function line(day: number, output: number): string {
  serial++;
  return JSON.stringify({
    type: 'assistant',
    timestamp: new Date(Date.UTC(2025, 9, 1 + day, 12)).toISOString(),
    sessionId: 'sess-1',
    requestId: `req_${serial}`,
    message: { id: `msg_${serial}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 100, output_tokens: output, cache_read_input_tokens: 1000 } },
  });
}

/** Sets every folder's and file's times an hour back: settled, as data that is not being written. */
function settle(dir: string): void {
  const past = new Date(Date.now() - 3_600_000);
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) settle(join(dir, e.name)); else utimesSync(join(dir, e.name), past, past);
  utimesSync(dir, past, past);
}

function run(data: string, ledger: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const r = ccost(['daily', '--json', '-v', '--dir', data, '--ledger', ledger, ...extra], { TZ: 'UTC', ...env });
  assert.equal(r.code, 0, r.stderr);
  return { out: JSON.parse(r.stdout), stdout: r.stdout, replayed: r.stderr.includes(REPLAYED) };
}

function assertEqualsReference(out: any, data: string, step: string): void {
  const ref = reference(data, PRICES);
  for (const k of ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens'] as const) assert.equal(out.totals[k], ref.totals[k], `${step}: ${k}`);
  assert.ok(Math.abs(out.totals.totalCost - ref.totals.totalCost) < 1e-9, `${step}: cost`);
}

test('an unchanged report is replayed; every kind of change gives a fresh, correct one', () => {
  const data = join(root, 'data');
  const ledger = join(root, 'ledger.db');
  const project = join(data, 'projects', 'ccbox-agent1--w');
  mkdirSync(project, { recursive: true });
  const file = join(project, 'a.jsonl');
  writeFileSync(file, [line(0, 10), line(1, 20)].join('\n') + '\n');
  settle(data);

  const first = run(data, ledger);
  assert.equal(first.replayed, false);
  assertEqualsReference(first.out, data, 'first');
  const again = run(data, ledger);
  assert.equal(again.replayed, true, 'same data, same command: replayed');
  // The same report; its ledger block is the replay's own (it read nothing), not the recorded run's.
  assert.deepEqual({ ...again.out, ledger: undefined }, { ...first.out, ledger: undefined });
  assert.deepEqual([first.out.ledger.rollups, first.out.ledger.bytesRead > 0], ['rebuilt', true]);
  assert.deepEqual(again.out.ledger, { ...first.out.ledger, bytesRead: 0, rollups: 'replayed' });

  // Any rebuilt module of the program, not only the report's own: not this output; that build's
  // own output is replayed next time. (The module keeps its new time: it only names the build.)
  const module = join(dirname(CCOST), '..', 'usage', 'running-rollup.js');
  const was = statSync(module);
  utimesSync(module, was.atime, new Date(was.mtimeMs + 5000));
  assert.equal(run(data, ledger).replayed, false, 'a module rebuilt');
  assert.equal(run(data, ledger).replayed, true, 'the same build again');

  // Another command line, another time zone: not this output.
  assert.equal(run(data, ledger, ['--since', '2025-10-01']).replayed, false);
  assert.equal(run(data, ledger, [], { TZ: 'Asia/Tokyo' }).replayed, false);

  appendFileSync(file, line(2, 30) + '\n');
  const grown = run(data, ledger);
  assert.equal(grown.replayed, false, 'a file grew');
  assertEqualsReference(grown.out, data, 'after an append');

  settle(data);
  run(data, ledger);
  assert.equal(run(data, ledger).replayed, true);
  writeFileSync(join(project, 'b.jsonl'), line(3, 40) + '\n');
  utimesSync(join(project, 'b.jsonl'), new Date(0), new Date(0));
  const added = run(data, ledger);
  assert.equal(added.replayed, false, 'a new file');
  assertEqualsReference(added.out, data, 'after a new file');

  // Container metadata appears, then changes, with the folder's time put back each time: the
  // metadata file itself is checked.
  const meta = join(project, '.ccbox.json');
  for (const team of ['team-x', 'team-y']) {
    settle(data);
    run(data, ledger);
    assert.equal(run(data, ledger).replayed, true);
    const folderTime = statSync(project).mtime;
    writeFileSync(meta, JSON.stringify({ schema_version: 1, instance: 'agent1', context: team, agent: 'dev' }));
    utimesSync(project, folderTime, folderTime);
    assert.equal(run(data, ledger).replayed, false, `metadata now says ${team}`);
    const teams = ccost(['team', '--json', '--dir', data, '--ledger', ledger], { TZ: 'UTC' });
    assert.ok(teams.stdout.includes(team), teams.stdout);
  }

  settle(data);
  run(data, ledger);
  rmSync(join(project, 'b.jsonl'));
  const gone = run(data, ledger);
  assert.equal(gone.replayed, false, 'a file deleted');
  assert.equal(gone.out.ledger.filesGone, 1);
  assert.equal(gone.out.totals.outputTokens, 10 + 20 + 30 + 40, 'the deleted file still counts (kept in the ledger)');
  // Recorded inputs' path lists are shared between records and go with the last record naming them.
  const db = new Database(ledger, { readonly: true });
  const lists = db.prepare(`SELECT count(*) FROM output_paths`).pluck().get() as number;
  const named = db.prepare(`SELECT count(DISTINCT paths_hash) FROM outputs`).pluck().get() as number;
  db.close();
  assert.equal(lists, named);
});

test('a folder listing is reused only when the folder has not changed since well before it was listed', () => {
  const dir = join(root, 'listing');
  const project = join(dir, 'projects', '-w');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'a.jsonl'), line(0, 1) + '\n');
  writeFileSync(join(project, 'b.jsonl'), line(0, 1) + '\n');
  settle(dir);
  const mtimeMs = statSync(project).mtimeMs;
  // A listing that leaves b.jsonl out, with the folder's current time: taken as is when settled...
  const stale = (listedAt: number): ListingCache => new Map([[project, { mtimeMs, listedAt, entries: [['a.jsonl', 'f']] }]]);
  const settledWalk = discover([dir], 'h', stale(mtimeMs + SETTLE_MS + 1));
  assert.deepEqual(settledWalk.files.map((f) => f.origin.path), [join(project, 'a.jsonl')]);
  // ...and read again when it was taken too soon after the folder changed (the same clock tick may hide a change).
  const raceWalk = discover([dir], 'h', stale(mtimeMs + 10));
  assert.deepEqual(raceWalk.files.map((f) => f.origin.path).sort(), [join(project, 'a.jsonl'), join(project, 'b.jsonl')]);
  // A changed folder time always means reading it.
  const changed = discover([dir], 'h', new Map([[project, { mtimeMs: mtimeMs - 1, listedAt: Date.now(), entries: [] }]]));
  assert.equal(changed.files.length, 2);
});

test('the record of a report\'s inputs holds every path, odd names included, and sees each kind of change', () => {
  const dir = join(root, 'record');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  const odd = join(dir, 'sub', 'new\nline.jsonl');
  writeFileSync(odd, 'x');
  const plain = join(dir, 'a.jsonl');
  writeFileSync(plain, 'y');
  const take = () => {
    const st = (p: string) => statSync(p);
    return {
      probes: [[dir, true], [join(dir, 'missing'), false]] as Array<[string, boolean]>,
      dirs: [dir, join(dir, 'sub')].map((p) => [p, st(p).mtimeMs]) as Array<[string, number]>,
      metadata: [[join(dir, '.ccbox.json'), -1, 0]] as Array<[string, number, number]>,
      files: [plain, odd].map((p) => [p, st(p).size, st(p).mtimeMs, st(p).ino, st(p).dev]) as Array<[string, number, number, number, number]>,
    };
  };
  const record = recordInputs(take());
  assert.equal(unchanged(record), true);
  appendFileSync(odd, 'more');
  assert.equal(unchanged(record), false, 'a file grew');
  const again = recordInputs(take());
  assert.equal(unchanged(again), true);
  writeFileSync(join(dir, '.ccbox.json'), '{}');
  assert.equal(unchanged(again), false, 'metadata appeared');
  assert.equal(unchanged(recordInputs({ probes: [], dirs: [], metadata: [], files: [] })), true);
});

test('a failed replay check hands every file\'s stat to the walk, which uses each once and forgets the rest', () => {
  const dir = join(root, 'handoff');
  const project = join(dir, 'projects', '-w');
  mkdirSync(project, { recursive: true });
  const [a, b, c] = ['a.jsonl', 'b.jsonl', 'c.jsonl'].map((n) => join(project, n)) as [string, string, string];
  for (const f of [a, b, c]) writeFileSync(f, line(0, 1) + '\n');
  const files = [a, b, c].map((p) => [p, statSync(p).size, statSync(p).mtimeMs, statSync(p).ino, statSync(p).dev]) as Array<[string, number, number, number, number]>;
  const record = recordInputs({ probes: [], dirs: [], metadata: [], files });
  appendFileSync(b, line(1, 2) + '\n');
  const seen = new SeenStats();
  assert.equal(unchanged(record, seen), false);
  // The files before the changed one, the changed one (as it is now) and those after it.
  assert.equal(seen.fileStats.take(a)?.size, statSync(a).size);
  assert.equal(seen.fileStats.take(b)?.size, statSync(b).size);
  assert.ok(seen.fileStats.take(c));
  assert.equal(seen.fileStats.take(c), undefined, 'taken once');

  // The walk it is handed to takes a noted stat instead of its own (a deliberately wrong size shows which it used)...
  const real = statSync(a);
  seen.fileStats.note(a, { size: 1, mtimeMs: real.mtimeMs, ino: real.ino, dev: real.dev });
  seen.fileStats.note(join(dir, 'not-walked.jsonl'), statSync(a));
  assert.equal(discover([dir], 'h', undefined, seen).files.find((f) => f.origin.path === a)?.size, 1);
  // ...and drops what it did not take; a walk not handed it stats for itself.
  assert.equal(seen.fileStats.take(join(dir, 'not-walked.jsonl')), undefined);
  assert.equal(discover([dir], 'h').files.find((f) => f.origin.path === a)?.size, statSync(a).size);
});
