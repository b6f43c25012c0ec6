/**
 * Isolated mode end to end against a real engine: an agent (a script writing transcripts the way
 * Claude Code does) works in a container; its session files appear on the host byte for byte, none
 * twice, through a daemon kill and restart and a container restart; an instance whose name is a
 * prefix of another keeps its own folders; `ccost agent` reports what each agent wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ccdk, containerTestbed, ensureTestImage, homeAndWorkspace } from './helpers/engine.js';
import { ccostJson } from './helpers/cli.js';
import { PRICES } from './helpers/paths.js';
import { reference } from './helpers/reference.js';
import { encodeCwd } from '../src/sessions/attribution.js';

const { skip, root, tag, instances } = containerTestbed('ccbox-e2e-', 'e');

// Writes `count` responses (2 lines each: a partial, then the final, as Claude Code streams), into the
// workspace's project folder, a subagent file, and a second project folder; then marks done.
const AGENT = `
const fs = require('fs'), path = require('path');
const [ws, name, round, count] = process.argv.slice(2);
const projects = path.join(process.env.HOME, '.claude', 'projects');
const enc = (p) => p.replace(/[^A-Za-z0-9]/g, '-');
const session = path.join(projects, enc(ws), 'sess-' + round + '.jsonl');
const sub = path.join(projects, enc(ws), 'sess-' + round, 'subagents', 'agent-x' + round + '.jsonl');
const other = path.join(projects, enc('/srv/other ' + name), 'o' + round + '.jsonl');
let i = 0;
const line = (id, out) => JSON.stringify({ type: 'assistant', timestamp: '2025-10-01T10:00:00.000Z', sessionId: 'sess-' + round, requestId: 'req_' + id, message: { id, model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'x'.repeat(200) }], usage: { input_tokens: 10, output_tokens: out } } }) + '\\n';
const tick = () => {
  if (i >= Number(count)) { fs.writeFileSync(path.join(ws, 'done-' + name + '-' + round), 'done'); return; }
  const file = [session, sub, other][i % 3];
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const id = name + '-' + round + '-' + i;
  fs.appendFileSync(file, line(id, 1));
  fs.appendFileSync(file, line(id, 100 + i));
  i++;
  setTimeout(tick, 10);
};
tick();
setInterval(() => {}, 1 << 30);
`;

/** The same responses, written where the reference reads them: the independent expected totals. */
function expectedTokens(name: string, rounds: number[], count: number): number {
  const dir = join(root, `expect-${name}`);
  mkdirSync(join(dir, 'projects', '-x'), { recursive: true });
  const lines: string[] = [];
  for (const round of rounds)
    for (let i = 0; i < count; i++) {
      const id = `${name}-${round}-${i}`;
      for (const out of [1, 100 + i])
        lines.push(JSON.stringify({ type: 'assistant', timestamp: '2025-10-01T10:00:00.000Z', requestId: `req_${id}`, message: { id, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 10, output_tokens: out } } }));
    }
  writeFileSync(join(dir, 'projects', '-x', 's.jsonl'), lines.join('\n') + '\n');
  return reference(dir, PRICES).totals.totalTokens;
}

function containerFiles(name: string, home: string): Map<string, string> {
  // The agent's home inside is the host home's path: ~ as the host's shell expands it.
  const projects = join(home, '.claude', 'projects');
  const list = ccdk(['exec', name, 'find', projects, '-type', 'f'], { home });
  assert.equal(list.code, 0, list.stderr);
  const out = new Map<string, string>();
  for (const f of list.stdout.split('\n').filter(Boolean)) out.set(f.slice(projects.length + 1), ccdk(['exec', name, 'cat', f], { home }).stdout);
  return out;
}

async function assertMirrored(name: string, home: string): Promise<void> {
  let last = '';
  for (let attempt = 0; attempt < 40; attempt++) {
    const files = containerFiles(name, home);
    const bad = [...files].filter(([rel, text]) => {
      const [project, ...rest] = rel.split('/');
      const host = join(home, '.claude', 'projects', `ccbox-${name}-${project}`, ...rest);
      return !existsSync(host) || readFileSync(host, 'utf8') !== text;
    });
    if (files.size > 0 && bad.length === 0) return;
    last = bad.map(([r]) => r).join(', ');
    await sleep(250);
  }
  assert.fail(`not mirrored to the host: ${last}`);
}

async function waitFile(p: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!existsSync(p) && Date.now() < end) await sleep(50);
  assert.ok(existsSync(p), `${p} never appeared`);
}

