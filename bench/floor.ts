/**
 * node dist/bench/floor.js DIR [THREADS]
 *
 * The floor of a cold run for any reader that parses usage lines with JSON.parse, as ccost (and
 * ccusage) must to count exactly what JSON accepts: every session file under DIR read in 128 KiB
 * chunks, every line holding `tokens"` (the lines that can carry usage) decoded and handed to
 * JSON.parse, across threads balanced by bytes as ccost's scan is. Nothing else: no dedup, no
 * pricing, no ledger, no report. The benchmark times it beside the native tool, so that the cold
 * target can be judged against what no implementation of this kind can go below on this machine.
 * Prints the number of lines parsed (on stdout, as JSON).
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const PATTERN = Buffer.from('tokens"');
const NL = 10;
const CHUNK = 128 << 10;

/** Lines parsed and the input tokens they name (summed so that the parse cannot be optimised away). */
interface Count {
  lines: number;
  inputTokens: number;
}

function parseLine(buf: Buffer, from: number, to: number, c: Count): void {
  const rec = JSON.parse(buf.toString('utf8', from, to)) as { message?: { usage?: { input_tokens?: number } } };
  c.lines++;
  c.inputTokens += rec.message?.usage?.input_tokens ?? 0;
}

function readFile(path: string, c: Count): void {
  let buf = Buffer.allocUnsafe(CHUNK);
  const fd = openSync(path, 'r');
  try {
    let pos = 0; // file offset of buf[0]
    let len = 0;
    for (;;) {
      const n = readSync(fd, buf, len, buf.length - len, pos + len);
      len += n;
      const end = len > 0 ? buf.lastIndexOf(NL, len - 1) + 1 : 0;
      let p = 0;
      while (p < end) {
        const i = buf.indexOf(PATTERN, p);
        if (i < 0 || i >= end) break;
        const ls = i === 0 ? 0 : buf.lastIndexOf(NL, i - 1) + 1;
        const le = buf.indexOf(NL, i);
        parseLine(buf, Math.max(ls, p), le, c);
        p = le + 1;
      }
      if (n === 0) return; // an unterminated last line is left out: a floor may do less, never more
      buf.copy(buf, 0, end, len);
      pos += end;
      len -= end;
      // A line longer than the buffer: grow it (a floor need not bound its memory).
      if (len === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
    }
  } finally {
    closeSync(fd);
  }
}

function sessionFiles(dir: string, out: Array<[string, number]> = []): Array<[string, number]> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) sessionFiles(path, out);
    else if (e.isFile() && e.name.endsWith('.jsonl')) out.push([path, statSync(path).size]);
  }
  return out;
}

function readAll(paths: readonly string[]): Count {
  const c: Count = { lines: 0, inputTokens: 0 };
  for (const p of paths) readFile(p, c);
  return c;
}

if (isMainThread) {
  const [dir, threadsArg] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node dist/bench/floor.js DIR [THREADS]');
    process.exit(2);
  }
  const threads = Number(threadsArg ?? Math.min(availableParallelism(), 8));
  const shares = Array.from({ length: threads }, () => ({ paths: [] as string[], bytes: 0 }));
  for (const [path, size] of sessionFiles(dir).sort((a, b) => b[1] - a[1])) {
    let least = shares[0]!;
    for (const s of shares) if (s.bytes < least.bytes) least = s;
    least.paths.push(path);
    least.bytes += size;
  }
  const [mine, ...theirs] = shares;
  const others = theirs.map(
    (s) =>
      new Promise<Count>((resolve, reject) => {
        const w = new Worker(new URL(import.meta.url), { workerData: s.paths });
        w.once('message', resolve);
        w.once('error', reject);
      }),
  );
  const counts = [readAll(mine!.paths), ...(await Promise.all(others))];
  console.log(JSON.stringify({ lines: counts.reduce((n, c) => n + c.lines, 0), inputTokens: counts.reduce((n, c) => n + c.inputTokens, 0), threads }));
} else {
  parentPort!.postMessage(readAll(workerData as string[]));
}
