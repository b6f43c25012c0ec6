/**
 * Budgets that pause agents, on a real engine. A team whose agents write transcripts the way Claude
 * Code does (on cue from the test) crosses its daily budget: every container of the context is
 * paused within 10 s of the crossing line, while a ccbox container of no context and a container
 * that is not ccbox's keep running; a restarted guard does not act again; the next period resumes
 * them; --dry-run touches nothing; an agent budget pauses only that agent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ccdk, containerTestbed, docker, ensureTestImage, TEST_IMAGE } from './helpers/engine.js';
import { CCOST, ROOT } from './helpers/paths.js';

const { skip, root, tag, instances } = containerTestbed('ccost-guard-', 'q');
const CCORC = join(ROOT, 'dist', 'src', 'cli', 'ccorc.js');
const home = join(root, 'home');
const ws = join(root, 'ws');
const ctx = `${tag}t`;
const env = { ...process.env, HOME: home, XDG_STATE_HOME: join(root, 'state'), CCDK_IMAGE: TEST_IMAGE, CCDK_SETTLE_MS: '1000', CCORC_LEDGER: join(root, 'ledger.db'), NO_COLOR: '1' };

// The agent: on a cue file `cue-<agent>` holding an output token count, it appends one response
// (a partial line, then the final one) to its session, and removes the cue.
const AGENT = `
const fs = require('fs'), path = require('path');
const me = process.env.CCBOX_AGENT;
const dir = path.join(process.env.HOME, '.claude', 'projects', process.env.CCBOX_WORKSPACE.replace(/[^A-Za-z0-9]/g, '-'));
fs.mkdirSync(dir, { recursive: true });
let n = 0;
setInterval(() => {
  const cue = path.join(process.env.CCBOX_WORKSPACE, 'cue-' + me);
  if (!fs.existsSync(cue)) return;
  const out = Number(fs.readFileSync(cue, 'utf8'));
  fs.rmSync(cue);
  const id = 'msg_' + me + '_' + (n++);
  for (const o of [1, out]) fs.appendFileSync(path.join(dir, 'session-' + me + '.jsonl'), JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), sessionId: 'session-' + me, requestId: 'req_' + id, message: { id, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 0, output_tokens: o } } }) + '\\n');
}, 100);
`;

function run(cmd: string, args: string[]) {
  const r = spawnSync(process.execPath, [cmd, ...args], { encoding: 'utf8', cwd: ws, env });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const state = (name: string) => docker(['inspect', '--format', '{{.State.Status}}', name]).stdout.trim();

/** Cues the agent and waits until the host copy of its session holds that many responses. */
async function spend(agent: string, outputTokens: number, responses: number): Promise<number> {
  const cue = join(ws, `cue-${agent}`);
  const t = Date.now();
  writeFileSync(cue, String(outputTokens));
  const host = join(home, '.claude', 'projects', `ccbox-${ctx}-${agent.toLowerCase()}-${ws.replace(/[^A-Za-z0-9]/g, '-')}`, `session-${agent}.jsonl`);
  for (let i = 0; i < 200; i++) {
    if (existsSync(host) && readFileSync(host, 'utf8').split('\n').filter(Boolean).length >= responses * 2) return t;
    await sleep(50);
  }
  assert.fail(`${agent}'s response never reached the host`);
}

async function until(ms: number, what: string, ok: () => boolean): Promise<number> {
  const t = Date.now();
  while (Date.now() - t < ms) {
    if (ok()) return Date.now();
    await sleep(100);
  }
  assert.fail(`${what} not within ${ms} ms`);
}

