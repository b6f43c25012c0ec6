import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createArgs, passThroughEnv } from '../src/docker/spec.js';
import { parseMounts } from '../src/docker/mounts.js';

const base = { instance: 'my-agent', image: 'img', workspace: '/work/app', hostHome: '/home/u', user: { uid: 1000, gid: 100 }, hostName: 'h1' };
const pairs = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

test('isolated: the host ~/.claude under ~/.claude-host, workspace at the same path, labels, user', () => {
  const args = createArgs({ ...base, mode: 'isolated', context: 'ctx', role: 'lead' });
  assert.deepEqual(args.slice(0, 3), ['create', '--name', 'ccbox-my-agent']);
  assert.deepEqual(pairs(args, '--volume'), ['/home/u/.claude:/home/agent/.claude-host/.claude', '/home/u/.claude.json:/home/agent/.claude-host/.claude.json', '/work/app:/work/app']);
  assert.ok(pairs(args, '--label').includes('xyz.texot.ccbox.mode=isolated'));
  assert.ok(pairs(args, '--label').includes('xyz.texot.ccbox.context=ctx'));
  assert.deepEqual(pairs(args, '--user'), ['1000:100']);
  assert.deepEqual(pairs(args, '--workdir'), ['/work/app']);
  assert.deepEqual(pairs(args, '--network'), ['host']);
});

test('shared: the host ~/.claude is the container\'s; extra mounts, model and command', () => {
  const args = createArgs({ ...base, mode: 'shared', model: 'claude-opus-4-6', network: 'none', mounts: ['/data:/data:ro'], command: ['claude', '--resume'] });
  assert.deepEqual(pairs(args, '--volume').slice(0, 2), ['/home/u/.claude:/home/agent/.claude', '/home/u/.claude.json:/home/agent/.claude.json']);
  assert.ok(pairs(args, '--volume').includes('/data:/data:ro'));
  assert.ok(pairs(args, '--env').includes('ANTHROPIC_MODEL=claude-opus-4-6'));
  assert.deepEqual(args.slice(-3), ['img', 'claude', '--resume']);
  assert.ok(!args.includes('--tty'));
  assert.ok(createArgs({ ...base, mode: 'shared', tty: true }).includes('--tty'));
});

test('instance names are validated', () => {
  assert.throws(() => createArgs({ ...base, instance: 'a--b', mode: 'isolated' }), /must not contain "--"/);
});

test('environment pass-through: Anthropic, Claude Code, proxies, locale, TZ only', () => {
  assert.deepEqual(passThroughEnv({ ANTHROPIC_API_KEY: 'k', CLAUDE_CODE_USE_BEDROCK: '1', HTTPS_PROXY: 'p', LANG: 'C', TZ: 'UTC', PATH: '/bin', HOME: '/h', SECRET: 's' }), {
    ANTHROPIC_API_KEY: 'k', CLAUDE_CODE_USE_BEDROCK: '1', HTTPS_PROXY: 'p', LANG: 'C', TZ: 'UTC',
  });
});

test('.ccbox/mounts: relative host paths, comments, bad lines named', () => {
  assert.deepEqual(parseMounts('# cache\ncache:/cache\n/abs:/x:ro\n', '/w'), ['/w/cache:/cache', '/abs:/x:ro']);
  assert.throws(() => parseMounts('nocolon\n', '/w'), /not host:\/container\/path/);
  assert.throws(() => parseMounts('a:relative\n', '/w'), /not host:\/container\/path/);
});
