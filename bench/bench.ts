/**
 * npm run bench [-- --sizes 200,1024 --runs 5 --data DIR --no-ts]
 *
 * Generates deterministic corpora shaped like real transcripts (bench/generate.ts), then, in one run,
 * times `ccost daily --json` cold (fresh ledger), warm (nothing changed), after 1 MiB more (appended
 * to a known session file, and as a new file in a new folder), and
 * with --no-ledger, against the native reference tool (ccusage 20.0.24's binary,
 * `ccusage claude daily --json --offline`) and ccusage 18.0.11 (TypeScript). Reports the median wall
 * time, the ratio to the native tool and the peak RSS (GNU time), and checks that all tools agree
 * with the generator's own totals. Also times the floor of any JSON.parse-based reader (floor.ts).
 *
 * Every tool runs with TZ=UTC and without NODE_EXTRA_CA_CERTS: that variable (set in some sandboxes)
 * makes every Node process parse a CA bundle at start-up, ~80 ms here, which is no part of any tool.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { appendMiB, corpus } from './corpora.js';
import { CCUSAGE_18, CCUSAGE_LAUNCHER, CCUSAGE_NATIVE, nativeCcusage, ROOT } from './reference-tools.js';

const CCOST = join(ROOT, 'dist', 'src', 'cli', 'ccost.js');
const FLOOR = join(ROOT, 'dist', 'bench', 'floor.js');
const NATIVE = nativeCcusage() ?? CCUSAGE_NATIVE;
const LAUNCHER = CCUSAGE_LAUNCHER;
const TS18 = CCUSAGE_18;
const GNU_TIME = '/usr/bin/time';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '200,1024' },
    runs: { type: 'string', default: '5' },
    data: { type: 'string', default: join(ROOT, 'bench-data') },
    'no-ts': { type: 'boolean', default: false },
    'ts-runs': { type: 'string', default: '1' },
    'tail-lines': { type: 'string', default: '200' },
    'no-tail': { type: 'boolean', default: false },
    'watch-lines': { type: 'string', default: '200' },
    'no-watch': { type: 'boolean', default: false },
    /** Only tail and watch (the report cases and their checks are skipped). */
    'live-only': { type: 'boolean', default: false },
  },
});
const sizes = values.sizes!.split(',').map(Number);
const runs = Number(values.runs);
const tsRuns = Number(values['ts-runs']);

for (const [what, path] of [
  ['ccost (run npm run build)', CCOST],
  ['ccusage 20.0.24 native binary (npm ci)', NATIVE],
  ['GNU time (apt-get install time)', GNU_TIME],
] as const)
  if (!existsSync(path)) {
    console.error(`bench: ${what} not found at ${path}`);
    process.exit(2);
  }

const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC' };
delete env.NODE_EXTRA_CA_CERTS;

interface Run {
  wall: number;
  /** User + system CPU seconds: steadier than wall time on a shared machine, for comparing builds. */
  cpu: number;
  rssMiB: number;
  stdout: string;
}

