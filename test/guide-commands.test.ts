/**
 * The cost-monitoring guide's commands, typed into a real shell word for word (ccdk, ccorc and ccost
 * on the PATH, the user's home a temporary one), against a real engine. The agent is the image's
 * default `claude`: a stand-in that writes transcripts as Claude Code does (helpers/engine.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { containerTestbed, docker, ensureTestImage, TEST_IMAGE } from './helpers/engine.js';
import { PRICES, ROOT } from './helpers/paths.js';
import { reference } from './helpers/reference.js';
import { encodeCwd } from '../src/sessions/attribution.js';

const { skip, root, instances } = containerTestbed('ccorc-guide-', 'g');
const home = join(root, 'home');
const ws = join(root, 'work', 'app');
const bin = join(root, 'bin');
// The guide names its agent my-agent: a leftover from an earlier run of this test goes first.
const AGENT = 'my-agent';
const CTX = `guide${process.pid}`;

function setup(): void {
  mkdirSync(home, { recursive: true });
  mkdirSync(ws, { recursive: true });
  mkdirSync(bin, { recursive: true });
  for (const cmd of ['ccdk', 'ccorc', 'ccost']) writeFileSync(join(bin, cmd), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'dist', 'src', 'cli', `${cmd}.js`)}" "$@"\n`, { mode: 0o755 });
}

/** What a user types, run by bash in `cwd` (the workspace unless said). */
function sh(line: string, cwd = ws) {
  const r = spawnSync('bash', ['-c', line], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, HOME: home, PATH: `${bin}:${process.env.PATH}`, CCDK_IMAGE: TEST_IMAGE, CCORC_LEDGER: join(root, 'ledger.db'), CCDK_SETTLE_MS: '1000' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function ok(line: string, cwd?: string): string {
  const r = sh(line, cwd);
  assert.equal(r.code, 0, `${line}\n${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+|Error:/, `${line}: a stack trace`);
  return r.stdout;
}

/** Totals of the responses in these data folders, by the test suite's own reference. */
function referenceTokens(projectFolders: string[]): number {
  const dir = join(root, `ref-${Math.random().toString(36).slice(2)}`);
  for (const f of projectFolders) {
    const to = join(dir, 'projects', f.split('/').pop()!);
    mkdirSync(to, { recursive: true });
    for (const n of readdirSync(f)) if (n.endsWith('.jsonl')) writeFileSync(join(to, n), readFileSync(join(f, n)));
  }
  return reference(dir, PRICES).totals.totalTokens;
}

test("the guide's setup, performance monitoring and troubleshooting commands, as written", { skip, timeout: 300_000 }, async () => {
  ensureTestImage();
  setup();
  docker(['rm', '--force', `ccbox-${AGENT}`]);
  instances.push(AGENT);
  const projects = join(home, '.claude', 'projects');

  // Setup, shared mode: the agent's sessions land in the host's folders directly.
  ok('ccdk run --shared-mode');
  const sharedFiles = ok('ls ~/.claude/projects/*/');
  assert.match(sharedFiles, /fake-\d+-\d+\.jsonl/);
  assert.ok(existsSync(join(projects, encodeCwd(ws))));
  // The words after the options are the command, even after --.
  assert.equal(ok('ccdk run --shared-mode -- echo hello').trim(), 'hello');

  // Setup, isolated mode: a temporary agent that writes and ends at once loses nothing on the host.
  ok('ccdk run -i my-agent');
  const isolatedFolder = join(projects, `ccbox-${AGENT}-${encodeCwd(ws)}`);
  assert.match(ok('ls ~/.claude/projects/ccbox-my-agent-*/'), /fake-\d+-\d+\.jsonl/);
  const written = readdirSync(isolatedFolder).filter((n) => n.endsWith('.jsonl'));
  assert.equal(written.length, 1);
  assert.equal(readFileSync(join(isolatedFolder, written[0]!), 'utf8').split('\n').filter(Boolean).length, 6, 'all six lines reached the host before the container went');
  assert.equal(docker(['inspect', `ccbox-${AGENT}`]).code, 1, 'ccdk run removes its container');

  // A persistent one for the rest of the guide.
  assert.match(ok('ccdk start -i my-agent'), /started \(isolated mode, session monitor running\)/);
  assert.match(ok('ccdk start -i my-agent'), /is already running/);
  assert.match(ok('ccdk list'), new RegExp(`^${AGENT}\\s+\\S+\\s+isolated\\s`, 'm'));
  const head = sh('ccdk list | head -1');
  assert.equal(head.code, 0);
  assert.equal(head.stderr, '', 'a closed pipe is not an error');
  assert.match(head.stdout, /^INSTANCE/);

  // Performance monitoring.
  assert.match(ok('ccdk exec -i my-agent ps aux | grep session_monitor'), /session_monitor/);
  assert.match(ok('ls -la ~/.claude/projects/ccbox-*/'), /\.ccbox\.json/);

  // Troubleshooting: session files not appearing.
  assert.match(ok('ccdk logs -i my-agent | grep session_monitor'), /session_monitor\[\d+\]: (started|linking)/);
  assert.match(ok('ccdk shell -i my-agent ls -la ~/.claude/projects/'), new RegExp(encodeCwd(ws)));
  // Missing symlinks: the monitor answers to pgrep; a restart brings it back; its log is there.
  const pid = ok('ccdk exec -i my-agent pgrep -f session_monitor').trim().split('\n');
  assert.ok(pid.length >= 1 && pid.every((p) => /^\d+$/.test(p)), pid.join(','));
  assert.match(ok('ccdk restart -i my-agent'), /restarted .*session monitor running/);
  assert.match(ok('ccdk exec -i my-agent pgrep -f session_monitor'), /^\d+$/m);
  assert.match(ok('ccdk shell -i my-agent cat /var/log/session_monitor.log'), /session_monitor\[\d+\]: started/);
  // Cost data inconsistencies: the container's files and the host's are the same; nothing dangles.
  await sleep(1500);
  // (The glob expands on the host; the agent's own mirror folder there means its folder inside.)
  const inContainer = new Set(ok('ccdk exec -i my-agent ls ~/.claude/projects/*/').split('\n').filter((n) => n.endsWith('.jsonl')));
  const onHost = new Set(ok('ls ~/.claude/projects/ccbox-my-agent-*/').split('\n').filter((n) => n.endsWith('.jsonl')));
  assert.ok(onHost.size >= 2);
  assert.deepEqual(onHost, inContainer);
  assert.equal(ok("find ~/.claude/projects/ -type l -exec test ! -e {} \\; -print"), '');
  // ccost sees the agent's spend as the reference computes it from the host folder.
  const agentRow = JSON.parse(ok('ccost agent --json')).rows.find((r: any) => r.agent === AGENT);
  assert.equal(agentRow.totalTokens, referenceTokens([isolatedFolder]));
  assert.match(ok('ccost daily | head -3'), /\S/);
});

test("team session cost tracking: ccorc list --verbose and ./scripts/team-session-costs.sh", { skip, timeout: 300_000 }, async () => {
  ensureTestImage();
  setup();
  ok(`ccorc launch dev-trio --session ${CTX}`);
  for (const a of ['leader', 'developer', 'reviewer']) instances.push(`${CTX}-${a}`);
  // The leader's prompt_file reached its claude as --append-system-prompt.
  const argv = JSON.parse(readFileSync(join(ws, 'claude-argv-Leader.json'), 'utf8'));
  assert.deepEqual(argv, ['--append-system-prompt', readFileSync(join(ROOT, 'teams', 'dev-trio', 'leader.md'), 'utf8')]);
  assert.deepEqual(JSON.parse(readFileSync(join(ws, 'claude-argv-Developer.json'), 'utf8')), []);
  await sleep(1500);
  const verbose = ok('ccorc list --verbose');
  const first = sh('ccorc list --verbose | head -1');
  assert.deepEqual([first.code, first.stderr], [0, ''], 'a closed pipe is not an error');
  assert.equal(sh('ccost daily | head -1').stderr, '');
  assert.match(verbose, new RegExp(`^${CTX} \\(team dev-trio`, 'm'));
  for (const a of ['Leader', 'Developer', 'Reviewer']) assert.match(verbose, new RegExp(`^  ${a}\\s.*ccbox-${CTX}-${a.toLowerCase()}\\s+running\\s+today \\$\\d+\\.\\d\\d`, 'm'));
  const out = ok(`./scripts/team-session-costs.sh ${CTX}`, ROOT);
  assert.match(out, new RegExp(`^Team Context: ${CTX}$`, 'm'));
  const json = JSON.parse(ok(`./scripts/team-session-costs.sh ${CTX} --json`, ROOT));
  for (const a of ['Leader', 'Developer', 'Reviewer']) {
    const folder = join(home, '.claude', 'projects', `ccbox-${CTX}-${a.toLowerCase()}-${encodeCwd(ws)}`);
    const row = json.agents.find((x: any) => x.agent === a);
    assert.equal(row.totalTokens, referenceTokens([folder]), a);
    assert.match(out, new RegExp(`^${a} Agent: \\$${row.totalCost.toFixed(2).replace('.', '\\.')} \\(${row.totalTokens.toLocaleString('en-US')} tokens\\)$`, 'm'));
    // One attribution rule: ccost agent and ccorc list agree with ccorc costs.
    const listed = JSON.parse(ok('ccorc list --verbose --json')).find((c: any) => c.context === CTX).agents.find((x: any) => x.name === a);
    assert.equal(listed.totalCost, row.totalCost);
    assert.equal(JSON.parse(ok('ccost agent --json')).rows.find((r: any) => r.agent === `${CTX}-${a.toLowerCase()}`).totalTokens, row.totalTokens);
  }
  // The team's efficiency: one row per agent of this context, at the same cost as ccorc costs.
  const eff = JSON.parse(ok(`ccorc costs ${CTX} --efficiency --json`));
  assert.deepEqual(eff.rows.map((r: any) => r.key).sort(), ['developer', 'leader', 'reviewer'].map((a) => `${CTX}-${a}`));
  for (const r of eff.rows) assert.ok(Math.abs(r.cost - json.agents.find((x: any) => x.instance === r.key).totalCost) < 1e-12, r.key);
  assert.match(ok(`ccorc costs ${CTX} --efficiency`), new RegExp(`^Team Context: ${CTX}\nEfficiency by agent`));
  // A stopped team starts again.
  assert.match(ok(`ccorc stop ${CTX}`), /stopped/);
  assert.match(ok('ccorc list'), new RegExp(CTX));
  assert.equal(sh(`ccorc health ${CTX}`).code, 1);
  assert.match(ok(`ccorc start ${CTX}`), /running/);
  assert.equal(sh(`ccorc health ${CTX}`).code, 0);
  // clean --purge-sessions reaches every data folder, $CLAUDE_CONFIG_DIR's too.
  const other = join(root, 'other-config');
  mkdirSync(join(other, 'projects', `ccbox-${CTX}-leader--elsewhere`), { recursive: true });
  mkdirSync(join(other, 'projects', `ccbox-${CTX}-leaderx--not-ours`), { recursive: true });
  ok(`CLAUDE_CONFIG_DIR=${other},$HOME/.claude ccorc clean ${CTX} --force --purge-sessions`);
  assert.deepEqual(readdirSync(join(other, 'projects')), [`ccbox-${CTX}-leaderx--not-ours`]);
  assert.deepEqual(readdirSync(join(home, '.claude', 'projects')).filter((n) => n.startsWith(`ccbox-${CTX}-`)), []);
});
