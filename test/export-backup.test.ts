/**
 * #17 item 7, keeping the data for accounting: `ccost export --events` gives one row per counted
 * response whose sums are the reports' totals and the reference implementation's (also for a deleted
 * session file, which the ledger keeps); `ccost ledger backup` makes a checked copy that opens as a
 * ledger, while another process writes, and refuses or fails cleanly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccost, ccostJson } from './helpers/cli.js';
import { CCOST, HAS_REAL_A, PRICES, REAL_A } from './helpers/paths.js';
import { reference, referenceDedup, referenceRecords } from './helpers/reference.js';
import { rng } from './helpers/rng.js';
import { smallTmpfs } from './helpers/tmpfs.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-export-backup-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-6', 'claude-not-priced-9', '<synthetic>'];

/** Two agents; copies of one message in two files (the larger counts), lines without an id, an unpriced model. */
function data(name: string): string {
  const dir = join(root, name);
  const r = rng(99);
  for (const [folder, team] of [['-w-a', null], ['ccbox-agent1--w', 'team-red']] as const) {
    const p = join(dir, 'projects', folder);
    mkdirSync(p, { recursive: true });
    if (team) writeFileSync(join(p, '.ccbox.json'), JSON.stringify({ instance: 'agent1', context: team, mode: 'isolated' }));
    for (let s = 0; s < 2; s++) {
      const lines = Array.from({ length: 30 }, (_, i) =>
        JSON.stringify({
          type: 'assistant',
          timestamp: new Date(Date.UTC(2025, 9, 1 + (i % 9), i % 24, i)).toISOString(),
          sessionId: `${folder}-s${s}`,
          message: {
            ...(i % 7 === 6 ? {} : { id: `msg_${folder}_${i % 20}` }),
            model: MODELS[i % MODELS.length],
            usage: { input_tokens: 10 + Math.floor(r() * 90), output_tokens: 1 + Math.floor(r() * 900) + s * 50, cache_read_input_tokens: Math.floor(r() * 5000), cache_creation_input_tokens: Math.floor(r() * 700) },
          },
        }),
      );
      writeFileSync(join(p, `s${s}.jsonl`), lines.join('\n') + '\n');
    }
  }
  return dir;
}

interface Sums {
  rows: number;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  /** Whole 1e-10 dollars, summed from the decimals as written (no float). */
  units: bigint;
}

function csvSums(csv: string): Sums {
  const [head, ...lines] = csv.trimEnd().split('\n');
  const col = Object.fromEntries(head!.split(',').map((c, i) => [c, i]));
  const s: Sums = { rows: 0, inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, units: 0n };
  for (const line of lines) {
    // No field of this data holds a comma or a quote.
    const f = line.split(',');
    s.rows++;
    s.inputTokens += Number(f[col.inputTokens]);
    s.outputTokens += Number(f[col.outputTokens]);
    s.cacheCreationTokens += Number(f[col.cacheWrite5mTokens]) + Number(f[col.cacheWrite1hTokens]);
    s.cacheReadTokens += Number(f[col.cacheReadTokens]);
    const [whole, frac = ''] = f[col.cost]!.split('.');
    assert.match(f[col.cost]!, /^\d+(\.\d{1,10})?$/, 'a plain decimal');
    s.units += BigInt(whole!) * 10_000_000_000n + BigInt(frac.padEnd(10, '0'));
  }
  return s;
}

const units = (usd: number) => BigInt(Math.round(usd * 1e10));

function assertSumsAre(s: Sums, totals: Record<string, number>, label: string): void {
  for (const k of ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const) assert.equal(s[k], totals[k], `${label}: ${k}`);
  assert.equal(s.units, units(totals.totalCost!), `${label}: cost`);
}

