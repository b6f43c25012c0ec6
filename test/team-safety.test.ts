/**
 * Team launches that meet what is not theirs, or fail part-way, against a real engine: nothing
 * foreign is removed, and no container is left that the registry does not know. The registry lock
 * (no engine needed): an owner that holds it long is waited for, a dead owner's lock is taken over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ccdk, containerTestbed, docker, ensureTestImage, TEST_IMAGE } from './helpers/engine.js';
import { ROOT } from './helpers/paths.js';

const { skip, root, tag, instances } = containerTestbed('ccorc-safety-', 's');
const CCORC = join(ROOT, 'dist', 'src', 'cli', 'ccorc.js');
const home = join(root, 'home');
const ws = join(root, 'ws');
mkdirSync(home, { recursive: true });
mkdirSync(join(ws, 'teams', 'quad'), { recursive: true });
writeFileSync(join(ws, 'teams', 'quad', 'team.yaml'), 'team: {name: quad}\nagents:\n  - {name: One, role: a}\n  - {name: Two, role: b}\n  - {name: Three, role: c}\n');
const registryFile = join(home, '.claude-orc', 'team_contexts.json');

function ccorc(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CCORC, ...args], { encoding: 'utf8', cwd: ws, env: { ...process.env, HOME: home, CCDK_IMAGE: TEST_IMAGE, CCDK_SETTLE_MS: '1000', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Containers labelled with this context. */
function labelled(context: string): string[] {
  return docker(['ps', '--all', '--format', '{{.Names}}', '--filter', `label=xyz.texot.ccbox.context=${context}`]).stdout.split('\n').filter(Boolean).sort();
}

function registry(): Record<string, any> {
  return existsSync(registryFile) ? JSON.parse(readFileSync(registryFile, 'utf8')) : {};
}

test('a launch that meets a foreign container or a colliding ccdk instance removes nothing and starts nothing', { skip, timeout: 120_000 }, () => {
  ensureTestImage();
  const ctx = `${tag}f`;
  instances.push(`${ctx}-one`, `${ctx}-two`, `${ctx}-three`);
  // Not a ccbox container, under the name the launch wants for agent Two.
  assert.equal(docker(['create', '--name', `ccbox-${ctx}-two`, '--network', 'none', TEST_IMAGE, 'sleep', '600']).code, 0);
  // A plain ccdk instance under the name of agent Three.
  assert.equal(ccdk(['start', '-i', `${ctx}-three`, '--network', 'none', 'sleep', '600'], { cwd: ws, home }).code, 0);
  for (const force of [[], ['--force']]) {
    const r = ccorc(['launch', 'quad', '--session', ctx, '--network', 'none', ...force]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`ccbox-${ctx}-two exists and is not a ccbox container: it is never touched`));
    if (!force.length) assert.match(r.stderr, new RegExp(`ccbox-${ctx}-three exists \\(a ccdk instance\\): --force replaces it`));
    assert.match(r.stderr, /nothing was changed/);
  }
  assert.equal(docker(['inspect', `ccbox-${ctx}-one`]).code, 1, 'nothing started');
  assert.equal(docker(['inspect', '--format', '{{.State.Status}}', `ccbox-${ctx}-two`]).stdout.trim(), 'created', 'the foreign container is untouched');
  assert.equal(docker(['inspect', '--format', '{{.State.Status}}', `ccbox-${ctx}-three`]).stdout.trim(), 'running', 'the ccdk instance is untouched');
  assert.equal(registry()[ctx], undefined);
  docker(['rm', '--force', `ccbox-${ctx}-two`]);
});