function timed(cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(GNU_TIME, ['-f', '%e %U %S %M', cmd, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const last = r.stderr.trim().split('\n').pop()!.split(' ');
  return { wall: Number(last[0]), cpu: Number(last[1]) + Number(last[2]), rssMiB: Number(last[3]) / 1024, stdout: r.stdout };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

interface Row {
  size: number;
  case: string;
  tool: string;
  wall: number;
  cpu: number;
  rss: number;
  target?: { ratio?: number; ms?: number };
}

const rows: Row[] = [];
const checks: string[] = [];
let failed = false;

for (const size of values['live-only'] ? [] : sizes) {
  const { dir, truth } = corpus(values.data!, size);
  const appendFolders = () => readdirSync(join(dir, 'projects')).filter((f) => f.startsWith('-bench-append')).map((f) => join(dir, 'projects', f));
  for (const f of appendFolders()) rmSync(f, { recursive: true, force: true });
  const ledger = join(values.data!, `ledger-${size}.db`);
  const fresh = () => {
    for (const s of ['', '-wal', '-shm']) rmSync(ledger + s, { force: true });
  };
  const ccost = (extra: string[]) => timed(process.execPath, [CCOST, 'daily', '--json', '--dir', dir, '-z', 'UTC', ...extra]);
  process.stderr.write(`${size} MiB: measuring (${runs} runs per case)...\n`);

  const native = Array.from({ length: runs }, () => timed(NATIVE, ['claude', 'daily', '--json', '--offline'], { CLAUDE_CONFIG_DIR: dir }));
  const nativeWall = median(native.map((r) => r.wall));
  const add = (c: string, tool: string, rs: Run[], target?: Row['target']) =>
    rows.push({ size, case: c, tool, wall: median(rs.map((r) => r.wall)), cpu: median(rs.map((r) => r.cpu)), rss: Math.max(...rs.map((r) => r.rssMiB)), target });
  add('reference', 'ccusage 20.0.24 (native binary: the basis of every ratio)', native);
  if (existsSync(LAUNCHER)) {
    // What a user types: the npm `ccusage` command, a Node launcher that runs the same binary.
    const launched = Array.from({ length: runs }, () => timed(process.execPath, [LAUNCHER, 'claude', 'daily', '--json', '--offline'], { CLAUDE_CONFIG_DIR: dir }));
    add('reference', 'ccusage 20.0.24 (npm command)', launched);
  }

  // What no JSON.parse-based reader can go below here (bench/floor.ts): the yardstick for the cold target.
  const floor = Array.from({ length: runs }, () => timed(process.execPath, [FLOOR, dir]));
  add('floor: read + JSON.parse of usage lines only', 'bench/floor.ts', floor);
  const floorLines = (JSON.parse(floor[0]!.stdout) as { lines: number }).lines;
  const floorOk = floorLines >= truth.responses;
  checks.push(`${size} MiB: floor parsed ${floorLines.toLocaleString('en-US')} usage lines (the generator wrote ${truth.responses.toLocaleString('en-US')} distinct responses, some of them more than once)${floorOk ? '' : ': FEWER, the floor missed lines'}`);
  failed = !floorOk || failed;

  const cold = Array.from({ length: runs }, () => {
    fresh();
    return ccost(['--ledger', ledger]);
  });
  add('cold, fresh ledger', 'ccost', cold, { ratio: 1 });
  const warm = Array.from({ length: runs }, () => ccost(['--ledger', ledger]));
  add('warm, nothing changed', 'ccost', warm, { ratio: 0.05, ms: 150 });
  const noLedger = Array.from({ length: runs }, () => ccost(['--no-ledger']));
  add('--no-ledger', 'ccost', noLedger, { ratio: 2 });

  // Totals: every tool against the generator's own truth (before the appends change the corpus).
  const ours = JSON.parse(cold[0]!.stdout).totals;
  const oursFiles = JSON.parse(noLedger[0]!.stdout).totals;
  const theirs = JSON.parse(native[0]!.stdout).totals;
  const agree = (name: string, t: { totalTokens: number; totalCost: number }) => {
    const ok = t.totalTokens === truth.totals.totalTokens && Math.abs(t.totalCost - truth.totals.totalCost) <= 1e-6 * truth.totals.totalCost;
    checks.push(`${size} MiB: ${name}: ${t.totalTokens.toLocaleString('en-US')} tokens, $${t.totalCost.toFixed(4)} ${ok ? '= truth' : 'DIFFERS from truth'}`);
    return ok;
  };
  checks.push(`${size} MiB: generator truth: ${truth.totals.totalTokens.toLocaleString('en-US')} tokens, $${truth.totals.totalCost.toFixed(4)} (${truth.files} files, ${(truth.bytes / 2 ** 20).toFixed(0)} MiB)`);
  failed = !agree('ccost (ledger, cold)', ours) || failed;
  failed = !agree('ccost --no-ledger', oursFiles) || failed;
  failed = !agree('ccost (ledger, warm)', JSON.parse(warm[warm.length - 1]!.stdout).totals) || failed;
  failed = !agree('ccusage 20.0.24', theirs) || failed;

  if (!values['no-ts'] && existsSync(TS18)) {
    const ts = Array.from({ length: tsRuns }, () => timed(process.execPath, [TS18, 'daily', '--json', '--offline'], { CLAUDE_CONFIG_DIR: dir }));
    add('reference', 'ccusage 18.0.11 (TypeScript)', ts);
    agree('ccusage 18.0.11', JSON.parse(ts[0]!.stdout).totals);
  }

  // After 1 MiB more: appended to a session file the ledger already counts, and as a new session file
  // in a new folder (each round's responses are new).
  let added = appendMiB(dir, 0);
  ccost(['--ledger', ledger]);
  const appended = Array.from({ length: runs }, (_, i) => {
    added += appendMiB(dir, 1 + i);
    return ccost(['--ledger', ledger]);
  });
  add('after appending 1 MiB to a session file', 'ccost', appended, { ratio: 0.05 });
  const newFile = Array.from({ length: runs }, (_, i) => {
    added += appendMiB(dir, 100 + i, join(dir, 'projects', `-bench-append-${i}`, 'session.jsonl'));
    return ccost(['--ledger', ledger]);
  });
  add('after 1 MiB as a new session file in a new folder', 'ccost', newFile, { ratio: 0.05 });
  const afterAppends = JSON.parse(newFile[newFile.length - 1]!.stdout).totals.totalTokens;
  const appendOk = afterAppends === truth.totals.totalTokens + added;
  checks.push(`${size} MiB: ccost (ledger, after ${2 * runs + 1} appends of 1 MiB): ${afterAppends.toLocaleString('en-US')} tokens ${appendOk ? '= truth + the tokens appended' : `DIFFERS from truth + appended (${(truth.totals.totalTokens + added).toLocaleString('en-US')})`}`);
  failed = !appendOk || failed;
  for (const f of appendFolders()) rmSync(f, { recursive: true, force: true });

  for (const r of rows.filter((x) => x.size === size)) (r as Row & { native: number }).native = nativeWall;
}

/** Latency from appending a line to a session file until `ccost tail --json` prints it. */
async function tailLatency(dir: string, lines: number): Promise<number[]> {
  const folder = join(dir, 'projects', '-bench-tail');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'session.jsonl');
  writeFileSync(file, '');
  const child = spawn(process.execPath, [CCOST, 'tail', '--json', '--dir', dir], { env });
  const written = new Map<string, number>();
  const latencies: number[] = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    const now = performance.now();
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const p of parts) {
      const id = (JSON.parse(p) as { messageId: string }).messageId;
      const t = written.get(id);
      if (t !== undefined) latencies.push(now - t);
    }
  });
  await new Promise<void>((resolve) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      if (err.includes('following')) resolve();
    });
  });
  for (let i = 0; i < lines; i++) {
    const id = `msg_tail_${i}_${Date.now()}`;
    const line = JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), sessionId: 'tail', requestId: `req_${id}`, message: { id, model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'x'.repeat(500) }], usage: { input_tokens: 5, output_tokens: 5 } } });
    written.set(id, performance.now());
    appendFileSync(file, line + '\n');
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
  }
  const end = Date.now() + 5000;
  while (latencies.length < lines && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  rmSync(folder, { recursive: true, force: true });
  if (latencies.length < lines) throw new Error(`tail reported ${latencies.length} of ${lines} appended lines`);
  return latencies.sort((a, b) => a - b);
}

