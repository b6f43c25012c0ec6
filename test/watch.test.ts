/**
 * ccost watch: a snapshot with --once, and the live view driven in a real terminal (tmux): it shows
 * an update after a write and quits on q, restoring the terminal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ccost } from './helpers/cli.js';
import { CCOST } from './helpers/paths.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-watch-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

// 100,000 Sonnet 4.5 output tokens: $1.50.
const line = (id: string, ts: string) =>
  JSON.stringify({ type: 'assistant', timestamp: ts, sessionId: 's', requestId: `r_${id}`, message: { id, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 0, output_tokens: 100_000 } } });

test('watch --once: today, month, active block, agents, models and budget', () => {
  const data = join(root, 'once');
  mkdirSync(join(data, 'projects', 'ccbox-bot--w'), { recursive: true });
  appendFileSync(join(data, 'projects', 'ccbox-bot--w', 's.jsonl'), [line('a', '2025-10-01T10:05:00Z'), line('b', '2025-10-01T10:35:00Z'), line('c', '2025-09-30T10:00:00Z')].join('\n') + '\n');
  const r = ccost(['watch', '--once', '--dir', data, '-z', 'UTC', '--now', '2025-10-01T11:05:00Z', '--daily-budget', '4']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Today\s+\$3\.00\s+200K tokens/);
  assert.match(r.stdout, /This month\s+\$3\.00/); // September's line is another month
  assert.match(r.stdout, /Burn rate\s+\$3\.00\/h/); // $3.00 over the hour since 10:05
  assert.match(r.stdout, /Block\s+10:00–15:00 .* 22%\s+\$3\.00/);
  assert.match(r.stdout, /Projected\s+\$14\.75/); // $3.00 + $3/h for the 3 h 55 min left = $3.00 + $11.75
  assert.match(r.stdout, /Budget\s+daily \$3\.00 of \$4\.00 \(75%\)/);
  assert.match(r.stdout, /bot\s+\$3\.00\s+200K/);
  assert.match(r.stdout, /sonnet-4-5\s+\$3\.00/);
});

const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });
const noTmux = tmux('-V').status === 0 ? false : 'SKIPPED LOUDLY: tmux is not installed (.ci/run installs it)';
if (noTmux) console.warn(noTmux);

test('watch in a real terminal: updates after a write, q quits and restores the screen', { skip: noTmux }, async () => {
  const data = join(root, 'live');
  const proj = join(data, 'projects', '-w');
  mkdirSync(proj, { recursive: true });
  const file = join(proj, 's.jsonl');
  appendFileSync(file, line('x1', new Date().toISOString()) + '\n');
  const session = `ccost-watch-${process.pid}`;
  const cmd = `TZ=UTC ${process.execPath} ${CCOST} watch --dir ${data} --ledger ${join(root, 'live.db')}; echo WATCH-EXITED-$?; sleep 30`;
  assert.equal(tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', cmd).status, 0);
  try {
    const screen = () => tmux('capture-pane', '-p', '-t', session).stdout;
    const waitFor = async (re: RegExp, ms = 8000) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if (re.test(screen())) return;
        await sleep(50);
      }
      assert.fail(`screen never matched ${re}:\n${screen()}`);
    };
    await waitFor(/Today\s+\$1\.50/);
    await sleep(300); // the follower is set up once the first frame is drawn
    const wrote = Date.now();
    appendFileSync(file, line('x2', new Date().toISOString()) + '\n');
    await waitFor(/Today\s+\$3\.00/, 3000);
    const latency = Date.now() - wrote;
    assert.ok(latency < 2000, `update took ${latency} ms`);
    tmux('send-keys', '-t', session, 'q');
    await waitFor(/WATCH-EXITED-0/);
    assert.doesNotMatch(screen(), /Today\s+\$3\.00/, 'the alternate screen is gone');
  } finally {
    tmux('kill-session', '-t', session);
  }
});
