import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createArgs, passThroughEnv } from '../src/docker/spec.js';
import { homeArchive } from '../src/docker/home-archive.js';
import { parseMounts } from '../src/docker/mounts.js';

const base = { instance: 'my-agent', image: 'img', workspace: '/work/app', hostHome: '/home/u', user: { uid: 1000, gid: 100 }, hostName: 'h1' };
const pairs = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

test('isolated: the agent\'s home is the host home\'s path, the host ~/.claude under ~/.claude-host, workspace at the same path, labels, user', () => {
  const args = createArgs({ ...base, mode: 'isolated', context: 'ctx', role: 'lead' });
  assert.deepEqual(args.slice(0, 3), ['create', '--name', 'ccbox-my-agent']);
  assert.deepEqual(pairs(args, '--volume'), ['/home/u/.claude:/home/u/.claude-host/.claude', '/home/u/.claude.json:/home/u/.claude-host/.claude.json', '/work/app:/work/app']);
  assert.ok(pairs(args, '--env').includes('HOME=/home/u'));
  assert.ok(pairs(args, '--label').includes('xyz.texot.ccbox.home=/home/u'));
  assert.ok(pairs(args, '--label').includes('xyz.texot.ccbox.mode=isolated'));
  assert.ok(pairs(args, '--label').includes('xyz.texot.ccbox.context=ctx'));
  assert.deepEqual(pairs(args, '--user'), ['1000:100']);
  assert.deepEqual(pairs(args, '--workdir'), ['/work/app']);
  assert.deepEqual(pairs(args, '--network'), ['host']);
});

test('shared: the host ~/.claude is the container\'s; extra mounts, model and command', () => {
  const args = createArgs({ ...base, mode: 'shared', model: 'claude-opus-4-6', network: 'none', mounts: ['/data:/data:ro'], command: ['claude', '--resume'] });
  assert.deepEqual(pairs(args, '--volume').slice(0, 2), ['/home/u/.claude:/home/u/.claude', '/home/u/.claude.json:/home/u/.claude.json']);
  assert.ok(pairs(args, '--volume').includes('/data:/data:ro'));
  assert.ok(pairs(args, '--env').includes('ANTHROPIC_MODEL=claude-opus-4-6'));
  assert.deepEqual(args.slice(-3), ['img', 'claude', '--resume']);
  assert.ok(!args.includes('--tty'));
  assert.ok(createArgs({ ...base, mode: 'shared', tty: true }).includes('--tty'));
});

test('instance names are validated', () => {
  assert.throws(() => createArgs({ ...base, instance: 'a--b', mode: 'isolated' }), /must not contain "--"/);
});

test('an isolated workspace that holds the home folder is refused (the host ~/.claude would lie over the agent\'s)', () => {
  for (const workspace of ['/home/u', '/home', '/', '/home/u/'])
    assert.throws(() => createArgs({ ...base, workspace, mode: 'isolated' }), /holds your home folder/, workspace);
  assert.doesNotThrow(() => createArgs({ ...base, workspace: '/home/user2', mode: 'isolated' }));
  assert.doesNotThrow(() => createArgs({ ...base, workspace: '/home/u', mode: 'shared' }));
});

test('the home archive: ancestors root\'s, the home and its .claude the agent\'s, a valid tar', () => {
  const tar = homeArchive('/home/u', 1000, 100, 0);
  assert.equal(tar.length, 512 * 3 + 1024);
  const entries = [0, 1, 2].map((i) => {
    const h = tar.subarray(i * 512, i * 512 + 512);
    const field = (at: number, len: number) => h.subarray(at, at + len).toString('latin1').replace(/\0.*$/s, '').trim();
    let sum = 0;
    for (let j = 0; j < 512; j++) sum += j >= 148 && j < 156 ? 32 : h[j]!;
    assert.equal(parseInt(field(148, 8), 8), sum, 'checksum');
    return [field(0, 100), parseInt(field(100, 8), 8).toString(8), parseInt(field(108, 8), 8), parseInt(field(116, 8), 8), field(156, 1)].join(' ');
  });
  assert.deepEqual(entries, ['home/ 755 0 0 5', 'home/u/ 755 1000 100 5', 'home/u/.claude/ 700 1000 100 5']);
  assert.ok(tar.subarray(512 * 3).every((b) => b === 0), 'two zero blocks end it');
  assert.throws(() => homeArchive('/', 0, 0), /cannot be \//);
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