test('a launch failing at its second agent leaves no container and no record; one killed part-way leaves a record that clean can use', { skip, timeout: 180_000 }, async () => {
  ensureTestImage();
  const ctx = `${tag}k`;
  instances.push(`${ctx}-one`, `${ctx}-two`, `${ctx}-three`);
  // A settle window the failing agent's exit surely falls in, also on a loaded machine (1 s was missed once).
  const r = ccorc(['launch', 'quad', '--session', ctx, '--network', 'none'], { CLAUDE_CODE_FAKE_FAIL: 'Two', CCDK_SETTLE_MS: '4000' });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`ccbox-${ctx}-two stopped right after starting \\(exit 3\\)`));
  assert.match(r.stderr, /fake claude: told to fail/, 'the container\'s last lines are shown');
  assert.match(r.stderr, /undone: 2 container\(s\) removed, no registry entry kept/);
  assert.deepEqual(labelled(ctx), []);
  assert.equal(registry()[ctx], undefined);

  // Killed once the first agent is up: the record, written first, names every agent.
  const p = spawn(process.execPath, [CCORC, 'launch', 'quad', '--session', ctx, '--network', 'none'], { cwd: ws, env: { ...process.env, HOME: home, CCDK_IMAGE: TEST_IMAGE, CCDK_SETTLE_MS: '3000' }, stdio: 'ignore' });
  const end = Date.now() + 60_000;
  while (Date.now() < end && !(registry()[ctx]?.agents ?? []).some((a: any) => a.state === 'created')) await sleep(50);
  p.kill('SIGKILL');
  await new Promise((done) => p.once('exit', done));
  const rec = registry()[ctx];
  assert.ok(rec, 'the context was recorded before its containers were made');
  assert.deepEqual(rec.agents.map((a: any) => a.instance), [`${ctx}-one`, `${ctx}-two`, `${ctx}-three`]);
  assert.ok(labelled(ctx).length >= 1);
  for (const c of labelled(ctx)) assert.ok(rec.agents.some((a: any) => a.container === c), `${c} is not in the record`);
  const clean = ccorc(['clean', ctx, '--force']);
  assert.equal(clean.code, 0, clean.stderr);
  assert.deepEqual(labelled(ctx), []);
});

// A process that takes the registry lock the way ccorc does and holds it for `ms`.
const HOLDER = (ms: number) => `
import { withLock } from ${JSON.stringify(join(ROOT, 'dist', 'src', 'teams', 'registry.js'))};
withLock(process.argv[1], () => {
  process.stdout.write('holding\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});
});
`;

test('the registry lock: a live owner is waited for however old its lock; a dead owner\'s lock is taken over; only the owner removes it', async () => {
  const h = join(root, 'lock-home');
  mkdirSync(join(h, '.claude-orc'), { recursive: true });
  const reg = join(h, '.claude-orc', 'team_contexts.json');
  const exported = join(root, 'export.json');
  const doc = (name: string) => JSON.stringify({ ccorcExport: 1, context: { context_name: name, tmux_session: null, created_at: 'x', updated_at: 'x', working_dir: '/w', orchestrator_config: {}, agents: [] } });
  const holder = spawn(process.execPath, ['--input-type=module', '-e', HOLDER(3000), reg], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((done) => holder.stdout!.once('data', () => done()));
  // The owner's lock looks an hour old: age alone must not make it anyone else's.
  utimesSync(`${reg}.lock`, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
  writeFileSync(exported, doc('waited'));
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CCORC, 'import', exported], { encoding: 'utf8', env: { ...process.env, HOME: h } });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Date.now() - t0 >= 1500, 'the import waited for the owner');
  assert.equal(holder.exitCode ?? (await new Promise((d) => holder.once('exit', d))), 0);
  assert.ok(JSON.parse(readFileSync(reg, 'utf8')).waited);
  assert.ok(!existsSync(`${reg}.lock`));

  // A lock whose owner process is gone (a pid that exited) is taken over at once.
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  writeFileSync(`${reg}.lock`, JSON.stringify({ host: (await import('node:os')).hostname(), pid: Number(gone), start: '1', token: 'dead' }));
  writeFileSync(exported, doc('taken-over'));
  const t1 = Date.now();
  const r2 = spawnSync(process.execPath, [CCORC, 'import', exported], { encoding: 'utf8', env: { ...process.env, HOME: h } });
  assert.equal(r2.status, 0, r2.stderr);
  assert.ok(Date.now() - t1 < 5000);
  assert.ok(JSON.parse(readFileSync(reg, 'utf8'))['taken-over']);

  // Release removes only the owner's own lock.
  const { acquire } = await import('../src/util/file-lock.js');
  const held = acquire(`${reg}.lock`);
  writeFileSync(`${reg}.lock`, JSON.stringify({ ...held.owner, token: 'someone-else' }));
  held.release();
  assert.ok(existsSync(`${reg}.lock`), "a lock that is no longer ours is left alone");
});
