/**
 * The launch plan (pure): what a launch may remove, and every collision it refuses before anything
 * starts. Expected outcomes are written out per case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planLaunch, type ExistingContainer, type LaunchInput } from '../src/agents/launch-plan.js';
import { parseTeam } from '../src/teams/team-file.js';
import { chooseImage } from '../src/agents/image-choice.js';
import { containerArgs } from '../src/agents/host-paths.js';
import type { ContextRecord, Registry } from '../src/teams/registry.js';

const trio = parseTeam('team: {name: trio}\nagents:\n  - {name: Leader, role: leader}\n  - {name: Dev, role: developer, model: m-dev}\nsettings: {default_model: m-default}\n', '/t/trio/team.yaml');

function ctx(name: string, agents: string[]): ContextRecord {
  return { context_name: name, tmux_session: null, created_at: '', updated_at: '', working_dir: '/w', orchestrator_config: {}, agents: agents.map((a) => ({ name: a, role: 'r', model: null, session_id: null })) };
}

function plan(over: Partial<LaunchInput> = {}) {
  return planLaunch({ team: trio, context: 'c1', agentModels: new Map(), force: false, registry: {}, containers: new Map(), ...over });
}

test('a clean launch: one container per agent, models by precedence, nothing removed or refused', () => {
  const p = plan({ agentModels: new Map([['leader', 'm-lead']]) });
  assert.deepEqual(p.agents.map((a) => [a.instance, a.model]), [['c1-leader', 'm-lead'], ['c1-dev', 'm-dev']]);
  assert.deepEqual([p.remove, p.refused], [[], []]);
  assert.deepEqual(plan({ model: 'm-all' }).agents.map((a) => a.model), ['m-all', 'm-all'], '--model is for every agent');
  assert.deepEqual(plan().agents.map((a) => a.model), ['m-default', 'm-dev'], 'the file, then its default');
});

test('a container that is not ours is refused, with or without --force', () => {
  const containers = new Map<string, ExistingContainer>([['c1-dev', { ours: false, context: '' }]]);
  for (const force of [false, true]) {
    const p = plan({ containers, force });
    assert.deepEqual(p.remove, []);
    assert.match(p.refused.join('\n'), /ccbox-c1-dev exists and is not a ccbox container: it is never touched/);
  }
});

test("another context's or a plain ccdk container: refused naming the owner; --force replaces it", () => {
  const containers = new Map<string, ExistingContainer>([
    ['c1-leader', { ours: true, context: '' }],
    ['c1-dev', { ours: true, context: 'other' }],
  ]);
  const p = plan({ containers });
  assert.deepEqual(p.remove, []);
  assert.match(p.refused[0]!, /ccbox-c1-leader exists \(a ccdk instance\): --force replaces it/);
  assert.match(p.refused[1]!, /ccbox-c1-dev exists \(context "other"\)/);
  assert.deepEqual(plan({ containers, force: true }), { context: 'c1', agents: p.agents, remove: ['c1-leader', 'c1-dev'], refused: [] });
});

test('names that collide: inside the team, and with an agent of another context (even with --force)', () => {
  const twins = parseTeam('team: {name: t}\nagents:\n  - {name: Ops Lead, role: a}\n  - {name: ops-lead, role: b}\n', '/t.yaml');
  assert.match(plan({ team: twins }).refused.join(), /agents "Ops Lead" and "ops-lead" both map to instance c1-ops-lead/);
  // (dev, "ops lead") and (dev-ops, lead) are both dev-ops-lead.
  const lead = parseTeam('team: {name: t}\nagents:\n  - {name: lead, role: a}\n', '/t.yaml');
  const registry: Registry = { dev: ctx('dev', ['ops lead']) };
  for (const force of [false, true])
    assert.match(plan({ team: lead, context: 'dev-ops', registry, force }).refused.join(), /maps to instance dev-ops-lead, which is agent "ops lead" of context "dev"/);
});

test('an existing context: refused without --force (start it instead); with --force its own containers go first', () => {
  const registry: Registry = { c1: ctx('c1', ['Leader', 'Old']) };
  assert.match(plan({ registry }).refused.join(), /context "c1" exists already: ccorc start c1 starts it again/);
  const containers = new Map<string, ExistingContainer>([
    ['c1-leader', { ours: true, context: 'c1' }],
    ['c1-old', { ours: true, context: 'c1' }],
  ]);
  const p = plan({ registry, containers, force: true });
  assert.deepEqual([p.remove.sort(), p.refused], [['c1-leader', 'c1-old'], []]);
});

test('an invalid instance name and an unknown --agent-model are refused', () => {
  assert.match(plan({ context: 'bad-' }).refused.join(), /must not contain "--"/);
  assert.match(plan({ agentModels: new Map([['ghost', 'm']]) }).refused.join(), /team trio has no agent "ghost"/);
});

test('the image: the one named, else ccbox:latest, else the offline build (said), else the commands that make one', () => {
  const has = (...present: string[]) => (image: string) => present.includes(image);
  assert.deepEqual(chooseImage(undefined, {}, has('ccbox:latest', 'ccbox:host')), { image: 'ccbox:latest', note: null });
  assert.deepEqual(chooseImage(undefined, {}, has('ccbox:host')), { image: 'ccbox:host', note: 'using ccbox:host (the offline build): ccbox:latest is not here' });
  assert.deepEqual(chooseImage(undefined, { CCDK_IMAGE: 'mine:1' }, has('mine:1')), { image: 'mine:1', note: null });
  assert.throws(() => chooseImage('gone:1', {}, has('ccbox:latest')), /image gone:1 is not here: build it with ccdk build/);
  assert.throws(() => chooseImage(undefined, {}, has()), /no agent image: build one with ccdk build .* or ccdk build --from-host/);
});

test("ccdk exec: this instance's host mirror folder means its container folder; every other word is left as typed", () => {
  const args = ['ls', '/home/u/.claude/projects/ccbox-my-agent--w-app/', '/home/u/.claude/projects/ccbox-my-agent--w-app/s.jsonl', '/home/u/.claude/projects/ccbox-other--w/', '/home/u/.claude/projects/-w-app/', '-la', '/home/u/.claude/projects/ccbox-my-agent'];
  assert.deepEqual(containerArgs(args, '/home/u', 'my-agent'), ['ls', '/home/u/.claude/projects/-w-app/', '/home/u/.claude/projects/-w-app/s.jsonl', '/home/u/.claude/projects/ccbox-other--w/', '/home/u/.claude/projects/-w-app/', '-la', '/home/u/.claude/projects/ccbox-my-agent']);
  assert.deepEqual(containerArgs(['/home/u/.claude/projects/ccbox-my--w/'], '/home/u/', 'my-agent'), ['/home/u/.claude/projects/ccbox-my--w/'], 'a prefix-named instance is another');
});