for (const [label, make] of [['generated', () => data('gen')], ['real-a', () => REAL_A]] as const) {
  test(`export --events (${label}): one row per counted response; the sums are the reports' and the reference's`, { skip: label === 'real-a' && !HAS_REAL_A ? 'SKIPPED LOUDLY: the real-a corpus is not beside the repository (../shared/corpus/real-a)' : false }, () => {
    const dir = make();
    const src = ['--dir', dir, '-z', 'UTC', '--ledger', join(root, `${label}.db`)];
    const r = ccost(['export', '--events', ...src]);
    assert.equal(r.code, 0, r.stderr);
    const sums = csvSums(r.stdout);
    const ref = reference(dir, PRICES);
    assert.equal(sums.rows, referenceDedup(referenceRecords(dir).records).length, 'one row per counted response');
    for (const k of ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const) assert.equal(sums[k], ref.totals[k], `reference ${k}`);
    assert.ok(Math.abs(Number(sums.units) / 1e10 - ref.totals.totalCost) <= 1e-9 * Math.max(1, ref.totals.totalCost), `reference cost ${ref.totals.totalCost}`);
    assertSumsAre(sums, ccostJson(['daily', ...src]).totals, 'daily --json');
    // JSON: the same rows; --no-ledger: the same bytes.
    const json = ccostJson(['export', '--events', ...src]);
    assert.equal(json.events.length, sums.rows);
    assert.equal(ccost(['export', '--events', '--dir', dir, '-z', 'UTC', '--no-ledger']).stdout, r.stdout, '--no-ledger');
    // A span of days = the daily report over it.
    const days = [...ref.byDay.keys()].sort();
    const [since, until] = [days[1]!, days[Math.min(3, days.length - 1)]!];
    const some = ccost(['export', '--events', ...src, '--since', since, '--until', until]);
    assertSumsAre(csvSums(some.stdout), ccostJson(['daily', ...src, '--since', since, '--until', until]).totals, `${since}..${until}`);
  });
}

test('export --events after a session file is deleted: the ledger still counts it, as the reports do', () => {
  const dir = data('gone');
  const src = ['--dir', dir, '-z', 'UTC', '--ledger', join(root, 'gone.db')];
  const before = reference(dir, PRICES).totals;
  assert.equal(ccost(['daily', ...src]).code, 0);
  rmSync(join(dir, 'projects', '-w-a', 's1.jsonl'));
  const after = csvSums(ccost(['export', '--events', ...src]).stdout);
  assertSumsAre(after, ccostJson(['daily', ...src]).totals, 'daily after the delete');
  for (const k of ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const) assert.equal(after[k], before[k], `the deleted file's ${k} kept`);
  // Without the ledger only what is on disk counts.
  const disk = csvSums(ccost(['export', '--events', '--dir', dir, '-z', 'UTC', '--no-ledger']).stdout);
  assert.ok(disk.rows < after.rows);
});

test('export: asks what to export; one format at a time', () => {
  const r = ccost(['export', '--dir', data('ask')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--events/);
  assert.equal(ccost(['export', '--events', '--json', '--csv', '--dir', data('ask2')]).code, 2);
});

test('ledger backup: a checked copy, made while another process writes, opens as a ledger with the same totals', async () => {
  const dir = data('backup');
  const ledger = join(root, 'b.db');
  const src = ['--dir', dir, '-z', 'UTC'];
  assert.equal(ccost(['daily', ...src, '--ledger', ledger]).code, 0);
  // A writer: appends and reports against the same ledger while the backup runs.
  const file = join(dir, 'projects', '-w-a', 's0.jsonl');
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing && i < 200; i++) {
      appendFileSync(file, JSON.stringify({ type: 'assistant', timestamp: '2025-10-20T10:00:00Z', sessionId: 'w', message: { id: `msg_w_${i}`, model: MODELS[0], usage: { input_tokens: 5, output_tokens: 5 } } }) + '\n');
      await new Promise<void>((done) => spawn(process.execPath, [CCOST, 'daily', ...src, '--ledger', ledger, '--json'], { stdio: 'ignore' }).on('exit', () => done()));
    }
  })();
  const copy = join(root, 'copy.db');
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const r = await new Promise<{ code: number; stderr: string }>((done) => {
      const c = spawn(process.execPath, [CCOST, 'ledger', 'backup', copy, '--ledger', ledger, '--force'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      c.stderr.on('data', (d: Buffer) => (stderr += d));
      c.on('exit', (code) => done({ code: code ?? -1, stderr }));
    });
    runs.push(r);
  }
  writing = false;
  await writer;
  for (const r of runs) {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /checked/);
  }
  assert.deepEqual(readdirSync(root).filter((n) => n.includes('.partial-')), [], 'no partial copy left');
  // The copy opens as a ledger: a report from it (no file changed since) equals one from the original.
  const fromCopy = ccostJson(['daily', ...src, '--ledger', copy]);
  const fromLedger = ccostJson(['daily', ...src, '--ledger', ledger]);
  assert.deepEqual(fromCopy.totals, fromLedger.totals);
  assert.deepEqual(fromCopy.totals, ccostJson(['daily', ...src, '--no-ledger']).totals);
  // After a deletion, the copy still holds the deleted file's responses, as the ledger does.
  rmSync(join(dir, 'projects', 'ccbox-agent1--w', 's0.jsonl'));
  assert.deepEqual(ccostJson(['daily', ...src, '--ledger', copy]).totals, fromCopy.totals);
});

