/**
 * `| head`: when the reader of the output has gone, the three commands end quietly with exit 0, as
 * Unix tools do. `| true` closes the pipe before the command writes anything, so every write fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/paths.js';

const root = mkdtempSync(join(tmpdir(), 'ccorc-pipe-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

test('ccost, ccorc and ccdk exit 0 without a word when their output pipe is closed', () => {
  mkdirSync(join(root, 'projects', '-w'), { recursive: true });
  const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({ type: 'assistant', timestamp: `2025-0${1 + (i % 9)}-1${i % 10}T10:00:00Z`, message: { id: `m${i}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 10, output_tokens: i } } }));
  writeFileSync(join(root, 'projects', '-w', 's.jsonl'), lines.join('\n') + '\n');
  const cli = (c: string) => `"${process.execPath}" "${join(ROOT, 'dist', 'src', 'cli', `${c}.js`)}"`;
  for (const line of [`${cli('ccost')} daily --no-ledger --dir ${root}`, `${cli('ccost')} session --json --no-ledger --dir ${root}`, `${cli('ccorc')} teams list`, `${cli('ccdk')} --help`]) {
    const r = spawnSync('bash', ['-c', `sleep 0.2 | true; ${line} | true; echo "exit \${PIPESTATUS[0]}"`], { encoding: 'utf8', env: { ...process.env, HOME: root } });
    assert.equal(r.stdout.trim(), 'exit 0', `${line}: ${r.stderr}`);
    assert.equal(r.stderr, '', line);
  }
});
