/**
 * Container tests need a real engine and the offline test image. Without an engine they skip with a
 * loud reason (CI starts one: .ci/run).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export const CCDK = join(ROOT, 'dist', 'src', 'cli', 'ccdk.js');
export const TEST_IMAGE = 'ccbox:test';

export function engineMissing(): string | false {
  const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `SKIPPED LOUDLY: no Docker engine reachable (${(r.stderr || String(r.error)).trim().split('\n').pop()}); .ci/run installs and starts one`;
  return false;
}

export function ccdk(args: string[], opts: { cwd?: string; home?: string; input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [CCDK, ...args], {
    encoding: 'utf8',
    cwd: opts.cwd,
    input: opts.input,
    env: { ...process.env, ...(opts.home ? { HOME: opts.home } : {}), CCDK_IMAGE: TEST_IMAGE, ...opts.env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function docker(args: string[]) {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A stand-in for Claude Code (the real one needs the Anthropic API): `claude` writes three responses
 * the way Claude Code does (a partial line, then the final one, per message id) into the project
 * folder of its working directory, records its argv in the workspace, and, like the real one, waits
 * in its terminal when it has one and ends when its input is not a terminal.
 */
export const FAKE_CLAUDE = `#!/usr/bin/env node
const fs = require('fs'), path = require('path');
const who = process.env.CCBOX_AGENT || process.env.CCBOX_INSTANCE || 'host';
if (process.env.CLAUDE_CODE_FAKE_FAIL === who) { console.error('fake claude: told to fail'); process.exit(3); }
const ws = process.env.CCBOX_WORKSPACE || process.cwd();
fs.writeFileSync(path.join(ws, 'claude-argv-' + who.replace(/[^A-Za-z0-9]/g, '_') + '.json'), JSON.stringify(process.argv.slice(2)));
const session = 'fake-' + process.pid + '-' + Date.now();
const dir = path.join(process.env.HOME, '.claude', 'projects', process.cwd().replace(/[^A-Za-z0-9]/g, '-'));
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, session + '.jsonl');
for (let i = 0; i < 3; i++) {
  const line = (out) => JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), sessionId: session, cwd: process.cwd(), requestId: 'req_' + session + i, message: { id: 'msg_' + session + '_' + i, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 1000 + i, output_tokens: out, cache_read_input_tokens: 500 } } }) + '\\n';
  fs.appendFileSync(file, line(1));
  fs.appendFileSync(file, line(200 + i));
}
console.log('fake claude: wrote ' + file);
if (process.stdin.isTTY) setInterval(() => {}, 1 << 30);
`;

let built = false;
/** Builds the offline image once per test process, with the stand-in claude in it. */
export function ensureTestImage(): void {
  if (built) return;
  const bin = mkdtempSync(join(tmpdir(), 'fake-claude-'));
  writeFileSync(join(bin, 'claude'), FAKE_CLAUDE, { mode: 0o755 });
  const r = ccdk(['build', '--from-host', '--tag', TEST_IMAGE], { env: { PATH: `${bin}:${process.env.PATH}` } });
  rmSync(bin, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(`ccdk build --from-host failed: ${r.stderr}`);
  built = true;
}

/** A host home and a workspace for one test, with the agent script in the workspace. */
export function homeAndWorkspace(root: string, agentScript: string): { home: string; ws: string } {
  const home = join(root, 'home');
  const ws = join(root, 'ws');
  mkdirSync(home, { recursive: true });
  mkdirSync(ws, { recursive: true });
  writeFileSync(join(ws, 'agent.js'), agentScript);
  return { home, ws };
}

/**
 * What a test file of containers shares: why it must skip (said loudly), a temp folder, a tag for
 * unique names, and the instances it made, removed (with the folder) when the file's tests end.
 */
export function containerTestbed(prefix: string, tagLetter: string): { skip: string | false; root: string; tag: string; instances: string[] } {
  const skip = engineMissing();
  if (skip) console.warn(skip);
  const root = mkdtempSync(join(tmpdir(), prefix));
  const instances: string[] = [];
  test.after(() => {
    if (!skip) for (const i of instances) docker(['rm', '--force', `ccbox-${i}`]);
    rmSync(root, { recursive: true, force: true });
  });
  return { skip, root, tag: `${tagLetter}${process.pid}`, instances };
}
