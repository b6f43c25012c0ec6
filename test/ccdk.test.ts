/**
 * ccdk against a real engine: the offline image, containers in both modes with their labels and
 * mounts, exec (exit codes, pipes), stop/rm keeping host data, and the errors a user can meet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ccdk, docker, containerTestbed, ensureTestImage, TEST_IMAGE } from './helpers/engine.js';

const { skip, root, tag, instances } = containerTestbed('ccdk-test-', 't');

function setup(name: string) {
  const home = join(root, `${name}-home`);
  const ws = join(root, `${name}-ws`);
  mkdirSync(home, { recursive: true });
  mkdirSync(ws, { recursive: true });
  instances.push(name);
  return { home, ws };
}

test('isolated mode: labels, mounts, workspace, exec with pipes and exit codes, stop and rm keep host data', { skip }, () => {
  ensureTestImage();
  const name = `${tag}-iso`;
  const { home, ws } = setup(name);
  mkdirSync(join(home, '.claude'), { recursive: true });
  writeFileSync(join(home, '.claude', 'marker'), 'from the host\n');
  const s = ccdk(['start', '-i', name, '--network', 'none', '--context', 'teamx', '--role', 'lead', '--', 'sleep', '600'], { cwd: ws, home });
  assert.equal(s.code, 0, s.stderr);
  const listed = JSON.parse(ccdk(['list', '--json'], { home }).stdout).find((c: any) => c.instance === name);
  assert.deepEqual([listed.mode, listed.context, listed.role, listed.workspace, listed.state], ['isolated', 'teamx', 'lead', ws, 'running']);
  const labels = JSON.parse(docker(['inspect', '--format', '{{json .Config.Labels}}', `ccbox-${name}`]).stdout);
  assert.equal(labels['xyz.texot.ccbox.schema_version'], '1');
  assert.equal(labels['xyz.texot.ccbox.agent_name'], name);
  // exec: runs in the workspace as the invoking user, stdin piped, exit code passed through.
  const e = ccdk(['exec', '-i', name, '--', 'sh', '-c', 'cat; pwd; id -u; cat $HOME/.claude-host/.claude/marker; exit 3'], { home, input: 'piped\n' });
  assert.equal(e.code, 3, e.stderr);
  assert.equal(e.stdout, `piped\n${ws}\n${process.getuid!()}\nfrom the host\n`);
  // The container's own ~/.claude is not the host's.
  assert.equal(ccdk(['exec', name, '--', 'sh', '-c', 'test -e $HOME/.claude/marker'], { home }).code, 1);
  // Files the container creates on the host belong to the invoking user.
  assert.equal(ccdk(['exec', name, '--', 'sh', '-c', 'mkdir -p $HOME/.claude-host/.claude/projects/x && echo y > $HOME/.claude-host/.claude/projects/x/f'], { home }).code, 0);
  assert.equal(statSync(join(home, '.claude', 'projects', 'x', 'f')).uid, process.getuid!());
  assert.equal(ccdk(['stop', name], { home }).code, 0);
  assert.equal(JSON.parse(ccdk(['status', name, '--json'], { home }).stdout).state, 'exited');
  assert.equal(ccdk(['rm', name], { home }).code, 0);
  assert.equal(docker(['inspect', `ccbox-${name}`]).code, 1);
  assert.equal(readFileSync(join(home, '.claude', 'projects', 'x', 'f'), 'utf8'), 'y\n', 'rm keeps host session data');
});

test("shared mode: the host's ~/.claude is the container's", { skip }, () => {
  ensureTestImage();
  const name = `${tag}-shared`;
  const { home, ws } = setup(name);
  assert.equal(ccdk(['start', '-i', name, '--shared', '--network', 'none', '--', 'sleep', '600'], { cwd: ws, home }).code, 0);
  const w = ccdk(['exec', name, '--', 'sh', '-c', 'mkdir -p $HOME/.claude/projects/-w && echo line >> $HOME/.claude/projects/-w/s.jsonl'], { home });
  assert.equal(w.code, 0, w.stderr);
  assert.equal(readFileSync(join(home, '.claude', 'projects', '-w', 's.jsonl'), 'utf8'), 'line\n');
  assert.equal(JSON.parse(ccdk(['status', name, '--json'], { home }).stdout).mode, 'shared');
});

test('clear errors: bad names, unknown instances, no engine', { skip }, () => {
  const bad = ccdk(['start', '-i', 'bad--name']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid instance name "bad--name": it must not contain "--"/);
  const noImage = ccdk(['start', '-i', `${tag}-noimg`, '--image', 'ccbox:does-not-exist'], { cwd: root, home: join(root, '..', 'noimg-home') });
  assert.equal(noImage.code, 2);
  assert.match(noImage.stderr, /image ccbox:does-not-exist is not here: build it with ccdk build/);
  const unknown = ccdk(['stop', 'no-such-instance-here']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no ccbox instance named no-such-instance-here/);
  const none = ccdk(['list'], { env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no container engine is reachable .* start one/);
});

test('start checks what it started: a missing command fails with its exit code, log and a hint; a monitor that never answers fails; a running one is said so', { skip, timeout: 120_000 }, () => {
  ensureTestImage();
  const name = `${tag}-chk`;
  const { home, ws } = setup(name);
  const missing = ccdk(['start', '-i', name, '--network', 'none', 'no-such-command'], { cwd: ws, home });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`ccbox-${name} stopped right after starting \\(exit 127\\): its command was not found\\. If that is claude: this image has no Claude Code`));
  assert.match(missing.stderr, /last lines of its log:\n {4}.*no-such-command/);
  assert.equal(ccdk(['rm', '-i', name], { home }).code, 0);

  assert.equal(ccdk(['start', '-i', name, '--network', 'none', 'sleep', '600'], { cwd: ws, home }).code, 0);
  const again = ccdk(['start', '-i', name], { home });
  assert.equal(again.code, 0);
  assert.match(again.stdout, /is already running/);
  assert.equal(ccdk(['rm', '-f', '-i', name], { home }).code, 0);

  // An image whose session monitor is gone: the container runs, the monitor never answers.
  const broken = `${TEST_IMAGE}-nomonitor`;
  const ctx = join(root, 'nomonitor');
  mkdirSync(ctx, { recursive: true });
  writeFileSync(join(ctx, 'Dockerfile'), `FROM ${TEST_IMAGE}\nRUN rm /opt/ccorc/dist/src/daemon/session-monitor.js\n`);
  assert.equal(docker(['build', '--quiet', '--tag', broken, ctx]).code, 0);
  const nomon = ccdk(['start', '-i', name, '--network', 'none', '--image', broken, 'sleep', '600'], { cwd: ws, home });
  assert.equal(nomon.code, 1);
  assert.match(nomon.stderr, /runs, but its session monitor did not come up within 10 s, so its sessions are not reaching the host\. Try ccdk restart -i/);
  docker(['rmi', '--force', broken]);
});

test('a workspace whose path holds a comma and spaces: labels read back whole, exec runs there', { skip }, () => {
  ensureTestImage();
  const name = `${tag}-comma`;
  const { home } = setup(name);
  const ws = join(root, 'a,b c=d');
  mkdirSync(ws, { recursive: true });
  assert.equal(ccdk(['start', '-i', name, '--network', 'none', 'sleep', '600'], { cwd: ws, home }).code, 0);
  const listed = JSON.parse(ccdk(['list', '--json'], { home }).stdout).find((c: any) => c.instance === name);
  assert.equal(listed.workspace, ws);
  const pwd = ccdk(['exec', '-i', name, 'pwd'], { home });
  assert.equal(pwd.code, 0, pwd.stderr);
  assert.equal(pwd.stdout.trim(), ws);
});
