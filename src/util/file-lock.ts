/**
 * An owned lock file (the team registry, the guard's state). The file names its owner (host, pid, the process's
 * start time and a random token): only the owner removes it, and a lock is taken over only when its
 * owner is gone (no such process, or a different process under that pid), never for being old, so a
 * slow owner is waited for, not robbed. Taking over goes through a second, short-lived lock, so two
 * waiters cannot both remove the same stale lock, the second one removing the first one's new lock.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { sleepSync } from './sleep-sync.js';

export interface LockOwner {
  host: string;
  pid: number;
  /** The process's start time (Linux: clock ticks since boot); null where it cannot be read. */
  start: string | null;
  token: string;
}

/** A process's start time, which tells a live owner from a later process that got its pid. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces and parentheses) start after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(o: LockOwner): boolean {
  if (o.host !== hostname()) return true; // not ours to judge: wait for it
  try {
    process.kill(o.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  return o.start === null || processStart(o.pid) === o.start;
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return typeof o.pid === 'number' && typeof o.token === 'string' ? o : null;
  } catch {
    return null;
  }
}

function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** A lock file being written (no owner readable yet) is given this long before it counts as junk. */
const UNREADABLE_GRACE_MS = 5000;
/** The take-over lock is held for a few file operations; older than this, its holder died. */
const BREAKER_STALE_MS = 10_000;

/** Removes `lock` if it still has the dead owner `seen` (or is still unreadable junk). */
function takeOver(lock: string, seen: LockOwner | null): void {
  const breaker = `${lock}.takeover`;
  if (!createExclusive(breaker, `${process.pid}\n`)) {
    if (ageMs(breaker) > BREAKER_STALE_MS) rmSync(breaker, { force: true });
    return;
  }
  try {
    const now = readOwner(lock);
    if ((seen === null && now === null) || (seen !== null && now !== null && now.token === seen.token)) rmSync(lock, { force: true });
  } finally {
    rmSync(breaker, { force: true });
  }
}

export class LockTimeout extends Error {}

export interface HeldLock {
  owner: LockOwner;
  release(): void;
}

export function acquire(lock: string, timeoutMs = 60_000, wait: (ms: number) => void = sleepSync): HeldLock {
  const owner: LockOwner = { host: hostname(), pid: process.pid, start: processStart(process.pid), token: randomBytes(12).toString('hex') };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (createExclusive(lock, JSON.stringify(owner) + '\n')) {
      return {
        owner,
        release: () => {
          if (readOwner(lock)?.token === owner.token) rmSync(lock, { force: true });
        },
      };
    }
    const holder = readOwner(lock);
    if (holder ? !alive(holder) : ageMs(lock) > UNREADABLE_GRACE_MS) takeOver(lock, holder);
    else if (Date.now() > deadline)
      throw new LockTimeout(`${lock} is held${holder ? ` by process ${holder.pid} on ${holder.host}` : ''} and was not released within ${Math.round(timeoutMs / 1000)} s; if that process is stuck, end it`);
    wait(10 + Math.random() * 20);
  }
}

