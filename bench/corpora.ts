/**
 * The benchmark corpora (generated once, with the generator's own truth beside them) and the 1 MiB
 * appends made to them, shared by the benchmark (bench.ts) and the instruction counts (instructions.ts).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCorpus, type Truth } from './generate.js';
import { ROOT } from './reference-tools.js';

const PRICES = join(ROOT, 'data', 'claude-model-prices.json');

/** The corpus of `size` MiB under `data`, generated (deterministically) the first time it is asked for. */
export function corpus(data: string, size: number): { dir: string; truth: Truth } {
  const dir = join(data, `corpus-${size}mib`);
  const marker = join(dir, 'truth.json');
  if (existsSync(marker)) return { dir, truth: JSON.parse(readFileSync(marker, 'utf8')) as Truth };
  rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`generating ${size} MiB corpus in ${dir} ...\n`);
  const truth = generateCorpus(dir, { bytes: size << 20, seed: 42 + size, pricesPath: PRICES });
  writeFileSync(marker, JSON.stringify(truth));
  return { dir, truth };
}

/** The session file the appends go to, in a folder of its own. */
export function appendTarget(dir: string): string {
  return join(dir, 'projects', '-bench-append', 'session.jsonl');
}

/** 1 MiB of new responses in Claude Code's format, appended to `file`; returns the tokens added. Each round's ids are its own. */
export function appendMiB(dir: string, round: number, file = appendTarget(dir)): number {
  mkdirSync(join(file, '..'), { recursive: true });
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < 1 << 20; i++) {
    const line = JSON.stringify({
      type: 'assistant',
      timestamp: new Date(Date.UTC(2025, 10, 20, 12) + i * 1000).toISOString(),
      sessionId: `append-${round}`,
      cwd: '/bench/append',
      requestId: `req_append_${round}_${i}`,
      message: { id: `msg_append_${round}_${i}`, model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'x'.repeat(900) }], usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 1000 } },
    });
    lines.push(line);
    bytes += line.length + 1;
  }
  appendFileSync(file, lines.join('\n') + '\n');
  return lines.length * (10 + 20 + 1000); // every line's usage: input + output + cache read
}
