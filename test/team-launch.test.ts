/**
 * A three-agent team from the bundled example, against a real engine: each agent (a script writing
 * transcripts as Claude Code does) writes known usage; costs per agent and in total equal an
 * independent computation; list --verbose; health healthy, then degraded with one container
 * stopped; clean keeps the host session folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { docker, engineMissing, ensureTestImage, homeAndWorkspace, TEST_IMAGE } from './helpers/engine.js';
import { PRICES, ROOT } from './helpers/paths.js';
import { reference } from './helpers/reference.js';

const skip = engineMissing();
if (skip) console.warn(skip);
const CCORC = join(ROOT, 'dist', 'src', 'cli', 'ccorc.js');
const root = mkdtempSync(join(tmpdir(), 'ccorc-launch-'));
const context = `t${process.pid}`;
test.after(() => {
  if (!skip) for (const a of ['leader', 'developer', 'reviewer']) docker(['rm', '--force', `ccbox-${context}-${a}`]);
  rmSync(root, { recursive: true, force: true });
});

// Per agent: responses and their usage (each written as a partial line, then the final one).
const PLAN: Record<string, { model: string; input: number; output: number; n: number }> = {
  Leader: { model: 'claude-opus-4-6', input: 1000, output: 200, n: 4 },
  Developer: { model: 'claude-sonnet-4-5-20250929', input: 3000, output: 500, n: 6 },
  Reviewer: { model: 'claude-haiku-4-5-20251001', input: 500, output: 100, n: 3 },
};

const AGENT = `
const fs = require('fs'), path = require('path');
const plan = ${JSON.stringify(PLAN)};
const me = process.env.CCBOX_AGENT, p = plan[me];
const enc = (x) => x.replace(/[^A-Za-z0-9]/g, '-');
const file = path.join(process.env.HOME, '.claude', 'projects', enc(process.env.CCBOX_WORKSPACE), 'session-' + me + '.jsonl');
fs.mkdirSync(path.dirname(file), { recursive: true });
const line = (i, out) => JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), sessionId: 'session-' + me, requestId: 'req_' + me + i, message: { id: 'msg_' + me + '_' + i, model: p.model, usage: { input_tokens: p.input, output_tokens: out } } }) + '\\n';
for (let i = 0; i < p.n; i++) { fs.appendFileSync(file, line(i, 1)); fs.appendFileSync(file, line(i, p.output)); }
fs.writeFileSync(path.join(process.env.CCBOX_WORKSPACE, 'done-' + me), '');
setInterval(() => {}, 1 << 30);
`;

function expected(agent: string): { tokens: number; cost: number } {
  const p = PLAN[agent]!;
  const dir = join(root, `expect-${agent}`);
  mkdirSync(join(dir, 'projects', '-x'), { recursive: true });
  const lines = [];
  for (let i = 0; i < p.n; i++)
    for (const out of [1, p.output])
      lines.push(JSON.stringify({ type: 'assistant', timestamp: '2025-10-01T10:00:00Z', requestId: `r${i}`, message: { id: `m${i}`, model: p.model, usage: { input_tokens: p.input, output_tokens: out } } }));
  writeFileSync(join(dir, 'projects', '-x', 's.jsonl'), lines.join('\n') + '\n');
  const r = reference(dir, PRICES);
  return { tokens: r.totals.totalTokens, cost: r.totals.totalCost };
}

test('a three-agent team: launch, per-agent costs, list, health, clean', { skip }, async () => {
  ensureTestImage();
  const { home, ws } = homeAndWorkspace(root, AGENT);
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [CCORC, ...args], { encoding: 'utf8', cwd: ws, env: { ...process.env, HOME: home, CCDK_IMAGE: TEST_IMAGE, CCORC_LEDGER: join(root, 'ledger.db') } });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const launch = run(['launch', 'dev-trio', '--session', context, '--network', 'none', '--command', `node ${join(ws, 'agent.js')}`]);
  assert.equal(launch.code, 0, launch.stderr);
  for (const a of Object.keys(PLAN)) {
    const end = Date.now() + 20_000;
    while (!existsSync(join(ws, `done-${a}`)) && Date.now() < end) await sleep(50);
    assert.ok(existsSync(join(ws, `done-${a}`)), `${a} never finished`);
  }
  await sleep(1500); // the monitors' next pass
  const costs = JSON.parse(run(['costs', context, '--json', '--dir', join(home, '.claude')]).stdout);
  let totalTokens = 0;
  let totalCost = 0;
  for (const a of Object.keys(PLAN)) {
    const row = costs.agents.find((x: any) => x.agent === a);
    const e = expected(a);
    assert.equal(row.instance, `${context}-${a.toLowerCase()}`);
    assert.equal(row.totalTokens, e.tokens, a);
    assert.ok(Math.abs(row.totalCost - e.cost) < 1e-9, `${a}: ${row.totalCost} vs ${e.cost}`);
    totalTokens += e.tokens;
    totalCost += e.cost;
  }
  assert.equal(costs.totals.totalTokens, totalTokens);
  assert.ok(Math.abs(costs.totals.totalCost - totalCost) < 1e-9);
  assert.equal(costs.unattributed.totalTokens, 0);
  const text = run(['costs', context, '--dir', join(home, '.claude')]).stdout;
  assert.match(text, new RegExp(`^Team Context: ${context}\\nLeader Agent: \\$\\d+\\.\\d\\d \\([\\d,]+ tokens\\)`));
  assert.match(text, /\nTotal: \$/);

  const listed = JSON.parse(run(['list', '--verbose', '--json', '--dir', join(home, '.claude')]).stdout).find((c: any) => c.context === context);
  assert.equal(listed.team, 'dev-trio');
  const dev = listed.agents.find((a: any) => a.name === 'Developer');
  assert.deepEqual([dev.role, dev.model, dev.status, dev.container], ['developer', 'claude-sonnet-4-5-20250929', 'running', `ccbox-${context}-developer`]);
  assert.ok(dev.sessionFolders.length >= 1 && dev.lastActivity);
  assert.ok(Math.abs(dev.totalCost - expected('Developer').cost) < 1e-9);

  const h = run(['health', context, '--json']);
  assert.equal(h.code, 0, h.stdout);
  assert.equal(JSON.parse(h.stdout).status, 'healthy');
  docker(['stop', '--time', '1', `ccbox-${context}-reviewer`]);
  const d = run(['health', context, '--json']);
  assert.equal(d.code, 1);
  assert.equal(JSON.parse(d.stdout).status, 'degraded');

  const folders = readdirSync(join(home, '.claude', 'projects')).filter((n) => n.startsWith(`ccbox-${context}-`));
  assert.equal(run(['clean', context]).code, 2, 'running containers need --force');
  assert.equal(run(['clean', context, '--force']).code, 0);
  assert.deepEqual(readdirSync(join(home, '.claude', 'projects')).filter((n) => n.startsWith(`ccbox-${context}-`)), folders, 'session folders kept');
  assert.equal(docker(['inspect', `ccbox-${context}-leader`]).code, 1);
  assert.equal(run(['info', context]).code, 2);
});
