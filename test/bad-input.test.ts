/**
 * Bad input is data, not a crash: exit 0, correct totals of what is valid, a per-file count of
 * what was skipped. Bad flags and dates: a clear message and exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccost, ccostJson } from './helpers/cli.js';
import { PRICES } from './helpers/paths.js';
import { reference } from './helpers/reference.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-bad-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const line = (id: string, usage: Record<string, unknown>, ts = '2025-10-01T10:00:00Z') =>
  JSON.stringify({ type: 'assistant', timestamp: ts, sessionId: 's', requestId: `r_${id}`, message: { id, model: 'claude-sonnet-4-5-20250929', usage } });

function makeBadDir(): string {
  const data = join(root, 'bad');
  const proj = join(data, 'projects', '-w-app');
  mkdirSync(proj, { recursive: true });
  mkdirSync(join(data, 'projects', '-empty-folder'));
  writeFileSync(join(proj, 'empty.jsonl'), '');
  writeFileSync(
    join(proj, 'a.jsonl'),
    [
      line('m1', { input_tokens: 100, output_tokens: 10 }),
      '{"type":"assistant","message":{"usage":{"input_tokens":5,"output_tokens"', // malformed usage line
      line('m2', { input_tokens: null, output_tokens: 10 }), // null required count
      line('m3', { input_tokens: -4, output_tokens: 10 }), // negative
      line('m4', { input_tokens: 1, output_tokens: 1, cache_read_input_tokens: null }), // null optional: fine
      line('m5', { input_tokens: 7, output_tokens: 3 }, '2025-10-01T23:30:00-05:00'), // offset: Oct 2 in UTC
      '\u0000\u0001binary\uFFFD junk tokens"',
      line('m6', { input_tokens: 2, output_tokens: 2 }, 'not-a-time'),
      JSON.stringify({ type: 'user', message: { role: 'user', content: 'q'.repeat(3 << 20) } }), // multi-MB line
      line('m7', { input_tokens: 11, output_tokens: 1 }),
      line('m8', { input_tokens: 50, output_tokens: 50 }).slice(0, 120), // truncated last line, still being written
    ].join('\n'),
  );
  symlinkSync(join(root, 'does-not-exist.jsonl'), join(proj, 'dangling.jsonl'));
  return data;
}

test('bad input: exit 0, totals of what is valid, skipped lines counted per file', () => {
  const data = makeBadDir();
  const out = ccostJson(['daily', '--dir', data, '-z', 'UTC']);
  const ref = reference(data, PRICES);
  // By hand: m1 (100+10) + m4 (1+1) + m5 (7+3) + m7 (11+1) = 134 tokens.
  assert.equal(out.totals.totalTokens, 134);
  assert.equal(ref.totals.totalTokens, 134);
  assert.ok(Math.abs(out.totals.totalCost - ref.totals.totalCost) < 1e-12);
  assert.deepEqual(out.daily.map((d: any) => d.date), ['2025-10-01', '2025-10-02']);
  const a = out.warnings.find((w: any) => w.path.endsWith('a.jsonl'));
  assert.equal(a.malformed, 2); // the cut-off usage line and the binary junk
  assert.equal(a.invalid, 3); // null required, negative, bad timestamp
  assert.equal(a.partialTail, true);
  const dangling = out.warnings.find((w: any) => w.path.endsWith('dangling.jsonl'));
  assert.match(dangling.error, /dangling link/);
});

test('--verbose lists each file with what was skipped', () => {
  const r = ccost(['daily', '--dir', join(root, 'bad'), '--verbose']);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /a\.jsonl: 2 malformed line\(s\), 3 invalid usage record\(s\), unfinished last line/);
  assert.match(r.stderr, /dangling\.jsonl: dangling link/);
});

test('no data at all: exit 0 with zero totals', () => {
  const empty = join(root, 'nothing');
  mkdirSync(empty);
  const out = ccostJson(['daily', '--dir', empty]);
  assert.equal(out.totals.totalTokens, 0);
  assert.deepEqual(out.daily, []);
  const r = ccost(['daily', '--dir', join(root, 'missing-folder')]);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /No session files found/);
});

test('bad flags, dates and zones: a clear message and exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['daily', '--bogus'], /unknown option '--bogus'/],
    [['daily', '--since', '2025-13-01'], /not a date/],
    [['daily', '--until', 'yesterday'], /not a date/],
    [['daily', '-z', 'Mars/Base'], /unknown time zone/],
    [['daily', '--mode', 'guess'], /Allowed choices are auto, calculate, display/],
    [['daily', '--since', '20251005', '--until', '20251001'], /is after/],
    [['nonsense'], /too many arguments|unknown command/],
    [['daily', '--json', '--csv'], /choose one/],
  ];
  for (const [args, msg] of cases) {
    const r = ccost(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg, args.join(' '));
  }
});

test('--help explains and exits 0', () => {
  const r = ccost(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /daily/);
  assert.match(r.stdout, /agent/);
  const d = ccost(['daily', '--help']);
  assert.match(d.stdout, /--timezone/);
});

test('ccost doctor lists what was skipped, per file', () => {
  const r = ccost(['doctor', '--dir', join(root, 'bad')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Session files: 2 /); // a.jsonl and empty.jsonl (the dangling link is a problem, not a file)
  assert.match(r.stdout, /a\.jsonl: 2 malformed line\(s\), 3 invalid usage record\(s\), unfinished last line/);
  assert.match(r.stdout, /dangling\.jsonl: dangling link/);
  const j = JSON.parse(ccost(['doctor', '--dir', join(root, 'bad'), '--json']).stdout);
  assert.equal(j.prices.models, 42);
  assert.deepEqual(j.agents, ['host']);
});
