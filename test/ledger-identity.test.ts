/**
 * File identity in the ledger (issue: 200 kept events of a deleted file were lost when another file
 * appeared at its path; an in-place rewrite whose first 256 bytes and the 64 bytes before the
 * checkpoint matched was taken for an append, keeping stale counts). Expected totals from the
 * reference over the files on disk plus the deleted file's responses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccost } from './helpers/cli.js';
import { PRICES } from './helpers/paths.js';
import { reference } from './helpers/reference.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-identity-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const line = (id: string, input: number) => JSON.stringify({ type: 'assistant', timestamp: '2025-10-01T10:00:00Z', sessionId: 's', requestId: `r_${id}`, message: { id, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: input, output_tokens: 1 } } });

const totals = (dir: string, ledger: string) => {
  const r = ccost(['daily', '--json', '--dir', dir, '--ledger', ledger, '-z', 'UTC']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).totals;
};

test("a deleted file's kept events survive another file appearing at the same path", () => {
  const dir = join(root, 'reuse');
  mkdirSync(join(dir, 'projects', '-w'), { recursive: true });
  const file = join(dir, 'projects', '-w', 's.jsonl');
  const old = Array.from({ length: 200 }, (_, i) => line(`old${i}`, 100));
  writeFileSync(file, old.join('\n') + '\n');
  const ledger = join(root, 'reuse.db');
  const before = totals(dir, ledger);
  rmSync(file);
  assert.equal(totals(dir, ledger).inputTokens, before.inputTokens, 'kept after deletion');
  // A different file at the same path (a new inode, other content).
  writeFileSync(file, Array.from({ length: 10 }, (_, i) => line(`new${i}`, 7)).join('\n') + '\n');
  const now = reference(dir, PRICES).totals;
  assert.equal(totals(dir, ledger).inputTokens, before.inputTokens + now.inputTokens, 'the 200 old responses are still counted');
});

test('an in-place rewrite that keeps the first bytes and the bytes before the checkpoint is read again, not taken for an append', () => {
  const dir = join(root, 'rewrite');
  mkdirSync(join(dir, 'projects', '-w'), { recursive: true });
  const file = join(dir, 'projects', '-w', 's.jsonl');
  // 50 responses of 100 input tokens; the rewrite changes the middle ones to 108 (the same length, so
  // every byte offset stays) and adds one at the end.
  const first = Array.from({ length: 50 }, (_, i) => line(`m${String(i).padStart(2, '0')}`, 100));
  writeFileSync(file, first.join('\n') + '\n');
  const ledger = join(root, 'rewrite.db');
  assert.equal(totals(dir, ledger).inputTokens, 5000);
  const second = first.map((l, i) => (i >= 5 && i < 45 ? l.replace('"input_tokens":100', '"input_tokens":108') : l));
  writeFileSync(file, [...second, line('m50', 100)].join('\n') + '\n'); // `cat new > file`: same inode, larger
  const want = reference(dir, PRICES).totals.inputTokens;
  assert.equal(want, 5000 + 40 * 8 + 100);
  assert.equal(totals(dir, ledger).inputTokens, want);
});
