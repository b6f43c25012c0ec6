/**
 * The session monitor on local folders (the same code runs in containers): lines written while it
 * runs, while it is killed and restarted, in folders created while it is down, in subfolders,
 * dotfiles and names with spaces all reach the host byte for byte, none twice; links are never
 * followed; instances whose names are prefixes of each other keep their own folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Mirror } from '../src/daemon/mirror.js';
import { lockName, queryLock } from '../src/daemon/monitor-lock.js';
import { ROOT, HAS_REAL_A, REAL_A } from './helpers/paths.js';

const root = mkdtempSync(join(tmpdir(), 'ccbox-monitor-'));
const children: ChildProcess[] = [];
test.after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
const MONITOR = join(ROOT, 'dist', 'src', 'daemon', 'session-monitor.js');

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.isFile()) out.push(relative(dir, join(d, e.name)));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** Real assistant lines to write, as Claude Code does (one per content block). */
function sampleLines(): string[] {
  if (!HAS_REAL_A) return Array.from({ length: 300 }, (_, i) => JSON.stringify({ type: 'assistant', timestamp: '2025-10-01T10:00:00Z', message: { id: `m${i}`, usage: { input_tokens: i, output_tokens: 1 } }, pad: 'x'.repeat(i * 7) }));
  const f = join(REAL_A, 'projects', '-home-vwestberg-Claude', '1fb5e404-604d-4a2b-baf1-3beb42a67371.jsonl');
  return readFileSync(f, 'utf8').split('\n').filter(Boolean).slice(0, 300);
}

// The agent: appends lines over time into several files, in pieces (a line may be written half,
// then the rest), creating folders as it goes. Runs as its own process, like Claude Code.
const AGENT = `
const fs = require('fs'), path = require('path');
const [src, linesFile, doneFile] = process.argv.slice(1);
const lines = JSON.parse(fs.readFileSync(linesFile, 'utf8'));
const targets = ['-workspace-app/s1.jsonl', '-workspace-app/s1/subagents/agent-a1.jsonl', '-workspace-app/.hidden.jsonl', '-other proj/s 2.jsonl'];
let i = 0;
const tick = () => {
  if (i >= lines.length) { fs.writeFileSync(doneFile, 'done'); return; }
  const rel = targets[i % (i < 100 ? 2 : targets.length)];
  const file = path.join(src, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const line = lines[i++] + '\\n';
  if (i % 5 === 0) { const cut = Math.floor(line.length / 2); fs.appendFileSync(file, line.slice(0, cut)); setTimeout(() => { fs.appendFileSync(file, line.slice(cut)); setTimeout(tick, 3); }, 7); }
  else { fs.appendFileSync(file, line); setTimeout(tick, 3); }
};
tick();
`;

function startMonitor(src: string, target: string, instance: string, pidFile: string, log: string): ChildProcess {
  const p = spawn(process.execPath, [MONITOR, '--source', src, '--target', target, '--instance', instance, '--pid-file', pidFile, '--log', log, '--interval-ms', '200'], { stdio: 'ignore', env: { ...process.env, CCBOX_WORKSPACE: '/workspace/app' } });
  children.push(p);
  return p;
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(25);
  assert.ok(cond(), 'timed out');
}

test('every line reaches the host once: while running, killed, restarted, and with folders made while down', async () => {
  const src = join(root, 'c1', 'projects');
  const target = join(root, 'h1', 'projects');
  const pidFile = join(root, 'c1', 'monitor.pid');
  const log = join(root, 'c1', 'monitor.log');
  mkdirSync(src, { recursive: true });
  mkdirSync(target, { recursive: true });
  const linesFile = join(root, 'lines.json');
  writeFileSync(linesFile, JSON.stringify(sampleLines()));
  const done = join(root, 'c1', 'done');

  let mon = startMonitor(src, target, 'my-agent', pidFile, log);
  await waitFor(() => existsSync(pidFile));
  // Pre-linked: the workspace's host folder exists before the agent writes.
  assert.ok(statSync(join(target, 'ccbox-my-agent--workspace-app')).isDirectory());
  const cmdline = readFileSync(`/proc/${mon.pid}/cmdline`, 'utf8');
  assert.match(cmdline, /session_monitor/);

  const agent = spawn(process.execPath, ['-e', AGENT, src, linesFile, done], { stdio: 'inherit' });
  children.push(agent);
  await sleep(400);
  mon.kill('SIGKILL'); // down mid-write; its PID file stays behind, stale
  await sleep(300);
  mkdirSync(join(src, '-made-while-down'), { recursive: true });
  writeFileSync(join(src, '-made-while-down', 's.jsonl'), 'one\ntwo\n');
  mon = startMonitor(src, target, 'my-agent', pidFile, log);
  await waitFor(() => existsSync(done), 30_000);
  await sleep(300);
  await new Promise<void>((r) => {
    mon.once('exit', () => r());
    mon.kill('SIGTERM');
  });
  assert.equal(existsSync(pidFile), false, 'a clean stop removes the PID file');
  assert.equal(readFileSync(log, 'utf8').match(/session_monitor\[\d+\]: started/g)?.length, 2, 'the second monitor started although the first one\'s PID file was left behind');

  const written = files(src);
  assert.ok(written.includes('-workspace-app/s1/subagents/agent-a1.jsonl'));
  assert.ok(written.includes('-workspace-app/.hidden.jsonl'));
  assert.ok(written.includes('-other proj/s 2.jsonl'));
  for (const rel of written) {
    const [project, ...rest] = rel.split('/');
    const host = join(target, `ccbox-my-agent-${project}`, ...rest);
    assert.ok(readFileSync(host).equals(readFileSync(join(src, rel))), `${rel} differs on the host`);
  }
  const meta = JSON.parse(readFileSync(join(target, 'ccbox-my-agent--other proj', '.ccbox.json'), 'utf8'));
  assert.equal(meta.instance, 'my-agent');
});

