/**
 * The budget guard's decisions (pure): one action per crossing, only the scope's running
 * containers, resumed at the next period and only what it held, a hand release respected for the
 * period, a raised budget crossed again acted on anew. Expected steps are written out per case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyGuardDoc, planGuard as planWith, releaseByHand, type GuardContainer, type GuardDoc } from '../src/live/guard.js';
import { budgetRule, type AlertResult, type Budget } from '../src/live/alerts.js';

const NOW = Date.parse('2025-10-01T12:00:00Z');

/** The plan over a fixed list of containers; `asked` counts how often the plan looked at them. */
let asked = 0;
function planGuard(results: AlertResult[], doc: GuardDoc, list: GuardContainer[], now: number) {
  return planWith(results, doc, () => (asked++, list), now);
}
const team: Budget = { scope: 'team', name: 'dev', period: 'day', limit: 10, action: 'pause' };

function result(b: Budget, value: number, period = '2025-10-01'): AlertResult {
  return { rule: budgetRule(b), level: value >= b.limit ? 'exceeded' : 'ok', value, limit: b.limit, unit: 'USD', period, message: `spent ${value}`, budget: b };
}

const containers: GuardContainer[] = [
  { instance: 'dev-a', context: 'dev', state: 'running' },
  { instance: 'dev-b', context: 'dev', state: 'running' },
  { instance: 'dev-c', context: 'dev', state: 'exited' },
  { instance: 'ops-a', context: 'ops', state: 'running' },
  { instance: 'solo', context: '', state: 'running' },
];

function paused(doc: GuardDoc, list: GuardContainer[]): GuardContainer[] {
  const held = new Set(doc.records.filter((r) => !r.done).flatMap((r) => r.held));
  return list.map((c) => (held.has(c.instance) && c.state === 'running' ? { ...c, state: 'paused' } : c));
}

test('a team budget crossed: its running containers are paused once; other teams and plain agents are not', () => {
  const below = planGuard([result(team, 9.99)], emptyGuardDoc(), containers, NOW);
  assert.deepEqual(below.steps, []);
  const first = planGuard([result(team, 10.5)], emptyGuardDoc(), containers, NOW);
  assert.deepEqual(first.steps.map((s) => [s.kind, s.instances]), [['pause', ['dev-a', 'dev-b']]]);
  const again = planGuard([result(team, 12)], first.doc, paused(first.doc, containers), NOW);
  assert.deepEqual(again.steps, [], 'one action per crossing, also after a restart (the record is the state)');
});

test('the next period: what was held is resumed, and only that', () => {
  const first = planGuard([result(team, 11)], emptyGuardDoc(), containers, NOW);
  // Someone paused ops-a by other means; dev-b was resumed by hand meanwhile.
  const now = paused(first.doc, containers).map((c) => (c.instance === 'ops-a' ? { ...c, state: 'paused' } : c.instance === 'dev-b' ? { ...c, state: 'running' } : c));
  const next = planGuard([result(team, 0, '2025-10-02')], first.doc, now, NOW + 86_400_000);
  assert.deepEqual(next.steps.map((s) => [s.kind, s.instances]), [['unpause', ['dev-a']]]);
  assert.equal(next.doc.records[0]!.done, true);
  assert.deepEqual(planGuard([result(team, 0, '2025-10-02')], next.doc, containers, NOW).steps, [], 'resumed once');
});

test('stop acts on running and paused containers and starts them again next period; a removed budget releases what it held', () => {
  const stop: Budget = { ...team, action: 'stop' };
  const first = planGuard([result(stop, 11)], emptyGuardDoc(), containers.map((c) => (c.instance === 'dev-b' ? { ...c, state: 'paused' } : c)), NOW);
  assert.deepEqual(first.steps.map((s) => [s.kind, s.instances]), [['stop', ['dev-a', 'dev-b']]]);
  const stopped = containers.map((c) => (c.context === 'dev' ? { ...c, state: 'exited' } : c));
  assert.deepEqual(planGuard([result(stop, 0, '2025-10-02')], first.doc, stopped, NOW).steps.map((s) => [s.kind, s.instances]), [['start', ['dev-a', 'dev-b']]]);
  assert.deepEqual(planGuard([], first.doc, stopped, NOW).steps.map((s) => [s.kind, s.instances]), [['start', ['dev-a', 'dev-b']]], 'no such budget any more');
});

