/**
 * Team files, the registry (atomic, locked, never overwritten after a parse error), export/import.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/paths.js';
import { agentInstance, parseTeam } from '../src/teams/team-file.js';

const CCORC = join(ROOT, 'dist', 'src', 'cli', 'ccorc.js');
const root = mkdtempSync(join(tmpdir(), 'ccorc-teams-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

function ccorc(args: string[], home: string, cwd = root) {
  const r = spawnSync(process.execPath, [CCORC, ...args], { encoding: 'utf8', cwd, env: { ...process.env, HOME: home, CCORC_TEAMS_PATH: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('team files: the bundled examples list and show; instance names follow the original', () => {
  const home = join(root, 'h1');
  mkdirSync(home);
  const list = JSON.parse(ccorc(['teams', 'list', '--json'], home).stdout);
  const trio = list.find((t: any) => t.name === 'dev-trio');
  assert.deepEqual(trio.agents.map((a: any) => [a.name, a.role]), [['Leader', 'leader'], ['Developer', 'developer'], ['Reviewer', 'reviewer']]);
  assert.match(ccorc(['teams', 'show', 'research-pair'], home).stdout, /Researcher\s+researcher\s+claude-haiku-4-5-20251001/);
  assert.equal(agentInstance('my-ctx', 'Lead Writer'), 'my-ctx-lead-writer');
});

test('team files: a local team wins; a malformed one names the file and the field', () => {
  const home = join(root, 'h2');
  const cwd = join(root, 'proj2');
  mkdirSync(join(cwd, 'teams', 'dev-trio'), { recursive: true });
  mkdirSync(home);
  writeFileSync(join(cwd, 'teams', 'dev-trio', 'team.yaml'), 'team: {name: dev-trio, description: local}\nagents:\n  - {name: Solo, role: all}\n');
  assert.match(ccorc(['teams', 'show', 'dev-trio'], home, cwd).stdout, /dev-trio: local/);
  writeFileSync(join(cwd, 'teams', 'dev-trio', 'team.yaml'), 'team: {name: dev-trio}\nagents:\n  - {name: Solo}\n');
  const bad = ccorc(['teams', 'show', 'dev-trio'], home, cwd);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /teams\/dev-trio\/team\.yaml: field "agents\[0\]\.role" is required/);
  assert.throws(() => parseTeam('agents: []', '/x/team.yaml'), /\/x\/team\.yaml: field "team\.name" is required/);
  assert.throws(() => parseTeam('team: {name: t}\nagents:\n  - {name: A, role: r}\n  - {name: a, role: r}\n', 't.yaml'), /agents\[1\]\.name.*appears twice/);
});

const record = (name: string) => ({
  ccorcExport: 1,
  context: { context_name: name, tmux_session: null, created_at: '2025-10-01T00:00:00Z', agents: [{ name: 'Leader', role: 'leader', model: null, session_id: 'abc' }], working_dir: '/w', updated_at: '2025-10-01T00:00:00Z', orchestrator_config: { team: 'dev-trio' } },
});

test('export/import round trip; a registry that does not parse is never overwritten', () => {
  const home = join(root, 'h3');
  mkdirSync(home);
  const f = join(root, 'ctx-a.json');
  writeFileSync(f, JSON.stringify(record('ctx-a')));
  assert.equal(ccorc(['import', f], home).code, 0);
  assert.equal(ccorc(['import', f], home).code, 2, 'a second import needs --force');
  const out = join(root, 'ctx-a-out.json');
  assert.equal(ccorc(['export', 'ctx-a', out], home).code, 0);
  const back = JSON.parse(readFileSync(out, 'utf8')).context;
  const { updated_at: _u, ...rest } = back;
  const { updated_at: _v, ...orig } = record('ctx-a').context;
  assert.deepEqual(rest, orig);
  const info = JSON.parse(ccorc(['info', 'ctx-a', '--json'], home).stdout);
  assert.equal(info.agents[0].session_id, 'abc');
  const reg = join(home, '.claude-orc', 'team_contexts.json');
  writeFileSync(reg, '{"ctx-a": {oops');
  const r = ccorc(['import', f, '--force'], home);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is not valid JSON .* left untouched/);
  assert.equal(readFileSync(reg, 'utf8'), '{"ctx-a": {oops');
});

test('two ccorc processes writing the registry at once lose neither update', async () => {
  const home = join(root, 'h4');
  mkdirSync(home);
  const run = (file: string) =>
    new Promise<number>((resolve) => {
      const p = spawn(process.execPath, [CCORC, 'import', file], { env: { ...process.env, HOME: home }, stdio: 'ignore' });
      p.on('close', (code) => resolve(code ?? -1));
    });
  const names: string[] = [];
  for (let round = 0; round < 4; round++) {
    const files = [0, 1, 2].map((k) => {
      const name = `ctx-${round}-${k}`;
      names.push(name);
      const f = join(root, `${name}.json`);
      writeFileSync(f, JSON.stringify(record(name)));
      return f;
    });
    assert.deepEqual(await Promise.all(files.map(run)), [0, 0, 0]);
  }
  const reg = JSON.parse(readFileSync(join(home, '.claude-orc', 'team_contexts.json'), 'utf8'));
  assert.deepEqual(Object.keys(reg).sort(), names.sort());
});
