#!/usr/bin/env node
/**
 * The session monitor daemon, run by the container's Node in isolated mode (the entrypoint starts
 * it before the agent). It restores this instance's host folders into the container, creates the
 * workspace's host folder, then mirrors every project folder to the host (mirror.ts) on file-system
 * events and once a second.
 *
 * Process: title `session_monitor`, PID file (a stale one, whose process is gone, is replaced), log
 * file; SIGTERM or SIGINT: one last pass, then a clean exit. `--background` starts a detached copy
 * and returns once it is ready (its first pass done), so the agent starts after the workspace is set up.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Mirror } from './mirror.js';

interface Args {
  background: boolean;
  once: boolean;
  source: string;
  target: string;
  instance: string;
  pidFile: string;
  logFile: string;
  intervalMs: number;
}

function parseArgs(argv: string[]): Args {
  const home = process.env.HOME || homedir();
  const a: Args = {
    background: false,
    once: false,
    source: join(home, '.claude', 'projects'),
    target: join(home, '.claude-host', '.claude', 'projects'),
    instance: process.env.CCBOX_INSTANCE ?? '',
    pidFile: process.env.CCBOX_MONITOR_PID ?? '/var/run/session_monitor.pid',
    logFile: process.env.CCBOX_MONITOR_LOG ?? '/var/log/session_monitor.log',
    intervalMs: 1000,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => argv[++i] ?? '';
    if (k === '--background') a.background = true;
    else if (k === '--wait-ready') continue; // --background always waits
    else if (k === '--once') a.once = true;
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('session-monitor') || readFileSync(`/proc/${pid}/comm`, 'utf8').includes('session_monitor');
  } catch {
    return true;
  }
}

function runningPid(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return pid > 0 && pid !== process.pid && alive(pid) ? pid : null;
  } catch {
    return null;
  }
}

async function background(a: Args, argv: string[]): Promise<void> {
  if (runningPid(a.pidFile)) return;
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [self, ...argv.filter((x) => x !== '--background' && x !== '--wait-ready')], { detached: true, stdio: 'ignore' });
  child.unref();
  for (let i = 0; i < 200; i++) {
    if (runningPid(a.pidFile) === child.pid) return;
    if (child.exitCode !== null) throw new Error(`session_monitor exited at start (code ${child.exitCode}); see ${a.logFile}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`session_monitor did not become ready in 10 s; see ${a.logFile}`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const a = parseArgs(argv);
  if (a.background) return background(a, argv);
  process.title = 'session_monitor';
  mkdirSync(dirname(a.logFile), { recursive: true });
  const log = (s: string) => {
    try {
      appendFileSync(a.logFile, `${new Date().toISOString()} [${process.pid}] ${s}\n`);
    } catch {
      // A log that cannot be written must not stop the mirroring.
    }
  };
  const other = runningPid(a.pidFile);
  if (other && !a.once) {
    log(`another session_monitor (pid ${other}) is running; exiting`);
    return;
  }
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
  if (a.once) return;
  if (existsSync(a.pidFile) && !other) log(`replacing a stale PID file ${a.pidFile}`);
  mkdirSync(dirname(a.pidFile), { recursive: true });
  writeFileSync(a.pidFile, `${process.pid}\n`);

  const watchers = new Map<string, FSWatcher>();
  let pending: NodeJS.Timeout | null = null;
  const run = () => {
    pending = null;
    const s = mirror.pass();
    if (s.bytes > 0) log(`copied ${s.bytes} byte(s) in ${s.files} file(s)`);
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
        if (readFileSync(a.pidFile, 'utf8').trim() === String(process.pid)) rmSync(a.pidFile);
      } catch {
        // already gone
      }
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
});
