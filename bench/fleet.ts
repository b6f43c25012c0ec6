/**
 * bench:fleet, #17's targets: three hosts' ledgers (--events responses in all, 5% of them also on a
 * second host, half of those copies streaming partials) pushed to a PostgreSQL of the bench's own
 * (PostgreSQL's default settings, fsync on), then reports over the fleet. The generator keeps its own
 * truth (the best copy of each response is its original; priced with generate.ts's rates), and the
 * fleet's totals are checked against it.
 *
 *   node dist/bench/fleet.js [--events 10000000] [--runs 5] [--data bench-data]
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { priceOf, rng, type Prices } from './generate.js';
import { launchPostgres } from '../test/helpers/postgres.js';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const CCOST = join(ROOT, 'dist', 'src', 'cli', 'ccost.js');
const { values } = parseArgs({ options: { events: { type: 'string', default: '10000000' }, runs: { type: 'string', default: '5' }, data: { type: 'string', default: join(ROOT, 'bench-data') } } });
const EVENTS = Number(values.events);
const RUNS = Number(values.runs);
const HOSTS = 3;
const PER_SESSION = 250;
const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-6', 'claude-haiku-4-5-20251001', 'claude-sonnet-4-6'];
const END = Date.UTC(2025, 10, 30);
const DAYS = 90;
const PRICES = JSON.parse(readFileSync(join(ROOT, 'data', 'claude-model-prices.json'), 'utf8')) as Prices;

interface Truth {
  events: number;
  copies: number;
  outputTokens: number;
  totalTokens: number;
  totalCost: number;
}

function line(id: string, ts: number, session: string, model: string, u: { input: number; output: number; w5: number; read: number }): string {
  return JSON.stringify({
    type: 'assistant',
    timestamp: new Date(ts).toISOString(),
    sessionId: session,
    cwd: '/w/fleet',
    requestId: `req_${id}`,
    message: { id: `msg_${id}`, model, usage: { input_tokens: u.input, output_tokens: u.output, cache_creation_input_tokens: u.w5, cache_read_input_tokens: u.read } },
  });
}

/** Three hosts' Claude data folders; the truth over their union. */
function generate(root: string, events: number): Truth {
  const truth: Truth = { events: 0, copies: 0, outputTokens: 0, totalTokens: 0, totalCost: 0 };
  const copyFds = Array.from({ length: HOSTS }, (_, h) => {
    const dir = join(root, `h${h + 1}`, 'projects', '-w-shared');
    mkdirSync(dir, { recursive: true });
    return openSync(join(dir, 'copies.jsonl'), 'w');
  });
  for (let h = 0; h < HOSTS; h++) {
    const r = rng(7 + h);
    const per = Math.floor(events / HOSTS) + (h < events % HOSTS ? 1 : 0);
    for (let s = 0, written = 0; written < per; s++) {
      const agent = `agent${h + 1}x${s % 12}`;
      const dir = join(root, `h${h + 1}`, 'projects', `ccbox-${agent}--w-p${s % 5}`);
      if (s < 12 * 5) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, '.ccbox.json'), JSON.stringify({ instance: agent, context: `team-${s % 3}`, mode: 'isolated' }));
      }
      const session = `h${h + 1}-s${s}`;
      let ts = END - Math.floor(r() * DAYS * 86_400_000);
      const lines: string[] = [];
      const copies: string[][] = Array.from({ length: HOSTS }, () => []);
      for (let i = 0; i < PER_SESSION && written < per; i++, written++) {
        ts += 20_000 + Math.floor(r() * 70_000);
        const model = MODELS[Math.floor(r() * MODELS.length)]!;
        const u = { input: 1 + Math.floor(r() * 500), output: 20 + Math.floor(r() * 2000), w5: Math.floor(r() * 5000), read: 1000 + Math.floor(r() * 100_000) };
        const id = `h${h}s${s}i${i}`;
        lines.push(line(id, ts, session, model, u));
        truth.events++;
        truth.outputTokens += u.output;
        truth.totalTokens += u.input + u.output + u.w5 + u.read;
        truth.totalCost += priceOf(PRICES, model, { ...u, w1: 0 });
        if (r() < 0.05) {
          // A copy on the next host: the same response, or a streaming partial of it (fewer output tokens).
          const partial = r() < 0.5;
          copies[(h + 1) % HOSTS]!.push(line(id, ts, session, model, partial ? { ...u, output: Math.max(1, u.output >> 2) } : u));
          truth.copies++;
        }
      }
      writeFileSync(join(dir, `${session}.jsonl`), lines.join('\n') + '\n');
      for (const [to, c] of copies.entries()) if (c.length) writeSync(copyFds[to]!, c.join('\n') + '\n');
    }
  }
  for (const fd of copyFds) closeSync(fd);
  return truth;
}

const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC' };

