/**
 * npm run bench:instructions [-- --size 1024 --runs 2 --data DIR]
 *
 * Counts the instructions `ccost daily --json` executes after 1 MiB is appended, under valgrind's
 * callgrind with `node --predictable`. Wall time on a shared machine swings by ±20% from minute to
 * minute; these counts repeat to within ~0.5-3%, so they tell whether a change made the path
 * cheaper. Time spent in the kernel (system calls such as stat) is not counted: use strace -c.
 * Two cases, each started from the same ledger and files on every run:
 *   new file       1 MiB in a session file of a folder that did not exist (the bench's first round)
 *   existing file  1 MiB more in that file (the bench's later rounds)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { appendMiB, appendTarget, corpus } from './corpora.js';
import { ROOT } from './reference-tools.js';

const CCOST = join(ROOT, 'dist', 'src', 'cli', 'ccost.js');
/** Longer than discovery's settle time (sessions/discover.ts), so that the warm run records its output for replay. */
const SETTLE_MS = 2500;

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1024' },
    runs: { type: 'string', default: '2' },
    data: { type: 'string', default: join(ROOT, 'bench-data') },
  },
});
const size = Number(values.size);
const runs = Number(values.runs);

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('bench:instructions: valgrind not found (apt-get install valgrind)');
  process.exit(2);
}
if (!existsSync(CCOST)) {
  console.error(`bench:instructions: ccost not built at ${CCOST} (npm run build)`);
  process.exit(2);
}

const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC' };
delete env.NODE_EXTRA_CA_CERTS; // see bench.ts
const { dir } = corpus(values.data!, size);
const target = appendTarget(dir);
const work = mkdtempSync(join(tmpdir(), 'ccost-instructions-'));
const ledger = join(work, 'ledger.db');
const args = ['daily', '--json', '--dir', dir, '-z', 'UTC', '--ledger', ledger];
const SUFFIXES = ['', '-wal', '-shm'];

function ccost(): { rollups: string; totalTokens: number } {
  const r = spawnSync(process.execPath, [CCOST, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ccost failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const out = JSON.parse(r.stdout) as { ledger: { rollups: string }; totals: { totalTokens: number } };
  return { rollups: out.ledger.rollups, totalTokens: out.totals.totalTokens };
}

function counted(): { instructions: number; rollups: string } {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--predictable', CCOST, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ccost under valgrind failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no instruction count in valgrind's output: ${r.stderr.slice(-500)}`);
  return { instructions: Number(m[1]), rollups: (JSON.parse(r.stdout) as { ledger: { rollups: string } }).ledger.rollups };
}

/** A ledger, then a second run after the folders settled, so that the state includes a recorded output (as a user's would). */
function settleAndRecord(): void {
  ccost();
  spawnSync('sleep', [String(SETTLE_MS / 1000)]);
  ccost();
}

const snapshot = (name: string) => {
  for (const s of SUFFIXES) if (existsSync(ledger + s)) copyFileSync(ledger + s, join(work, name + s));
};
const restore = (name: string) => {
  for (const s of SUFFIXES) {
    rmSync(ledger + s, { force: true });
    if (existsSync(join(work, name + s))) copyFileSync(join(work, name + s), ledger + s);
  }
};

const results: Array<{ case: string; counts: number[]; rollups: string[] }> = [];
try {
  rmSync(dirname(target), { recursive: true, force: true });
  process.stderr.write(`${size} MiB: first run and warm run...\n`);
  settleAndRecord();
  snapshot('before');

  const fresh = { case: 'new file', counts: [] as number[], rollups: [] as string[] };
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`new file, run ${i + 1} of ${runs} (under valgrind: about a minute per GiB)...\n`);
    restore('before');
    rmSync(dirname(target), { recursive: true, force: true });
    appendMiB(dir, 0);
    const r = counted();
    fresh.counts.push(r.instructions);
    fresh.rollups.push(r.rollups);
  }
  results.push(fresh);

  // The state a user has after the first append was counted and reported.
  restore('before');
  rmSync(dirname(target), { recursive: true, force: true });
  appendMiB(dir, 0);
  settleAndRecord();
  snapshot('appended');
  const sizeBefore = statSync(target).size;
  const grown = { case: 'existing file', counts: [] as number[], rollups: [] as string[] };
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`existing file, run ${i + 1} of ${runs}...\n`);
    restore('appended');
    // Back to the size the ledger knows (the same inode: the ledger sees an append, not a new file).
    truncateSync(target, sizeBefore);
    appendMiB(dir, 1);
    const r = counted();
    grown.counts.push(r.instructions);
    grown.rollups.push(r.rollups);
  }
  results.push(grown);
} finally {
  rmSync(dirname(target), { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

const g = (n: number) => `${(n / 1e9).toFixed(3)} G`;
console.log('');
console.log(`| ${size} MiB, after appending 1 MiB | runs | instructions (min) | instructions (max) | rollups |`);
console.log('|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.case} | ${r.counts.length} | ${g(Math.min(...r.counts))} | ${g(Math.max(...r.counts))} | ${[...new Set(r.rollups)].join(', ')} |`);
console.log('\ncallgrind (valgrind) instruction counts of node --predictable running ccost; kernel time not included.');
