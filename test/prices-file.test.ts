/**
 * #17: price overrides (--prices FILE, else ~/.config/ccorc/prices.json) over the shipped table:
 * a negotiated rate for one model, a model the table lacks. Costs equal the reference priced with
 * the merged table; a kept ledger and a replay follow a changed, added or removed override file;
 * a file that cannot be used stops the run with one line (exit 2), never a wrong price.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccost, ccostJson } from './helpers/cli.js';
import { PRICES } from './helpers/paths.js';
import { reference } from './helpers/reference.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-prices-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const SONNET = 'claude-sonnet-4-5-20250929';
const NEW_MODEL = 'claude-future-9';

const data = join(root, 'claude');
const project = join(data, 'projects', '-w-app');
mkdirSync(project, { recursive: true });
const lines = [SONNET, NEW_MODEL, SONNET, 'claude-haiku-4-5-20251001'].map((model, i) =>
  JSON.stringify({
    type: 'assistant',
    timestamp: new Date(Date.UTC(2025, 9, 1, 10, i)).toISOString(),
    sessionId: 's1',
    message: { id: `msg_${i}`, model, usage: { input_tokens: 1000 * (i + 1), output_tokens: 500, cache_creation_input_tokens: 2000, cache_read_input_tokens: 30_000 } },
  }),
);
writeFileSync(join(project, 's1.jsonl'), lines.join('\n') + '\n');
// Written an hour ago: a file still being written is never replayed from, and these runs should be.
const anHourAgo = new Date(Date.now() - 3_600_000);
for (const p of [join(project, 's1.jsonl'), project, join(data, 'projects'), data]) utimesSync(p, anHourAgo, anHourAgo);

const overrides = {
  [SONNET]: { input_cost_per_token: 1e-6 },
  [NEW_MODEL]: { input_cost_per_token: 2e-6, output_cost_per_token: 8e-6, cache_creation_input_token_cost: 2.5e-6, cache_read_input_token_cost: 2e-7 },
};

/** The shipped table with `o` laid over it, written where the reference can read it. */
function merged(o: Record<string, object>, name: string): string {
  const table = JSON.parse(readFileSync(PRICES, 'utf8')) as Record<string, object>;
  for (const [m, p] of Object.entries(o)) table[m] = { ...table[m], ...p };
  const path = join(root, name);
  writeFileSync(path, JSON.stringify(table));
  return path;
}

const overridePath = join(root, 'negotiated.json');
writeFileSync(overridePath, JSON.stringify(overrides));
const config = join(root, 'config');
const env = { XDG_CONFIG_HOME: config, TZ: 'UTC' };

test('--prices FILE: a negotiated rate and a new model, as the reference prices them with the merged table', () => {
  const want = reference(data, merged(overrides, 'merged.json')).totals.totalCost;
  const shipped = reference(data, PRICES).totals.totalCost;
  assert.ok(Math.abs(want - shipped) > 1e-4, 'the overrides change the cost');
  for (const ledger of [['--no-ledger'], ['--ledger', join(root, 'a.db')]]) {
    const j = ccostJson(['daily', '--dir', data, '--prices', overridePath, ...ledger], env);
    assert.ok(Math.abs(j.totals.totalCost - want) < 1e-9, `${ledger[0]}: ${j.totals.totalCost} vs ${want}`);
    assert.deepEqual(j.unpricedModels, [], 'the new model has a price');
    assert.equal(j.prices.overrides, overridePath);
    assert.deepEqual(j.prices.overriddenModels, [NEW_MODEL, SONNET].sort());
  }
  const table = ccost(['daily', '--dir', data, '--prices', overridePath, '--no-ledger'], env);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stderr, new RegExp(`note: prices of .*${NEW_MODEL}.* from ${overridePath}`));
});

test('~/.config/ccorc/prices.json is read when it exists; a kept ledger and a replay follow it as it comes, changes and goes', () => {
  const ledger = join(root, 'b.db');
  const run = () => ccostJson(['daily', '--dir', data, '--ledger', ledger], env);
  const shipped = reference(data, PRICES).totals.totalCost;
  const before = run();
  assert.ok(Math.abs(before.totals.totalCost - shipped) < 1e-9);
  assert.equal(before.prices.overrides, null);
  assert.ok(before.unpricedModels.includes(NEW_MODEL));
  // Replayed (nothing changed), still the shipped prices.
  const again = run();
  assert.equal(again.ledger.rollups, 'replayed');
  assert.ok(Math.abs(again.totals.totalCost - shipped) < 1e-9);

  mkdirSync(join(config, 'ccorc'), { recursive: true });
  const file = join(config, 'ccorc', 'prices.json');
  writeFileSync(file, JSON.stringify(overrides));
  const withFile = run();
  assert.ok(Math.abs(withFile.totals.totalCost - reference(data, merged(overrides, 'm1.json')).totals.totalCost) < 1e-9, 'the new file counts at once');
  assert.equal(withFile.prices.overrides, file);

  const changed = { ...overrides, [SONNET]: { input_cost_per_token: 5e-6, output_cost_per_token: 1e-5 } };
  writeFileSync(file, JSON.stringify(changed));
  assert.ok(Math.abs(run().totals.totalCost - reference(data, merged(changed, 'm2.json')).totals.totalCost) < 1e-9, 'a changed file counts at once');

  rmSync(file);
  const after = run();
  assert.ok(Math.abs(after.totals.totalCost - shipped) < 1e-9, 'a removed file: the shipped prices again');
  assert.equal(after.prices.overrides, null);
});

test('an override file that cannot be used stops the run with one line and exit 2', () => {
  const cases: Array<[string, string | null, RegExp]> = [
    ['missing.json', null, /cannot read the price overrides .*missing\.json: ENOENT/],
    ['broken.json', '{"claude-x": {', /broken\.json is not valid JSON/],
    ['array.json', '[1, 2]', /expected an object of models/],
    ['negative.json', JSON.stringify({ [SONNET]: { input_cost_per_token: -1 } }), /input_cost_per_token must be a non-negative number/],
    ['text.json', JSON.stringify({ [SONNET]: { output_cost_per_token: '3e-6' } }), /output_cost_per_token must be a non-negative number/],
  ];
  for (const [name, body, message] of cases) {
    const path = join(root, name);
    if (body !== null) writeFileSync(path, body);
    const r = ccost(['daily', '--dir', data, '--no-ledger', '--prices', path], env);
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${name}: one line, no stack`);
    assert.equal(r.stdout, '');
  }
  // The default file broken: the same refusal, naming it.
  mkdirSync(join(root, 'bad-config', 'ccorc'), { recursive: true });
  writeFileSync(join(root, 'bad-config', 'ccorc', 'prices.json'), 'not json');
  const r = ccost(['daily', '--dir', data, '--no-ledger'], { ...env, XDG_CONFIG_HOME: join(root, 'bad-config') });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad-config\/ccorc\/prices\.json is not valid JSON/);
});