test('--background keeps a monitor running: a killed one is back within 5 s; one at a time; --status tells', async () => {
  const src = join(root, 'c5', 'projects');
  const target = join(root, 'h5', 'projects');
  mkdirSync(target, { recursive: true });
  const pidFile = join(root, 'c5', 'monitor.pid');
  const args = ['--source', src, '--target', target, '--instance', 'kept', '--pid-file', pidFile, '--log', join(root, 'c5', 'log'), '--interval-ms', '200'];
  const run = (extra: string[]) => spawnSync(process.execPath, [MONITOR, ...extra, ...args], { encoding: 'utf8' });
  assert.equal(run(['--status']).status, 1, 'nothing runs yet');
  // A stale PID file that names a live process whose command line says session-monitor.
  const impostor = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'session-monitor'], { stdio: 'ignore' });
  children.push(impostor);
  mkdirSync(join(root, 'c5'), { recursive: true });
  writeFileSync(pidFile, `${impostor.pid}\n`);
  assert.equal(run(['--background']).status, 0);
  const first = Number(readFileSync(pidFile, 'utf8'));
  assert.notEqual(first, impostor.pid);
  assert.equal(run(['--status']).status, 0);
  assert.match(run(['--status']).stdout, new RegExp(`running \\(pid ${first}\\)`));
  assert.equal(run(['--background']).status, 0, 'a second --background is a no-op');
  process.kill(first, 'SIGKILL');
  await waitFor(() => run(['--status']).status === 0 && Number(readFileSync(pidFile, 'utf8')) !== first, 5000);
  // The keeper and the monitor answer on their locks; stop both (keeper first, or it starts another).
  const keeper = await queryLock(lockName('keep', 'kept', target));
  const monitor = await queryLock(lockName('monitor', 'kept', target));
  assert.ok(keeper && monitor);
  assert.equal(readFileSync(`/proc/${keeper.pid}/comm`, 'utf8').trim(), 'session_keeper');
  assert.equal(readFileSync(`/proc/${monitor.pid}/comm`, 'utf8').trim(), 'session_monitor');
  process.kill(keeper.pid, 'SIGKILL');
  process.kill(monitor.pid, 'SIGTERM');
  await waitFor(() => run(['--status']).status === 1, 5000);
});

test('links are never followed; a link planted on the host side is refused', () => {
  const src = join(root, 'c2', 'projects');
  const target = join(root, 'h2', 'projects');
  const outside = join(root, 'outside');
  mkdirSync(join(src, '-p'), { recursive: true });
  mkdirSync(target, { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret.jsonl'), 'secret\n');
  symlinkSync(outside, join(src, '-linked')); // a project folder that is a link
  symlinkSync(join(outside, 'secret.jsonl'), join(src, '-p', 'link.jsonl')); // a file link
  writeFileSync(join(src, '-p', 's.jsonl'), 'ok\n');
  mkdirSync(join(src, '-q'));
  writeFileSync(join(src, '-q', 's.jsonl'), 'q\n');
  symlinkSync(outside, join(target, 'ccbox-a--q')); // someone points the host folder elsewhere
  const m = new Mirror({ source: src, target, instance: 'a', metadata: {} });
  const stats = m.pass();
  assert.equal(stats.refused, 1);
  assert.deepEqual(files(target), ['ccbox-a--p/.ccbox.json', 'ccbox-a--p/s.jsonl']);
  assert.deepEqual(readdirSync(outside), ['secret.jsonl'], 'nothing written through the link');
});

test('restore: a new container gets back its own instance\'s folders, never a prefix-named one\'s', () => {
  const target = join(root, 'h3', 'projects');
  for (const [folder, text] of [['ccbox-my--w', 'mine\n'], ['ccbox-my-agent--w', 'other\n'], ['-w', 'host\n']] as const) {
    mkdirSync(join(target, folder), { recursive: true });
    writeFileSync(join(target, folder, 's.jsonl'), text);
  }
  const src = join(root, 'c3', 'projects');
  const n = new Mirror({ source: src, target, instance: 'my', metadata: {} }).restore();
  assert.equal(n, 1);
  assert.deepEqual(files(src), ['-w/s.jsonl']);
  assert.equal(readFileSync(join(src, '-w', 's.jsonl'), 'utf8'), 'mine\n');
  const src2 = join(root, 'c4', 'projects');
  new Mirror({ source: src2, target, instance: 'my-agent', metadata: {} }).restore();
  assert.equal(readFileSync(join(src2, '-w', 's.jsonl'), 'utf8'), 'other\n');
});