test('ledger backup refuses what cannot be: no ledger, not a ledger, an existing file, the ledger itself', () => {
  const none = ccost(['ledger', 'backup', join(root, 'x.db'), '--ledger', join(root, 'nothing.db')]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no ledger at/);
  const junk = join(root, 'junk.db');
  writeFileSync(junk, 'not a database at all, just text, long enough to look like something'.repeat(100));
  const notLedger = ccost(['ledger', 'backup', join(root, 'y.db'), '--ledger', junk]);
  assert.equal(notLedger.code, 2, notLedger.stderr);
  assert.match(notLedger.stderr, /not a ledger/);
  assert.equal(existsSync(join(root, 'y.db')), false);
  const ledger = join(root, 'r.db');
  assert.equal(ccost(['daily', '--dir', data('refuse'), '--ledger', ledger]).code, 0);
  const there = join(root, 'there.db');
  writeFileSync(there, 'keep me');
  const exists = ccost(['ledger', 'backup', there, '--ledger', ledger]);
  assert.equal(exists.code, 2);
  assert.match(exists.stderr, /--force/);
  assert.equal(ccost(['ledger', 'backup', ledger, '--ledger', ledger, '--force']).code, 2);
  for (const r of [none, notLedger, exists]) assert.doesNotMatch(r.stderr, /\n\s+at |SqliteError/);
});

const disk = smallTmpfs('1m', 'the full-disk backup test');
test('ledger backup onto a full disk: exit 1, one line, nothing left behind', { skip: disk.skip }, () => {
  const ledger = join(root, 'big.db');
  // A ledger larger than the 1 MiB disk.
  const dir = join(root, 'big');
  mkdirSync(join(dir, 'projects', '-p'), { recursive: true });
  const line = (i: number) => JSON.stringify({ type: 'assistant', timestamp: '2025-10-01T10:00:00Z', sessionId: 's', message: { id: `msg_big_${i}`, model: MODELS[0], usage: { input_tokens: i, output_tokens: 1 } }, pad: 'x'.repeat(300) });
  writeFileSync(join(dir, 'projects', '-p', 's.jsonl'), Array.from({ length: 20_000 }, (_, i) => line(i)).join('\n') + '\n');
  assert.equal(ccost(['daily', '--dir', dir, '--ledger', ledger]).code, 0);
  const fd = openSync(join(disk.dir, 'filler'), 'a');
  writeSync(fd, Buffer.alloc(256 << 10, 1));
  closeSync(fd);
  const r = ccost(['ledger', 'backup', join(disk.dir, 'copy.db'), '--ledger', ledger]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /disk is full; nothing was written/);
  assert.doesNotMatch(r.stderr, /\n\s+at |SqliteError/);
  assert.deepEqual(readdirSync(disk.dir), ['filler']);
});

test('ledger backup: what a killed backup left is removed by the next; a running one is left alone', () => {
  const ledger = join(root, 'k.db');
  assert.equal(ccost(['daily', '--dir', data('killed'), '--ledger', ledger]).code, 0);
  const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
  const out = join(root, 'k-copy.db');
  for (const name of [`${out}.partial-${gone}`, `${out}.partial-${gone}-journal`, `${out}.partial-${process.pid}`]) writeFileSync(name, 'half');
  const r = ccost(['ledger', 'backup', out, '--ledger', ledger]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(root).filter((n) => n.startsWith('k-copy.db')).sort(), ['k-copy.db', `k-copy.db.partial-${process.pid}`]);
});