test('a team over its daily budget is paused, and only it; resumed at the next period; dry run; an agent budget', { skip, timeout: 240_000 }, async () => {
  ensureTestImage();
  mkdirSync(home, { recursive: true });
  mkdirSync(join(ws, 'teams', 'duo'), { recursive: true });
  writeFileSync(join(ws, 'agent.js'), AGENT);
  writeFileSync(join(ws, 'teams', 'duo', 'team.yaml'), 'team: {name: duo}\nagents:\n  - {name: A, role: a}\n  - {name: B, role: b}\n');
  const a = `${ctx}-a`;
  const b = `${ctx}-b`;
  const plain = `${tag}-plain`;
  const notOurs = `notours-${tag}`;
  instances.push(a, b, plain);
  test.after(() => docker(['rm', '--force', notOurs]));
  const launch = run(CCORC, ['launch', 'duo', '--session', ctx, '--network', 'none', '--command', `node ${join(ws, 'agent.js')}`]);
  assert.equal(launch.code, 0, launch.stderr);
  assert.equal(ccdk(['start', '-i', plain, '--network', 'none', 'sleep', '600'], { cwd: ws, home, env }).code, 0);
  assert.equal(docker(['run', '-d', '--name', notOurs, '--network', 'none', '--entrypoint', '/bin/sleep', TEST_IMAGE, '600']).code, 0);

  // $15 per million output tokens: 30,000 = $0.45 each, $0.90 for the team; 10,000 more = $1.05.
  const guardArgs = ['alert', '--dir', join(home, '.claude'), '--team-budget', `${ctx}=1`, '--on-exceeded', 'pause', '--state', join(root, 'alert-state.json')];
  // The notification says what was done: each payload is kept in a file.
  const payloads = join(root, 'payloads');
  mkdirSync(payloads);
  writeFileSync(join(root, 'hook.js'), `let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => require('fs').writeFileSync(process.argv[2] + '/' + Date.now() + '.json', s));`);
  const startGuard = () => {
    const p = spawn(process.execPath, [CCOST, ...guardArgs, '--watch', '--exec', `${process.execPath} ${join(root, 'hook.js')} ${payloads}`], { env });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    return { p, log: () => err };
  };
  let guard = startGuard();
  test.after(() => guard.p.kill('SIGKILL'));
  await until(10_000, 'the guard watching', () => guard.log().includes('watching'));
  await spend('A', 30_000, 1);
  await spend('B', 30_000, 1);
  const sent = () => readdirSync(payloads).sort().map((n) => JSON.parse(readFileSync(join(payloads, n), 'utf8')));
  await until(5000, 'the warning at $0.90 (90% of $1)', () => sent().some((x) => x.level === 'warning'));
  assert.deepEqual([state(`ccbox-${a}`), state(`ccbox-${b}`)], ['running', 'running'], 'below the budget nothing is paused');

  const crossed = await spend('A', 10_000, 2);
  const pausedAt = await until(10_000, 'the team paused', () => state(`ccbox-${a}`) === 'paused' && state(`ccbox-${b}`) === 'paused');
  assert.ok(pausedAt - crossed <= 10_000);
  console.log(`# guard: cue of the crossing line to both containers paused: ${pausedAt - crossed} ms`);
  await until(5000, 'the guard saying so', () => guard.log().includes('guard: pause'));
  assert.match(guard.log(), new RegExp(`guard: pause ccbox-${a}, ccbox-${b}: Team ${ctx} daily usage \\$1\\.05 exceeds threshold \\$1\\.00`));
  assert.deepEqual([state(`ccbox-${plain}`), state(notOurs)], ['running', 'running'], 'a ccbox container of no context and a foreign one keep running');
  // Notified twice: the warning, then the crossing with what was done.
  await until(5000, 'the notification', () => sent().some((x) => x.level === 'exceeded'));
  assert.deepEqual(sent().map((x) => [x.rule, x.level, x.action]), [[`team:${ctx}`, 'warning', undefined], [`team:${ctx}`, 'exceeded', { kind: 'pause', containers: [a, b], dryRun: false }]]);

  // A restarted guard does not act again.
  guard.p.kill('SIGINT');
  await new Promise((r) => guard.p.once('exit', r));
  const record = readFileSync(join(root, 'state', 'ccorc', 'guard-state.json'), 'utf8');
  guard = startGuard();
  await until(10_000, 'the restarted guard watching', () => guard.log().includes('watching'));
  await sleep(1500);
  assert.doesNotMatch(guard.log(), /guard: pause/);
  assert.equal(readFileSync(join(root, 'state', 'ccorc', 'guard-state.json'), 'utf8'), record);
  guard.p.kill('SIGINT');
  await new Promise((r) => guard.p.once('exit', r));

  // The next period: the guard resumes what it paused.
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  const next = run(CCOST, [...guardArgs, '--now', tomorrow]);
  assert.equal(next.code, 0, next.stderr);
  assert.match(next.stderr, new RegExp(`guard: unpause ccbox-${a}, ccbox-${b}: the team:${ctx} budget's period \\d{4}-\\d\\d-\\d\\d is over`));
  assert.deepEqual([state(`ccbox-${a}`), state(`ccbox-${b}`)], ['running', 'running']);

  // --dry-run says what it would do and touches nothing (a $0 budget for the plain instance).
  const dry = run(CCOST, ['alert', '--dir', join(home, '.claude'), '--agent-budget', `${plain}=0`, '--on-exceeded', 'pause', '--dry-run', '--state', join(root, 'dry-state.json')]);
  assert.equal(dry.code, 11, dry.stderr);
  assert.match(dry.stderr, new RegExp(`guard: would pause ccbox-${plain}: Agent ${plain} daily usage \\$0\\.00 exceeds threshold \\$0\\.00`));
  assert.match(dry.stdout, new RegExp(`\\(would pause ccbox-${plain}\\)`));
  assert.equal(state(`ccbox-${plain}`), 'running');

  // An agent budget pauses only that agent ($0.60 spent by A today), and ccdk unpause resumes it.
  const one = run(CCOST, ['alert', '--dir', join(home, '.claude'), '--agent-budget', `${a}=0.5`, '--on-exceeded', 'pause', '--state', join(root, 'agent-state.json')]);
  assert.equal(one.code, 11, one.stderr);
  assert.deepEqual([state(`ccbox-${a}`), state(`ccbox-${b}`), state(`ccbox-${plain}`)], ['paused', 'running', 'running']);
  const resumed = ccdk(['unpause', '-i', a], { home, env });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`ccbox-${a} running again; the guard leaves it alone for this period \\(agent:${a}\\)`));
  assert.equal(run(CCOST, ['alert', '--dir', join(home, '.claude'), '--agent-budget', `${a}=0.5`, '--on-exceeded', 'pause', '--state', join(root, 'agent-state.json')]).code, 11);
  assert.equal(state(`ccbox-${a}`), 'running', 'resumed by hand: left alone for the period');
  // Raised by $0.20 for the period and crossed again ($0.75 > $0.70): paused again.
  assert.equal(ccdk(['unpause', '-i', a, '--raise', '0.2'], { home, env }).code, 0);
  await spend('A', 10_000, 3);
  assert.equal(run(CCOST, ['alert', '--dir', join(home, '.claude'), '--agent-budget', `${a}=0.5`, '--on-exceeded', 'pause', '--state', join(root, 'agent-state.json')]).code, 11);
  assert.equal(state(`ccbox-${a}`), 'paused');
  assert.match(run(CCORC, ['resume', ctx]).stdout, new RegExp(`A: ccbox-${a} running again`));
});
