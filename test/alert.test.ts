/**
 * ccost alert: exit codes, notifications once per crossing (webhook to a local receiver, --exec
 * with the alert on stdin), state across restarts, config files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ccost } from './helpers/cli.js';
import { CCOST } from './helpers/paths.js';
import { smallTmpfs } from './helpers/tmpfs.js';
import { splitCommand } from '../src/live/notify.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-alert-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

// Sonnet 4.5 output at $15/M: 100,000 output tokens cost $1.50.
const line = (id: string, ts: string, output: number, agent = '-w') => ({
  folder: agent,
  text: JSON.stringify({ type: 'assistant', timestamp: ts, sessionId: 's', requestId: `r_${id}`, message: { id, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 0, output_tokens: output } } }),
});

function dataWith(name: string, lines: Array<{ folder: string; text: string }>): string {
  const data = join(root, name);
  for (const l of lines) {
    mkdirSync(join(data, 'projects', l.folder), { recursive: true });
    appendFileSync(join(data, 'projects', l.folder, 's.jsonl'), l.text + '\n');
  }
  mkdirSync(join(data, 'projects'), { recursive: true });
  return data;
}

/** A local webhook receiver on 127.0.0.1 that keeps every JSON body it is sent. */
async function receiver() {
  const received: any[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { received, server, port: (server.address() as { port: number }).port };
}

test('one-shot: exit 0 ok, 10 warning, 11 exceeded, with the seed guide\'s wording', () => {
  const data = dataWith('oneshot', [
    line('m1', '2025-10-01T09:00:00Z', 100_000), // $1.50 today
    line('m2', '2025-10-01T10:00:00Z', 100_000, 'ccbox-bot--w'), // $1.50 today, agent bot
    line('m3', '2025-09-30T10:00:00Z', 1_000_000), // $15 yesterday (same month? no: September)
  ]);
  const at = ['--dir', data, '-z', 'UTC', '--now', '2025-10-01T12:00:00Z', '--state', join(root, 'oneshot-state.json')];
  const ok = ccost(['alert', ...at, '--daily-budget', '10']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /\[OK\] Daily usage \$3\.00 of \$10\.00 \(30%\)/);
  const warn = ccost(['alert', ...at, '--daily-budget', '3.5']); // 3.00 >= 80% of 3.50
  assert.equal(warn.code, 10);
  const over = ccost(['alert', ...at, '--daily-budget', '2.5', '--monthly-budget', '100']);
  assert.equal(over.code, 11);
  assert.match(over.stdout, /\[EXCEEDED\] Daily usage \$3\.00 exceeds threshold \$2\.50/);
  assert.match(over.stdout, /\[OK\] Monthly usage \$3\.00 of \$100\.00/);
  const agent = ccost(['alert', ...at, '--agent-budget', 'bot=1', '--agent-budget', 'host=5', '--json']);
  assert.equal(agent.code, 11);
  const res = JSON.parse(agent.stdout);
  assert.deepEqual(res.results.map((r: any) => [r.rule, r.level, r.value]), [['agent:bot', 'exceeded', 1.5], ['agent:host', 'ok', 1.5]]);
  const none = ccost(['alert', ...at]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no alert rules/);
});

test('config file: rules from YAML; a bad field is named', () => {
  const data = dataWith('config', [line('m1', '2025-10-01T09:00:00Z', 100_000)]);
  const cfg = join(root, 'alerts.yaml');
  writeFileSync(cfg, 'daily_budget: 1\nwarn_at: 50\nagent_budgets:\n  host: 10\n');
  const r = ccost(['alert', '--dir', data, '-z', 'UTC', '--now', '2025-10-01T12:00:00Z', '--config', cfg, '--state', join(root, 'cfg-state.json')]);
  assert.equal(r.code, 11);
  assert.match(r.stdout, /Agent host daily usage \$1\.50 of \$10\.00/);
  writeFileSync(cfg, 'daily_budget: lots\n');
  const bad = ccost(['alert', '--dir', data, '--config', cfg]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /alerts\.yaml: field "daily_budget" must be a non-negative number/);
  writeFileSync(cfg, 'dayly_budget: 3\n');
  assert.match(ccost(['alert', '--dir', data, '--config', cfg]).stderr, /unknown field "dayly_budget"/);
  // Budgets per scope and period, each with its action; --on-exceeded arms those that name none.
  writeFileSync(cfg, 'on_exceeded: none\nbudgets:\n  - {scope: agent, name: host, period: week, limit: 1, action: pause}\n  - {scope: team, name: nobody, period: month, limit: 5}\n  - {period: week, limit: 100}\n');
  const week = ccost(['alert', '--dir', data, '-z', 'UTC', '--now', '2025-10-01T12:00:00Z', '--config', cfg, '--json', '--dry-run', '--state', join(root, 'cfg2-state.json')]);
  assert.equal(week.code, 11, week.stderr);
  assert.deepEqual(JSON.parse(week.stdout).results.map((r: any) => [r.rule, r.level, r.period, r.value, r.budget.action]), [
    ['agent:host:week', 'exceeded', '2025-09-29', 1.5, 'pause'],
    ['team:nobody:month', 'ok', '2025-10', 0, 'none'],
    ['weekly', 'ok', '2025-09-29', 1.5, 'none'],
  ]);
  const flags = ccost(['alert', '--dir', data, '-z', 'UTC', '--now', '2025-10-01T12:00:00Z', '--agent-budget', 'host=1.8/month', '--weekly-budget', '1', '--json', '--state', join(root, 'cfg3-state.json')]);
  assert.deepEqual(JSON.parse(flags.stdout).results.map((r: any) => [r.rule, r.level]), [['weekly', 'exceeded'], ['agent:host:month', 'warning']]);
  for (const [text, msg] of [
    ['budgets:\n  - {scope: agent, limit: 1}\n', /field "budgets\[0\]\.name" is required for an agent budget/],
    ['budgets:\n  - {limit: 1, period: year}\n', /field "budgets\[0\]\.period" must be one of day, week, month/],
    ['budgets:\n  - {limit: 1, action: kill}\n', /field "budgets\[0\]\.action" must be one of none, pause, stop/],
  ] as const) {
    writeFileSync(cfg, text);
    const bad2 = ccost(['alert', '--dir', data, '--config', cfg]);
    assert.equal(bad2.code, 2);
    assert.match(bad2.stderr, msg);
  }
  assert.match(ccost(['alert', '--dir', data, '--agent-budget', 'x=1/year']).stderr, /is not NAME=USD \(a day\), NAME=USD\/week or NAME=USD\/month/);
});

test('splitCommand: quotes and escapes, no shell', () => {
  assert.deepEqual(splitCommand(`notify "a b" 'c $HOME' d\\ e`), ['notify', 'a b', 'c $HOME', 'd e']);
  assert.throws(() => splitCommand('x "open'), /unbalanced/);
});

test('--watch: one webhook and one --exec per crossing, none repeated after a restart', async () => {
  const { received, server, port } = await receiver();
  const data = dataWith('watch', []);
  const file = join(data, 'projects', '-w', 's.jsonl');
  mkdirSync(join(data, 'projects', '-w'), { recursive: true });
  const now = () => new Date().toISOString();
  writeFileSync(file, line('w0', now(), 100_000).text + '\n'); // $1.50 of $5: ok
  const execOut = join(root, 'exec-out');
  mkdirSync(execOut);
  const hook = join(root, 'hook.js');
  writeFileSync(hook, `const fs = require('fs'); let s = ''; process.stdin.on('data', d => s += d).on('end', () => fs.writeFileSync(process.argv[2] + '/' + Date.now() + '-' + process.env.CCOST_ALERT_LEVEL + '.json', s));`);
  const args = ['alert', '--watch', '--dir', data, '--daily-budget', '5', '--webhook', `http://127.0.0.1:${port}/hook`, '--exec', `${process.execPath} ${hook} ${execOut}`, '--state', join(root, 'watch-state.json'), '--ledger', join(root, 'watch.db')];
  const start = () => {
    const p = spawn(process.execPath, [CCOST, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    return { p, ready: async () => { for (let i = 0; i < 200 && !err.includes('watching'); i++) await sleep(25); assert.match(err, /watching/); } };
  };
  const waitFor = async (n: number) => { for (let i = 0; i < 200 && received.length < n; i++) await sleep(25); };
  const children: Array<ReturnType<typeof spawn>> = [];
  test.after(() => {
    for (const c of children) c.kill('SIGKILL');
    server.closeAllConnections();
    server.close();
  });
  const first = start();
  children.push(first.p);
  await first.ready();
  appendFileSync(file, line('w1', now(), 150_000).text + '\n'); // $3.75: 75%, below the 80% warning level
  await sleep(400);
  assert.equal(received.length, 0, 'below the warning level nothing is sent');
  appendFileSync(file, line('w2', now(), 20_000).text + '\n'); // $4.05: warning
  await waitFor(1);
  appendFileSync(file, line('w3', now(), 10_000).text + '\n'); // $4.20: still warning, no repeat
  await sleep(400);
  appendFileSync(file, line('w4', now(), 60_000).text + '\n'); // $5.10: exceeded
  await waitFor(2);
  appendFileSync(file, line('w5', now(), 10_000).text + '\n'); // still exceeded: no repeat
  await sleep(500);
  first.p.kill('SIGINT');
  await new Promise((r) => first.p.once('exit', r));
  assert.deepEqual(received.map((r) => [r.rule, r.level]), [['daily', 'warning'], ['daily', 'exceeded']]);
  assert.ok(Math.abs(received[1].value - 340_000 * 15e-6) < 1e-9, String(received[1].value)); // 340k output tokens
  assert.match(received[1].message, /Daily usage \$5\.10 exceeds threshold \$5\.00/);
  const execs = (await import('node:fs')).readdirSync(execOut).sort();
  assert.deepEqual(execs.map((n) => n.replace(/^\d+-/, '')), ['warning.json', 'exceeded.json']);
  assert.equal(JSON.parse(readFileSync(join(execOut, execs[1]!), 'utf8')).level, 'exceeded');
  // A restart in the same period sends nothing again.
  const second = start();
  children.push(second.p);
  await second.ready();
  await sleep(500);
  second.p.kill('SIGINT');
  await new Promise((r) => second.p.once('exit', r));
  assert.equal(received.length, 2);
  assert.ok(existsSync(join(root, 'watch-state.json')));
});

test('delivery: a webhook that is down at the crossing is retried until it takes the alert, exactly once', { timeout: 60_000 }, async () => {
  // A port with nothing behind it yet.
  const { received, server, port } = await receiver();
  await new Promise<void>((r) => server.close(() => r()));
  const data = dataWith('retry', []);
  const file = join(data, 'projects', '-w', 's.jsonl');
  mkdirSync(join(data, 'projects', '-w'), { recursive: true });
  const now = () => new Date().toISOString();
  writeFileSync(file, line('r0', now(), 100_000).text + '\n');
  const p = spawn(process.execPath, [CCOST, 'alert', '--watch', '--dir', data, '--daily-budget', '2', '--webhook', `http://127.0.0.1:${port}/hook`, '--state', join(root, 'retry-state.json'), '--ledger', join(root, 'retry.db')], { env: { ...process.env, NO_COLOR: '1' } });
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  test.after(() => p.kill('SIGKILL'));
  for (let i = 0; i < 200 && !err.includes('watching'); i++) await sleep(25);
  appendFileSync(file, line('r1', now(), 100_000).text + '\n'); // $3.00 of $2: exceeded, receiver down
  for (let i = 0; i < 400 && !err.includes('not delivered on any channel'); i++) await sleep(25);
  assert.match(err, /daily \(exceeded\) was not delivered on any channel; it is tried again later/);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  test.after(() => server.close());
  for (let i = 0; i < 600 && received.length === 0; i++) await sleep(25);
  assert.equal(received.length, 1, 'delivered once the receiver is up, with no new write');
  assert.deepEqual([received[0].rule, received[0].level], ['daily', 'exceeded']);
  appendFileSync(file, line('r2', now(), 1_000).text + '\n'); // still exceeded: nothing more
  await sleep(1500);
  p.kill('SIGINT');
  await new Promise((r) => p.once('exit', r));
  assert.equal(received.length, 1);
});

test('state: a junk or empty state file is moved aside with a message; an unwritable state folder is an error at start', () => {
  const data = dataWith('junk', [line('j1', '2025-10-01T09:00:00Z', 400_000)]); // $6.00
  const at = ['--dir', data, '-z', 'UTC', '--now', '2025-10-01T12:00:00Z', '--daily-budget', '5'];
  const hook = join(root, 'junk-hook.js');
  const seen = join(root, 'junk-seen');
  writeFileSync(hook, `require('fs').appendFileSync(${JSON.stringify(seen)}, 'x')`);
  for (const [name, text] of [['junk', 'garbage{'], ['empty', ''], ['shape', '{"sent": 3}']]) {
    const statePath = join(root, `state-${name}.json`);
    writeFileSync(statePath, text);
    const r = ccost(['alert', ...at, '--state', statePath, '--exec', `${process.execPath} ${hook}`]);
    assert.equal(r.code, 11, r.stderr);
    assert.match(r.stderr, new RegExp(`state-${name}\\.json was damaged \\(${name === 'empty' ? 'empty' : 'not the state ccost writes'}\\); moved it to .*damaged-\\d+ and started afresh`));
    assert.ok(readdirSync(root).some((n) => n.startsWith(`state-${name}.json.damaged-`)));
    assert.deepEqual(JSON.parse(readFileSync(statePath, 'utf8')).sent, { 'daily|2025-10-01': 'exceeded' });
  }
  assert.equal(readFileSync(seen, 'utf8'), 'xxx', 'each run delivered its alert once');
  writeFileSync(join(root, 'a-file'), '');
  const bad = ccost(['alert', ...at, '--watch', '--state', join(root, 'a-file', 'state.json')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /cannot write state to .*a-file \(E\w+\): give another place with --state/);
});

const tiny = smallTmpfs('300k', 'the full-disk alert test');

test('--watch on a ledger whose disk fills: a note, rounds go on with a temporary ledger, the crossing is still notified', { skip: tiny.skip, timeout: 60_000 }, async () => {
  const data = dataWith('fullwatch', []);
  const dir = join(data, 'projects', '-w');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 's.jsonl');
  const now = () => new Date().toISOString();
  writeFileSync(file, line('f0', now(), 100_000).text + '\n'); // $1.50 of $5
  const execOut = join(root, 'full-exec-out');
  mkdirSync(execOut);
  const hook = join(root, 'full-hook.js');
  writeFileSync(hook, `const fs = require('fs'); let s = ''; process.stdin.on('data', d => s += d).on('end', () => fs.writeFileSync(process.argv[2] + '/' + Date.now() + '-' + process.env.CCOST_ALERT_LEVEL + '.json', s));`);
  const p = spawn(process.execPath, [CCOST, 'alert', '--watch', '--dir', data, '--daily-budget', '5', '--warn-at', '99', '--exec', `${process.execPath} ${hook} ${execOut}`, '--state', join(root, 'full-state.json'), '--ledger', join(tiny.dir, 'ledger.db')], { env: { ...process.env, NO_COLOR: '1' } });
  test.after(() => p.kill('SIGKILL'));
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  for (let i = 0; i < 200 && !err.includes('watching'); i++) await sleep(25);
  // Responses that cost nothing, until the ledger's 300 KiB are full.
  for (let k = 0; k < 12 && !/disk is full/.test(err); k++) {
    appendFileSync(file, Array.from({ length: 400 }, (_, i) => line(`z${k}_${i}`, now(), 0).text).join('\n') + '\n');
    await sleep(600);
  }
  assert.match(err, /cannot be written: the disk is full/);
  appendFileSync(file, line('f1', now(), 240_000).text + '\n'); // $5.10: exceeded
  const end = Date.now() + 15_000;
  while (Date.now() < end && !readdirSync(execOut).some((n) => n.endsWith('-exceeded.json'))) await sleep(100);
  p.kill('SIGINT');
  await new Promise((r) => p.once('exit', r));
  assert.deepEqual(readdirSync(execOut).map((n) => n.replace(/^\d+-/, '')), ['exceeded.json'], err);
  assert.match(err, /following on with a temporary ledger/);
});
