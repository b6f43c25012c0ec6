/**
 * SQLite faults under the ledger (issue: each exited 1 with a stack trace). A ledger damaged in the
 * middle, found when a session file shrinks; a full disk with an existing ledger and with a fresh
 * one. Each run still prints the right report (from the files, with a note), never exits 1, and
 * leaves no pile of moved-aside files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ccost } from './helpers/cli.js';
import { smallTmpfs } from './helpers/tmpfs.js';
import { PRICES } from './helpers/paths.js';
import { reference } from './helpers/reference.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-ledger-faults-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const line = (i: number) => JSON.stringify({ type: 'assistant', timestamp: '2025-10-01T10:00:00Z', sessionId: 's', requestId: `r${i}`, message: { id: `msg_${i}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 1000 + i, output_tokens: 10 + i } }, pad: 'x'.repeat(400) });

function corpus(name: string, files: number, lines: number): string {
  const dir = join(root, name);
  for (let f = 0; f < files; f++) {
    mkdirSync(join(dir, 'projects', `-p${f}`), { recursive: true });
    writeFileSync(join(dir, 'projects', `-p${f}`, 's.jsonl'), Array.from({ length: lines }, (_, i) => line(f * 10_000 + i)).join('\n') + '\n');
  }
  return dir;
}

const noTrace = (stderr: string) => assert.doesNotMatch(stderr, /\n\s+at |SqliteError|SQLITE_/, stderr);

test('a ledger damaged in the middle: the report comes from the files with a note, the ledger is moved aside once and rebuilt', () => {
  const dir = corpus('corrupt', 20, 200);
  const ledger = join(root, 'corrupt.db');
  assert.equal(ccost(['daily', '--json', '--dir', dir, '--ledger', ledger]).code, 0);
  // Everything into the main file, then 4 KB of junk into its middle.
  const db = new Database(ledger);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const fd = openSync(ledger, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(statSync(ledger).size / 2 / 4096) * 4096);
  closeSync(fd);
  // A session file shrinks: its stored events must be replaced, which reads the damaged pages.
  const shrunk = join(dir, 'projects', '-p3', 's.jsonl');
  truncateSync(shrunk, statSync(shrunk).size - 5 * (line(0).length + 1));
  const want = reference(dir, PRICES).totals;
  const r = ccost(['daily', '--json', '--dir', dir, '--ledger', ledger]);
  assert.equal(r.code, 0, r.stderr);
  noTrace(r.stderr);
  assert.match(r.stderr, /note: the ledger .* is damaged; moved it to .*\.broken-\d+.*this report is from the session files/);
  assert.equal(JSON.parse(r.stdout).totals.totalTokens, want.totalTokens);
  const again = ccost(['daily', '--json', '--dir', dir, '--ledger', ledger]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stderr, '', 'rebuilt: no more notes');
  assert.equal(JSON.parse(again.stdout).totals.totalTokens, want.totalTokens);
  assert.equal(readdirSync(root).filter((n) => n.startsWith('corrupt.db.broken-') && !/-(wal|shm)$/.test(n)).length, 1, 'moved aside once');
});

const disk = smallTmpfs('2m', 'the full-disk ledger test');

function fill(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'a');
  const block = Buffer.alloc(64 << 10, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch {
    // ENOSPC: full
  }
  for (let n = 4096; n >= 1; n >>= 1)
    try {
      for (;;) writeSync(fd, block, 0, n);
    } catch {
      // smaller
    }
  closeSync(fd);
}

test('a full disk: with an existing ledger and with a fresh one, every run prints the report from the files, with a note', { skip: disk.skip }, () => {
  const small = disk.dir;
  const dir = corpus('full', 5, 100);
  const ledger = join(small, 'ledger.db');
  assert.equal(ccost(['daily', '--json', '--dir', dir, '--ledger', ledger]).code, 0);
  fill(small);
  appendFileSync(join(dir, 'projects', '-p0', 's.jsonl'), Array.from({ length: 300 }, (_, i) => line(90_000 + i)).join('\n') + '\n');
  mkdirSync(join(dir, 'projects', '-new'), { recursive: true });
  writeFileSync(join(dir, 'projects', '-new', 's.jsonl'), Array.from({ length: 300 }, (_, i) => line(80_000 + i)).join('\n') + '\n');
  const want = reference(dir, PRICES).totals.totalTokens;
  for (let run = 0; run < 2; run++) {
    const r = ccost(['daily', '--json', '--dir', dir, '--ledger', ledger]);
    assert.equal(r.code, 0, r.stderr);
    noTrace(r.stderr);
    assert.match(r.stderr, /note: .*(full|no space)/i);
    assert.equal(JSON.parse(r.stdout).totals.totalTokens, want);
  }
  // A fresh ledger on the full disk: the same, and nothing moved aside.
  const fresh = join(small, 'fresh.db');
  for (let run = 0; run < 2; run++) {
    const r = ccost(['daily', '--json', '--dir', dir, '--ledger', fresh]);
    assert.equal(r.code, 0, r.stderr);
    noTrace(r.stderr);
    assert.equal(JSON.parse(r.stdout).totals.totalTokens, want);
  }
  assert.deepEqual(readdirSync(small).filter((n) => n.includes('.broken-')), []);
  assert.ok(existsSync(ledger), 'the existing ledger stays where it was');
});

test('an error that is no known fault (a ledger missing a column, as an unfinished upgrade left one) is one line, not a stack trace', () => {
  const data = corpus('nocolumn', 2, 5);
  const ledger = join(root, 'nocolumn.db');
  assert.equal(ccost(['daily', '--json', '--dir', data, '--ledger', ledger]).code, 0);
  const db = new Database(ledger);
  db.exec(`ALTER TABLE winner_bases DROP COLUMN gen`);
  db.close();
  const r = ccost(['daily', '--dir', data, '--ledger', ledger, '--since', '20250101']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^ccost: unexpected error: no such column: b\.gen \(run with CCORC_DEBUG=1 for details\)\n$/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
