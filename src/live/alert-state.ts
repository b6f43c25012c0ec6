/**
 * What alerts have been sent, so a restart does not send them again: per rule and period, the
 * highest level notified. Written atomically (temp file + rename).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AlertResult, Level } from './alerts.js';

const RANK: Record<Level, number> = { ok: 0, warning: 1, exceeded: 2 };
const KEEP = 500;

export function defaultStatePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'ccorc', 'alert-state.json');
}

export class AlertState {
  private sent: Record<string, Level> = {};

  constructor(readonly path: string) {
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as { sent?: Record<string, Level> };
      if (parsed && typeof parsed.sent === 'object' && parsed.sent) this.sent = parsed.sent;
    } catch {
      // No state yet, or unreadable: start empty (at worst an alert is sent once more).
    }
  }

  /** The results that reach a higher level than already notified for their rule and period. */
  due(results: readonly AlertResult[]): AlertResult[] {
    return results.filter((r) => r.level !== 'ok' && RANK[r.level] > RANK[this.sent[`${r.rule}|${r.period}`] ?? 'ok']);
  }

  record(r: AlertResult): void {
    const key = `${r.rule}|${r.period}`;
    delete this.sent[key]; // re-insert last: the oldest entries are pruned first
    this.sent[key] = r.level;
    const keys = Object.keys(this.sent);
    for (const k of keys.slice(0, Math.max(0, keys.length - KEEP))) delete this.sent[k];
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ sent: this.sent }, null, 1) + '\n');
    renameSync(tmp, this.path);
  }
}
