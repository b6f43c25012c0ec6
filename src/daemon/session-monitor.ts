#!/usr/bin/env node
/**
 * The session monitor daemon, run by the container's Node in isolated mode (the entrypoint starts
 * it before the agent). It restores this instance's host folders into the container, creates the
 * workspace's host folder, then mirrors every project folder to the host (mirror.ts) on file-system
 * events and once a second.
 *
 * "Is a monitor running" is answered by a kernel-held lock, never by a file: the monitor binds an
 * abstract Unix socket named after its instance and target (monitor-lock.ts). The kernel frees the
 * name when the process dies, so nothing left behind by `docker stop` or `kill -9` can fake a
 * running monitor, and two monitors can never mirror the same folders at once (both would append).
 *
 * Modes: the monitor itself (title `session_monitor`); `--keep`, a keeper (title `session_keeper`)
 * that starts a monitor whenever none answers, so a killed monitor is back within a second or two;
 * `--background`, what the entrypoint runs: starts a keeper unless one runs, and returns once a
 * monitor has finished its first pass (so the agent starts after the workspace is set up);
 * `--status`: exit 0 and the monitor's pid when one answers, else exit 1; `--stop`: ends the keeper,
 * then the monitor, which makes a last pass first (the entrypoint runs it when the agent has ended).
 * The PID file (/var/run/session_monitor.pid) is written for people and scripts (`kill $(cat …)`);
 * nothing here trusts it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Mirror } from './mirror.js';
import { holdLock, lockName, queryLock, type LockAnswer } from './monitor-lock.js';

type Role = 'monitor' | 'keep' | 'background' | 'status' | 'stop' | 'once';

interface Args {
  role: Role;
  source: string;
  target: string;
  instance: string;
  pidFile: string;
  logFile: string;
  intervalMs: number;
  /** What the keeper passes on to the monitors it starts. */
  passOn: string[];
}

function parseArgs(argv: string[]): Args {
  const home = process.env.HOME || homedir();
  const a: Args = {
    role: 'monitor',
    source: join(home, '.claude', 'projects'),
    target: join(home, '.claude-host', '.claude', 'projects'),
    instance: process.env.CCBOX_INSTANCE ?? '',
    pidFile: process.env.CCBOX_MONITOR_PID ?? '/var/run/session_monitor.pid',
    logFile: process.env.CCBOX_MONITOR_LOG ?? '/var/log/session_monitor.log',
    intervalMs: 1000,
    passOn: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = () => {
      const value = argv[++i] ?? '';
      a.passOn.push(k, value);
      return value;
    };
    if (k === '--background') a.role = 'background';
    else if (k === '--keep') a.role = 'keep';
    else if (k === '--status') a.role = 'status';
    else if (k === '--stop') a.role = 'stop';
    else if (k === '--once') a.role = 'once';
    else if (k === '--wait-ready') continue; // --background always waits; kept for old entrypoints
    else if (k === '--source') a.source = v();
    else if (k === '--target') a.target = v();
    else if (k === '--instance') a.instance = v();
    else if (k === '--pid-file') a.pidFile = v();
    else if (k === '--log') a.logFile = v();
    else if (k === '--interval-ms') a.intervalMs = Number(v());
    else throw new Error(`session_monitor: unknown argument ${k}`);
  }
  if (!a.instance) throw new Error('session_monitor: no instance (set CCBOX_INSTANCE or pass --instance)');
  return a;
}