let tailLine = '';
if (!values['no-tail']) {
  const size = sizes[0]!;
  const n = Number(values['tail-lines']);
  process.stderr.write(`tail latency: ${n} appends while following the ${size} MiB corpus...\n`);
  const l = await tailLatency(corpus(values.data!, size).dir, n);
  const q = (p: number) => l[Math.min(l.length - 1, Math.floor((p / 100) * l.length))]!;
  tailLine = `tail latency (${n} appends to a session file while \`ccost tail --json\` follows the ${size} MiB corpus): p50 ${q(50).toFixed(0)} ms, p95 ${q(95).toFixed(0)} ms, max ${l[l.length - 1]!.toFixed(0)} ms (target: p95 <= 1000 ms: ${q(95) <= 1000 ? 'met' : 'NOT met'})`;
}

/**
 * CPU seconds a process has used so far, all its threads: the scheduler's own count in nanoseconds
 * (/proc/PID/task/TID/schedstat) where the kernel keeps it, else user + system time in clock ticks
 * (10 ms: too coarse for the few milliseconds of one line).
 */
function cpuOf(pid: number): number {
  try {
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    if (ns > 0) return ns / 1e9;
  } catch {
    // no schedstat here
  }
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Idle and busy windows: two of the watcher's 30-second walk cycles each. */
const WINDOW_MS = 60_000;

/**
 * `ccost watch` in a pseudo-terminal (script(1)) following the corpus with a warm ledger: the time
 * from appending a line to the next frame (frames are drawn only when the rows change), and the CPU
 * per appended line beyond what the idle watcher uses.
 */
async function watchLatency(dir: string, ledger: string, lines: number): Promise<{ latencies: number[]; cpuPerLineMs: number; idleCpuPct: number }> {
  const folder = join(dir, 'projects', '-bench-watch');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'session.jsonl');
  writeFileSync(file, '');
  spawnSync(process.execPath, [CCOST, 'daily', '--json', '--dir', dir, '--ledger', ledger], { env, stdio: 'ignore' });
  const command = [process.execPath, CCOST, 'watch', '--dir', dir, '--ledger', ledger].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env });
  const frames: number[] = [];
  child.stdout.on('data', (d: Buffer) => {
    const now = performance.now();
    for (let at = d.indexOf('\x1b[H'); at >= 0; at = d.indexOf('\x1b[H', at + 1)) frames.push(now);
  });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const until = async (ok: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!ok() && Date.now() < end) await sleep(5);
    return ok();
  };
  if (!(await until(() => frames.length > 0, 60_000))) throw new Error('watch drew no frame');
  const pid = execFileSync('pgrep', ['-f', '--', `watch --dir ${dir} --ledger ${ledger}`], { encoding: 'utf8' })
    .split('\n')
    .map(Number)
    .find((p) => p > 0 && readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node')!;
  await sleep(1500);
  // The watcher's own rhythm (a poll every 2 s, a walk every 30 s) goes on whether lines come or not.
  // The idle rate and the appends are measured over windows of the same length, two whole cycles of
  // that rhythm, so both hold as many polls and walks, and what is left is the appends' own cost.
  const pace = WINDOW_MS / lines;
  const idle0 = cpuOf(pid);
  const idleStart = performance.now();
  await sleep(WINDOW_MS);
  const idleRate = (cpuOf(pid) - idle0) / ((performance.now() - idleStart) / 1000);
  const latencies: number[] = [];
  const cpu0 = cpuOf(pid);
  const start = performance.now();
  for (let i = 0; i < lines; i++) {
    const id = `msg_watch_${i}_${Date.now()}`;
    const line = JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), sessionId: 'watch', requestId: `req_${id}`, message: { id, model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'x'.repeat(500) }], usage: { input_tokens: 5, output_tokens: 5 } } });
    await sleep(start + i * pace - performance.now());
    const seen = frames.length;
    const t = performance.now();
    appendFileSync(file, line + '\n');
    if (!(await until(() => frames.length > seen, 5000))) throw new Error(`watch drew no frame within 5 s of append ${i}`);
    latencies.push(frames[seen]! - t);
  }
  await sleep(start + WINDOW_MS - performance.now());
  const busy = cpuOf(pid) - cpu0 - idleRate * ((performance.now() - start) / 1000);
  child.kill('SIGTERM');
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // gone with its terminal
  }
  rmSync(folder, { recursive: true, force: true });
  return { latencies: latencies.sort((a, b) => a - b), cpuPerLineMs: (busy / lines) * 1000, idleCpuPct: idleRate * 100 };
}

