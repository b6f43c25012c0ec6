/**
 * What alerts have been delivered, so a restart does not send them again: per rule and period, the
 * highest level delivered. A notification that no channel took stays due; it is tried again on a
 * later evaluation, after a pause that doubles each time (from 5 s up to 5 min).
 */
import { join } from 'node:path';
import type { AlertResult, Level } from './alerts.js';
import { readStateFile, stateDir, writeStateFile } from './state-file.js';

const RANK: Record<Level, number> = { ok: 0, warning: 1, exceeded: 2 };
const KEEP = 500;
const FIRST_RETRY_MS = 5000;
const LAST_RETRY_MS = 300_000;

export function defaultStatePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'alert-state.json');
}

interface StateDoc {
  sent: Record<string, Level>;
}

const isDoc = (v: unknown): v is StateDoc => typeof v === 'object' && v !== null && typeof (v as StateDoc).sent === 'object' && (v as StateDoc).sent !== null && !Array.isArray((v as StateDoc).sent);

export class AlertState {
  private sent: Record<string, Level>;
  /** Failed deliveries: when each may be tried again, and the pause before the next try after that. */
  private readonly retry = new Map<string, { at: number; pause: number }>();

  constructor(
    readonly path: string,
    log: (s: string) => void = () => {},
  ) {
    this.sent = readStateFile(path, isDoc, log)?.sent ?? {};
  }

  /** The results that reach a higher level than already delivered for their rule and period, and whose retry pause is over. */
  due(results: readonly AlertResult[], now = Date.now()): AlertResult[] {
    return results.filter((r) => {
      const key = `${r.rule}|${r.period}`;
      // An action the guard took is news even at a level already sent (a raised budget crossed again).
      if (r.level === 'ok' || (!r.action && RANK[r.level] <= RANK[this.sent[key] ?? 'ok'])) return false;
      return (this.retry.get(key)?.at ?? 0) <= now;
    });
  }

  /** When the next failed delivery may be tried again (null: none waits). */
  nextRetry(): number | null {
    let next: number | null = null;
    for (const { at } of this.retry.values()) if (next === null || at < next) next = at;
    return next;
  }

  failed(r: AlertResult, now = Date.now()): void {
    const key = `${r.rule}|${r.period}`;
    const pause = this.retry.get(key)?.pause ?? FIRST_RETRY_MS;
    this.retry.set(key, { at: now + pause, pause: Math.min(pause * 2, LAST_RETRY_MS) });
  }

  record(r: AlertResult): void {
    const key = `${r.rule}|${r.period}`;
    this.retry.delete(key);
    delete this.sent[key]; // re-insert last: the oldest entries are pruned first
    this.sent[key] = r.level;
    const keys = Object.keys(this.sent);
    for (const k of keys.slice(0, Math.max(0, keys.length - KEEP))) delete this.sent[k];
    writeStateFile(this.path, { sent: this.sent });
  }
}
