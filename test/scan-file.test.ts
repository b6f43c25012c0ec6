import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanFile } from '../src/sessions/scan-file.js';
import type { ScanSlot } from '../src/usage/types.js';

const dir = mkdtempSync(join(tmpdir(), 'ccost-scan-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function usageLine(i: number, pad = 0): string {
  return JSON.stringify({
    type: 'assistant',
    timestamp: `2025-10-01T10:00:${String(i % 60).padStart(2, '0')}Z`,
    message: { id: `msg_${i}`, model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'y'.repeat(pad) }], usage: { input_tokens: i, output_tokens: 2 * i } },
  });
}
const userLine = (n: number) => JSON.stringify({ type: 'user', message: { role: 'user', content: 'z'.repeat(n) } });

function write(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const ids = (p: string, chunkSize?: number) => scanFile(p, { fileIndex: 0 as ScanSlot, subagentFile: false, chunkSize }).events.map((e) => e.messageId);

test('the same events whatever the buffer size, across long lines and boundaries', () => {
  const lines: string[] = [];
  const expected: string[] = [];
  for (let i = 1; i <= 60; i++) {
    if (i % 7 === 0) lines.push(userLine(3000)); // longer than the small buffers
    lines.push(usageLine(i, i % 5 === 0 ? 2500 : i));
    expected.push(`msg_${i}`);
  }
  const p = write('mixed.jsonl', lines.join('\n') + '\n');
  for (const size of [64, 100, 257, 1000, 4096, 1 << 20]) assert.deepEqual(ids(p, size), expected, `chunk ${size}`);
});

test('offsets point at each line start; endOffset past the last complete line', () => {
  const a = usageLine(1);
  const b = usageLine(2);
  const p = write('offsets.jsonl', `${a}\n${userLine(10)}\n${b}\n`);
  const r = scanFile(p, { fileIndex: 0 as ScanSlot, subagentFile: false, chunkSize: 64 });
  assert.deepEqual(r.events.map((e) => e.offset), [0, Buffer.byteLength(a) + Buffer.byteLength(userLine(10)) + 2]);
  assert.equal(r.endOffset, r.size);
});

test('start offset: reads only what follows a checkpoint', () => {
  const a = usageLine(1);
  const p = write('resume.jsonl', `${a}\n${usageLine(2)}\n`);
  const r = scanFile(p, { fileIndex: 0 as ScanSlot, subagentFile: false, start: Buffer.byteLength(a) + 1 });
  assert.deepEqual(r.events.map((e) => e.messageId), ['msg_2']);
});

test('an unterminated last line counts when complete JSON, else waits', () => {
  const done = write('tail-ok.jsonl', `${usageLine(1)}\n${usageLine(2)}`);
  const r1 = scanFile(done, { fileIndex: 0 as ScanSlot, subagentFile: false, chunkSize: 64 });
  assert.equal(r1.events.length, 2);
  assert.equal(r1.endOffset, r1.size);
  assert.equal(r1.warnings.partialTail, false);
  const full = usageLine(2);
  const cut = full.indexOf('output_tokens') + 16; // past the pattern, before the line ends
  const half = write('tail-half.jsonl', `${usageLine(1)}\n${full.slice(0, cut)}`);
  const r2 = scanFile(half, { fileIndex: 0 as ScanSlot, subagentFile: false });
  assert.equal(r2.events.length, 1);
  assert.equal(r2.warnings.partialTail, true);
  assert.equal(r2.warnings.malformed, 0);
  assert.equal(r2.endOffset, Buffer.byteLength(usageLine(1)) + 1);
});

test('CRLF line ends, blank lines, binary junk and malformed usage lines', () => {
  const junk = Buffer.from([0, 1, 2, 255, 254, 10, 0x7b, 0x22, 0x74, 0x6f, 0x6b, 0x65, 0x6e, 0x73, 0x22, 10]); // ...{"tokens"\n
  const p = write('junk.jsonl', Buffer.concat([Buffer.from(`${usageLine(1)}\r\n\r\n\n`), junk, Buffer.from(`{"message":{"usage":{"input_tokens":1,"output_tokens"\n${usageLine(2)}\n`)]));
  const r = scanFile(p, { fileIndex: 0 as ScanSlot, subagentFile: false, chunkSize: 64 });
  assert.deepEqual(r.events.map((e) => e.messageId), ['msg_1', 'msg_2']);
  // The binary line, `{"tokens"` and the cut-off usage line; blank lines are not counted.
  assert.equal(r.warnings.malformed, 3);
});

test('a multi-megabyte usage line is read whole', () => {
  const big = usageLine(7, 5 << 20);
  const p = write('big.jsonl', `${userLine(3 << 20)}\n${big}\n${usageLine(8)}\n`);
  assert.deepEqual(ids(p, 1 << 16), ['msg_7', 'msg_8']);
});

test('an unreadable file is reported, not thrown', () => {
  if (process.getuid?.() === 0) {
    // root reads everything despite permissions: a folder in a file's place fails the read instead.
    const p = join(dir, 'folder.jsonl');
    mkdirSync(p);
    assert.equal(scanFile(p, { fileIndex: 0 as ScanSlot, subagentFile: false }).warnings.error, 'is a folder');
    return;
  }
  const p = write('locked.jsonl', `${usageLine(1)}\n`);
  chmodSync(p, 0);
  assert.equal(scanFile(p, { fileIndex: 0 as ScanSlot, subagentFile: false }).warnings.error, 'permission denied');
});

test('a vanished file is reported, not thrown', () => {
  const r = scanFile(join(dir, 'nope.jsonl'), { fileIndex: 0 as ScanSlot, subagentFile: false });
  assert.match(r.warnings.error!, /vanished|dangling/);
  assert.equal(r.events.length, 0);
});