function logger(file: string): (s: string) => void {
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch {
    // reported by the first failed write, which is ignored too
  }
  return (s: string) => {
    try {
      appendFileSync(file, `${new Date().toISOString()} session_monitor[${process.pid}]: ${s}\n`);
    } catch {
      // A log that cannot be written must not stop the mirroring.
    }
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SELF = fileURLToPath(import.meta.url);

async function status(a: Args): Promise<void> {
  const answer = await queryLock(lockName('monitor', a.instance, a.target));
  if (answer) process.stdout.write(`session_monitor running (pid ${answer.pid}${answer.ready ? '' : ', first pass not done yet'})\n`);
  else process.stdout.write('session_monitor is not running\n');
  process.exitCode = answer?.ready ? 0 : 1;
}

/** Ends the keeper (so it starts no other), then the monitor, and waits for its last pass. */
async function stopAll(a: Args): Promise<void> {
  const keeper = await queryLock(lockName('keep', a.instance, a.target));
  if (keeper) process.kill(keeper.pid, 'SIGTERM');
  const running = await queryLock(lockName('monitor', a.instance, a.target));
  if (!running) return;
  process.kill(running.pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (!(await queryLock(lockName('monitor', a.instance, a.target)))) return;
    await sleep(50);
  }
  throw new Error(`session_monitor (pid ${running.pid}) did not stop within 10 s; see ${a.logFile}`);
}

/** Starts a keeper unless one runs, then waits for a monitor that has done its first pass. */
async function background(a: Args): Promise<void> {
  let keeper: ChildProcess | null = null;
  if (!(await queryLock(lockName('keep', a.instance, a.target)))) {
    keeper = spawn(process.execPath, [SELF, '--keep', ...a.passOn], { detached: true, stdio: 'ignore' });
    keeper.unref();
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const answer: LockAnswer | null = await queryLock(lockName('monitor', a.instance, a.target));
    if (answer?.ready) return;
    if (keeper && keeper.exitCode !== null) throw new Error(`session_monitor's keeper exited at start (code ${keeper.exitCode}); see ${a.logFile}`);
    await sleep(50);
  }
  throw new Error(`session_monitor did not become ready in 15 s; see ${a.logFile}`);
}

/** Keeps one monitor running: starts one whenever none answers (killed, crashed, never started). */
async function keep(a: Args): Promise<void> {
  process.title = 'session_keeper';
  const log = logger(a.logFile);
  const held = await holdLock(lockName('keep', a.instance, a.target), () => ({ pid: process.pid, ready: true }));
  if (!held) return; // another keeper runs
  let child: ChildProcess | null = null;
  let failures = 0;
  for (;;) {
    const running = await queryLock(lockName('monitor', a.instance, a.target));
    if (running) failures = 0;
    else if (!child || child.exitCode !== null || child.signalCode !== null) {
      if (child) {
        // A monitor that failed on its own (not one that was killed) counts towards the slower pace.
        failures = child.exitCode !== null && child.exitCode !== 0 ? failures + 1 : 0;
        log(`the monitor (pid ${child.pid}) ended (${child.signalCode ?? `exit ${child.exitCode}`}); starting another`);
      }
      child = spawn(process.execPath, [SELF, ...a.passOn], { stdio: 'ignore' });
    }
    // A monitor that keeps failing at start is retried less often, not in a tight loop.
    await sleep(failures > 3 ? 5000 : 500);
  }
}

async function monitor(a: Args): Promise<void> {
  const log = logger(a.logFile);
  let ready = false;
  const held = a.role === 'once' ? true : await holdLock(lockName('monitor', a.instance, a.target), () => ({ pid: process.pid, ready }));
  if (!held) {
    log('another session_monitor is running for this instance; exiting');
    return;
  }
  if (a.role !== 'once') process.title = 'session_monitor';
  const mirror = new Mirror({
    source: a.source,
    target: a.target,
    instance: a.instance,
    metadata: {
      instance: a.instance,
      container: process.env.HOSTNAME,
      context: process.env.CCBOX_CONTEXT ?? null,
      agent: process.env.CCBOX_AGENT ?? a.instance,
      role: process.env.CCBOX_ROLE ?? null,
      host: process.env.CCBOX_HOST,
      mode: 'isolated',
    },
    log,
  });
  mkdirSync(a.source, { recursive: true });
  const restored = mirror.restore();
  if (process.env.CCBOX_WORKSPACE) mirror.prelink(process.env.CCBOX_WORKSPACE);
  const first = mirror.pass();
  log(`started: ${a.source} → ${a.target} (instance ${a.instance}); restored ${restored} file(s); first pass ${first.files} file(s), ${first.bytes} new byte(s)`);
  for (const name of safeList(a.source)) log(`linking ${join(a.source, name)} → ${join(a.target, `ccbox-${a.instance}-${name}`)}`);
  if (a.role === 'once') return;
  try {
    mkdirSync(dirname(a.pidFile), { recursive: true });
    writeFileSync(a.pidFile, `${process.pid}\n`);
  } catch (err) {
    log(`could not write ${a.pidFile}: ${(err as Error).message}`);
  }
  ready = true;

  const watchers = new Map<string, FSWatcher>();
  const known = new Set(safeList(a.source));
  let pending: NodeJS.Timeout | null = null;
  const run = () => {
    pending = null;
    const s = mirror.pass();
    if (s.bytes > 0) log(`copied ${s.bytes} byte(s) in ${s.files} file(s)`);
    for (const name of safeList(a.source))
      if (!known.has(name)) {
        known.add(name);
        log(`linking ${join(a.source, name)} → ${join(a.target, `ccbox-${a.instance}-${name}`)}`);
      }
    watchAll();
  };
  const schedule = () => {
    if (!pending) pending = setTimeout(run, 20);
  };
  // Every folder under the source is watched (folders appear as agents work); the timer catches the rest.
  const watchAll = () => {
    const walk = (dir: string, depth: number) => {
      if (!watchers.has(dir)) {
        try {
          const w = watch(dir, schedule);
          w.on('error', () => {
            w.close();
            watchers.delete(dir);
          });
          watchers.set(dir, w);
        } catch {
          return;
        }
      }
      if (depth > 3) return;
      try {
        for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name), depth + 1);
      } catch {
        // vanished
      }
    };
    walk(a.source, 0);
  };
  watchAll();
  const timer = setInterval(run, a.intervalMs);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      clearInterval(timer);
      if (pending) clearTimeout(pending);
      for (const w of watchers.values()) w.close();
      const s = mirror.pass();
      log(`${sig}: last pass copied ${s.bytes} byte(s); stopping`);
      try {
        if (existsSync(a.pidFile) && readFileSync(a.pidFile, 'utf8').trim() === String(process.pid)) rmSync(a.pidFile);
      } catch {
        // already gone
      }
      resolve();
      process.exit(0);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (a.role === 'status') return status(a);
  if (a.role === 'background') return background(a);
  if (a.role === 'keep') return keep(a);
  if (a.role === 'stop') return stopAll(a);
  return monitor(a);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
});