test('isolated mode: sessions appear on the host byte for byte, through daemon and container restarts', { skip }, async () => {
  ensureTestImage();
  const { home, ws } = homeAndWorkspace(root, AGENT);
  const a = tag;
  const b = `${tag}-b`; // its name starts with the first one's
  instances.push(a, b);
  const count = 60;
  assert.equal(ccdk(['start', '-i', a, '--network', 'none', '--', 'node', join(ws, 'agent.js'), ws, a, '1', String(count)], { cwd: ws, home }).code, 0);
  assert.equal(ccdk(['start', '-i', b, '--network', 'none', '--', 'node', join(ws, 'agent.js'), ws, b, '1', String(count)], { cwd: ws, home }).code, 0);
  // The workspace's host folder exists as soon as the container starts (pre-linked).
  assert.ok(existsSync(join(home, '.claude', 'projects', `ccbox-${a}-${encodeCwd(ws)}`)));
  await sleep(300);
  // The daemon and its keeper die mid-write; the daemon is started again by hand.
  assert.equal(ccdk(['exec', a, '--', 'sh', '-c', 'pkill -9 -f session_[k]eeper; kill -9 $(cat /var/run/session_monitor.pid)'], { home }).code, 0);
  // A folder made while the monitor is down (as a resumed session elsewhere would).
  assert.equal(ccdk(['exec', a, '--', 'sh', '-c', 'mkdir -p "$HOME/.claude/projects/-made-while-down" && echo \'{"x":1}\' > "$HOME/.claude/projects/-made-while-down/s.jsonl"'], { home }).code, 0);
  await sleep(300);
  const restart = ccdk(['exec', a, '--', 'node', '/opt/ccorc/dist/src/daemon/session-monitor.js', '--background'], { home });
  assert.equal(restart.code, 0, restart.stderr);
  await waitFile(join(ws, `done-${a}-1`));
  await waitFile(join(ws, `done-${b}-1`));
  await assertMirrored(a, home);
  await assertMirrored(b, home);
  assert.ok(existsSync(join(home, '.claude', 'projects', `ccbox-${a}--made-while-down`, 's.jsonl')));
  // A container restart: the agent runs again (a second round), the daemon starts again.
  rmSync(join(ws, `done-${a}-1`));
  assert.equal(ccdk(['restart', a], { home }).code, 0);
  // The restarted container replays round 1 (same message ids: counted once); round 2 runs beside it.
  const r2 = ccdk(['exec', a, '--', 'sh', '-c', `node ${join(ws, 'agent.js')} ${ws} ${a} 2 ${count} > /dev/null 2>&1 &`], { home });
  assert.equal(r2.code, 0, r2.stderr);
  await waitFile(join(ws, `done-${a}-2`));
  await assertMirrored(a, home);
  // Each instance has only its own folders.
  const out = ccostJson(['agent', '--dir', join(home, '.claude'), '-z', 'UTC']);
  const rows = Object.fromEntries(out.rows.map((r: any) => [r.agent, r.totalTokens]));
  assert.deepEqual(Object.keys(rows).sort(), [a, b].sort());
  assert.equal(rows[a], expectedTokens(a, [1, 2], count));
  assert.equal(rows[b], expectedTokens(b, [1], count));
  // Health: healthy now; unhealthy once the monitor is killed.
  const ok = ccdk(['health', a, '--json'], { home });
  assert.equal(ok.code, 0, ok.stdout);
  const hv = JSON.parse(ok.stdout)[0];
  assert.deepEqual([hv.healthy, hv.daemonAlive, hv.mode], [true, true, 'isolated']);
  assert.ok(hv.folders.some((f: any) => f.project === encodeCwd(ws) && f.readable && f.behind.length === 0 && f.newestWrite));
  ccdk(['exec', a, 'sh', '-c', 'pkill -9 -f session_[k]eeper; kill -9 $(cat /var/run/session_monitor.pid)'], { home });
  const down = ccdk(['health', a], { home });
  assert.equal(down.code, 1);
  assert.match(down.stdout, /UNHEALTHY .*monitor DOWN/);
  // The fix health suggests works.
  const fix = /problem: the session monitor is not running: (ccdk restart -i \S+)/.exec(down.stdout);
  assert.ok(fix, down.stdout);
  assert.equal(ccdk(fix[1]!.split(' ').slice(1), { home }).code, 0);
  assert.equal(ccdk(['health', '-i', a], { home }).code, 0);
});