let watchLine = '';
if (!values['no-watch']) {
  const size = sizes[sizes.length - 1]!;
  const n = Number(values['watch-lines']);
  process.stderr.write(`watch latency: ${n} appends while \`ccost watch\` follows the ${size} MiB corpus...\n`);
  const w = await watchLatency(corpus(values.data!, size).dir, join(values.data!, `ledger-${size}.db`), n);
  const l = w.latencies;
  const q = (p: number) => l[Math.min(l.length - 1, Math.floor((p / 100) * l.length))]!;
  const ok = q(95) < 250 && w.cpuPerLineMs < 5;
  watchLine = `watch latency (${n} appends while \`ccost watch\` follows the ${size} MiB corpus, warm ledger): append to redrawn frame p50 ${q(50).toFixed(0)} ms, p95 ${q(95).toFixed(0)} ms, max ${l[l.length - 1]!.toFixed(0)} ms; CPU per appended line ${w.cpuPerLineMs.toFixed(1)} ms beyond idle (idle: ${w.idleCpuPct.toFixed(1)}% of a core) (target: p95 < 250 ms and < 5 ms CPU per line: ${ok ? 'met' : 'NOT met'})`;
}

console.log('');
console.log('| corpus | case | tool | median wall (s) | ratio to native | median CPU (s) | peak RSS (MiB) | target | met |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows as Array<Row & { native: number }>) {
  const ratio = r.wall / r.native;
  let target = '';
  let met = '';
  if (r.target) {
    const parts: string[] = [];
    let ok = r.rss < 200;
    if (r.target.ratio !== undefined) {
      parts.push(`<= ${r.target.ratio}x`);
      ok &&= ratio <= r.target.ratio;
    }
    if (r.target.ms !== undefined) {
      parts.push(`< ${r.target.ms} ms`);
      ok &&= r.wall * 1000 < r.target.ms;
    }
    parts.push('RSS < 200');
    target = parts.join(', ');
    met = ok ? 'yes' : 'NO';
  }
  console.log(`| ${r.size} MiB | ${r.case} | ${r.tool} | ${r.wall.toFixed(3)} | ${ratio.toFixed(3)}x | ${r.cpu.toFixed(2)} | ${r.rss.toFixed(0)} | ${target} | ${met} |`);
}
console.log('');
for (const c of checks) console.log(c);
if (tailLine) console.log(`\n${tailLine}`);
if (watchLine) console.log(watchLine);
if (!values['live-only']) console.log(`\nwall times are GNU time's %e, CPU its %U + %S (10 ms resolution), medians of ${runs} runs (ccusage 18: ${tsRuns}).`);
if (failed) {
  console.error('bench: a check failed (DIFFERS or FEWER above)');
  process.exit(1);
}