function ccost(args: string[]): { ms: number; stdout: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [CCOST, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`ccost ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

function ccostAsync(args: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const t = performance.now();
    const c = spawn(process.execPath, [CCOST, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d));
    c.on('exit', (code) => (code === 0 ? done(performance.now() - t) : fail(new Error(`ccost ${args.join(' ')}: exit ${code}: ${err}`))));
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

const root = join(values.data!, `fleet-${EVENTS}`);
const truthFile = join(root, 'truth.json');
let truth: Truth;
if (existsSync(truthFile)) truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Truth;
else {
  rmSync(root, { recursive: true, force: true });
  process.stderr.write(`generating ${EVENTS.toLocaleString('en-US')} responses on ${HOSTS} hosts in ${root} ...\n`);
  truth = generate(root, EVENTS);
  writeFileSync(truthFile, JSON.stringify(truth));
}
const dirs = Array.from({ length: HOSTS }, (_, h) => join(root, `h${h + 1}`));
const ledgers = dirs.map((_, h) => join(root, `ledger-h${h + 1}.db`));
for (const [h, l] of ledgers.entries()) {
  for (const s of ['', '-wal', '-shm']) rmSync(l + s, { force: true });
  const { ms } = ccost(['daily', '--json', '--dir', dirs[h]!, '--ledger', l]);
  process.stderr.write(`ledger of h${h + 1} filled by ccost daily in ${fmt(ms)}\n`);
}

const server = await launchPostgres({ fsync: true });
if ('reason' in server) {
  console.error(`bench:fleet needs a PostgreSQL server here: ${server.reason}`);
  process.exit(2);
}
const rows: string[][] = [];
try {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('CREATE DATABASE fleet_bench');
  await admin.end();
  const url = server.url.replace(/\/postgres$/, '/fleet_bench');
  const sync = (h: number) => ccostAsync(['sync', '--to', url, '--dir', dirs[h]!, '--ledger', ledgers[h]!, '--host-name', `h${h + 1}`]);

  const first = await Promise.all(dirs.map((_, h) => sync(h)));
  const wall = Math.max(...first);
  const sent = truth.events + truth.copies;
  const rate = sent / (wall / 1000);
  rows.push(['first sync, 3 hosts at once', `${fmt(wall)} for ${sent.toLocaleString('en-US')} responses: ${Math.round(rate).toLocaleString('en-US')}/s`, '>= 30,000/s', rate >= 30_000 ? 'met' : 'NOT met']);

  // 10,000 new responses on host 1 (into its ledger by a report run, as a user's would be), then synced.
  const fresh = join(dirs[0]!, 'projects', '-w-fresh');
  mkdirSync(fresh, { recursive: true });
  const r = rng(99);
  const add: string[] = [];
  let addOutput = 0;
  let addCost = 0;
  for (let i = 0; i < 10_000; i++) {
    const model = MODELS[i % MODELS.length]!;
    const u = { input: 10, output: 1 + Math.floor(r() * 100), w5: 0, read: 1000 };
    add.push(line(`fresh${i}`, END - 3_600_000 + i * 300, 'fresh', model, u));
    addOutput += u.output;
    addCost += priceOf(PRICES, model, { ...u, w1: 0 });
  }
  writeFileSync(join(fresh, 'fresh.jsonl'), add.join('\n') + '\n');
  ccost(['daily', '--json', '--dir', dirs[0]!, '--ledger', ledgers[0]!]);
  const tenK = await sync(0);
  rows.push(['10,000 new responses', fmt(tenK), '<= 2 s', tenK <= 2000 ? 'met' : 'NOT met']);
  const idle: number[] = [];
  for (let i = 0; i < RUNS; i++) idle.push(await sync(0));
  rows.push(['nothing new (p95)', fmt(pct(idle, 95)), '<= 0.5 s', pct(idle, 95) <= 500 ? 'met' : 'NOT met']);

  const check = JSON.parse(ccost(['daily', '--json', '--from', url]).stdout) as { totals: { outputTokens: number; totalTokens: number; totalCost: number } };
  const wantOutput = truth.outputTokens + addOutput;
  // The truth's cost is a float sum over millions of responses: equal to the exact total within a millionth of a dollar.
  const wantCost = truth.totalCost + addCost;
  const totalsOk = check.totals.outputTokens === wantOutput && Math.abs(check.totals.totalCost - wantCost) < 1e-6;
  process.stderr.write(`fleet totals: output ${check.totals.outputTokens} (truth ${wantOutput}), cost $${check.totals.totalCost} (truth $${wantCost}): ${totalsOk ? 'equal' : 'DIFFER'}\n`);

  const since = new Date(END - 7 * 86_400_000).toISOString().slice(0, 10);
  const reports: Array<[string, string[], number]> = [
    ['daily (America/New_York)', ['daily', '-z', 'America/New_York'], 1000],
    ['monthly', ['monthly'], 1000],
    ['agent', ['agent'], 1000],
    ['team', ['team'], 1000],
    ['model', ['model'], 1000],
    ['project', ['project'], 1000],
    ['session', ['session'], 2000],
    ['the last 7 days', ['daily', '--since', since], 300],
  ];
  for (const [name, args, target] of reports) {
    const times: number[] = [];
    ccost([...args, '--json', '--from', url]);
    for (let i = 0; i < RUNS; i++) times.push(ccost([...args, '--json', '--from', url]).ms);
    const p95 = pct(times, 95);
    rows.push([`report: ${name} (p95 of ${RUNS}, warm)`, fmt(p95), `<= ${fmt(target)}`, p95 <= target ? 'met' : 'NOT met']);
  }
  rows.push(['fleet totals = the generator\'s truth', totalsOk ? 'equal' : 'DIFFER', 'equal', totalsOk ? 'met' : 'NOT met']);
} finally {
  server.remove();
}
console.log(`\nbench:fleet: ${EVENTS.toLocaleString('en-US')} responses on ${HOSTS} hosts (${truth.copies.toLocaleString('en-US')} copies on a second host), PostgreSQL defaults (fsync on)\n`);
console.log('| measure | result | target | |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