test('an agent budget pauses only that agent; a global one every running container of ours', () => {
  const agent: Budget = { scope: 'agent', name: 'dev-b', period: 'week', limit: 5, action: 'pause' };
  assert.deepEqual(planGuard([result(agent, 6, '2025-09-29')], emptyGuardDoc(), containers, NOW).steps.map((s) => [s.kind, s.instances, s.rule]), [['pause', ['dev-b'], 'agent:dev-b:week']]);
  const global: Budget = { scope: 'global', name: null, period: 'month', limit: 100, action: 'pause' };
  assert.deepEqual(planGuard([result(global, 100, '2025-10')], emptyGuardDoc(), containers, NOW).steps[0]!.instances, ['dev-a', 'dev-b', 'ops-a', 'solo']);
  assert.deepEqual(planGuard([result({ ...global, action: 'none' }, 200, '2025-10')], emptyGuardDoc(), containers, NOW).steps, [], 'action none never acts');
});

test('resumed by hand: left alone for the period; with --raise, crossing the raised limit pauses again', () => {
  const first = planGuard([result(team, 11)], emptyGuardDoc(), containers, NOW);
  const hand = releaseByHand(first.doc, ['dev-a', 'dev-b'], 0);
  assert.deepEqual(hand.rules, ['team:dev']);
  assert.deepEqual(planGuard([result(team, 30)], hand.doc, containers, NOW).steps, [], 'no raise: left alone however far it goes');
  const raised = releaseByHand(first.doc, ['dev-a', 'dev-b'], 5);
  assert.deepEqual(raised.doc.raises, { 'team:dev|2025-10-01': 5 });
  assert.deepEqual(planGuard([result(team, 14.99)], raised.doc, containers, NOW).steps, [], 'below the raised limit');
  const again = planGuard([result(team, 15)], raised.doc, containers, NOW);
  assert.deepEqual(again.steps.map((s) => [s.kind, s.instances]), [['pause', ['dev-a', 'dev-b']]]);
  assert.equal(again.doc.records[0]!.limit, 15);
});

test('a raise given after the hand resume still applies to the rule that held the agent', () => {
  const agent: Budget = { scope: 'agent', name: 'dev-a', period: 'day', limit: 1, action: 'pause' };
  const first = planGuard([result(agent, 1)], emptyGuardDoc(), containers, NOW);
  const hand = releaseByHand(first.doc, ['dev-a'], 0);
  const raised = releaseByHand(hand.doc, ['dev-a'], 0.5);
  assert.deepEqual([raised.rules, raised.doc.raises], [['agent:dev-a'], { 'agent:dev-a|2025-10-01': 0.5 }]);
  assert.deepEqual(planGuard([result(agent, 1.5)], raised.doc, containers, NOW).steps.map((s) => s.instances), [['dev-a']]);
  assert.deepEqual(releaseByHand(emptyGuardDoc(), ['dev-a'], 3).doc.raises, {}, 'nothing held it: nothing to raise');
});

test('the containers are listed only when there is something to do', () => {
  asked = 0;
  const quiet = planGuard([result(team, 5), result({ ...team, action: 'none', name: 'x' }, 50)], emptyGuardDoc(), containers, NOW);
  assert.deepEqual([quiet.steps, asked], [[], 0], 'nothing exceeded with an action, nothing held: the engine is not asked');
  const first = planGuard([result(team, 11)], emptyGuardDoc(), containers, NOW);
  assert.equal(asked, 1);
  planGuard([result(team, 12)], first.doc, containers, NOW);
  assert.equal(asked, 1, 'acted on already in this period: not asked again');
});
