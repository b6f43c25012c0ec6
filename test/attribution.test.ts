import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifySessionPath, encodeCwd, instanceNameProblem, parseProjectFolder, readMetadata } from '../src/sessions/attribution.js';

test('encoded cwd: every non-alphanumeric character becomes -', () => {
  assert.equal(encodeCwd('/workspace/app'), '-workspace-app');
  assert.equal(encodeCwd('/home/a.b/my_proj'), '-home-a-b-my-proj');
});

test('ccbox-<instance>-<encoded-cwd> splits at the first --', () => {
  assert.deepEqual(parseProjectFolder('ccbox-my-agent--workspace-app'), { instance: 'my-agent', project: '-workspace-app' });
  assert.deepEqual(parseProjectFolder('ccbox-a.b_c--x'), { instance: 'a.b_c', project: '-x' });
  // A prefix instance name stays distinct.
  assert.deepEqual(parseProjectFolder('ccbox-my--workspace-app'), { instance: 'my', project: '-workspace-app' });
  assert.deepEqual(parseProjectFolder('-workspace-app'), { instance: null, project: '-workspace-app' });
  assert.deepEqual(parseProjectFolder('ccbox-noproject'), { instance: null, project: 'ccbox-noproject' });
  assert.deepEqual(parseProjectFolder('ccbox---x'), { instance: null, project: 'ccbox---x' });
});

test('instance names: validated with a reason', () => {
  for (const ok of ['a', 'my-agent', 'A1.b_c']) assert.equal(instanceNameProblem(ok), null, ok);
  for (const bad of ['', '-a', 'a--b', 'a-', 'a b', 'a/b', '.a']) assert.notEqual(instanceNameProblem(bad), null, bad);
});

test('session paths: sessions, subagent folders, old agent files', () => {
  assert.deepEqual(classifySessionPath(['abc.jsonl']), { pathSessionId: 'abc', subagentFile: false });
  assert.deepEqual(classifySessionPath(['abc', 'subagents', 'agent-1.jsonl']), { pathSessionId: 'abc', subagentFile: true });
  assert.deepEqual(classifySessionPath(['agent-1.jsonl']), { pathSessionId: null, subagentFile: true });
});

test('metadata: invalid fields are dropped', () => {
  assert.deepEqual(readMetadata({ instance: 'a--b', mode: 'weird', context: 'team1', role: 7 }), { container: undefined, context: 'team1', agent: null, role: null, host: undefined });
  assert.equal(readMetadata([1]), null);
});
