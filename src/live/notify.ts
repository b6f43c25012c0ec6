/**
 * Delivering an alert: a command run without a shell (the alert as JSON on stdin and in
 * environment variables) and/or a webhook (JSON POST, retried with backoff). A failed delivery is
 * logged, never fatal.
 */
import { spawn } from 'node:child_process';
import type { AlertResult } from './alerts.js';

/** Splits a command line into words: whitespace separates, quotes group, backslash escapes. No expansion of any kind. */
export function splitCommand(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < cmd.length) cur += cmd[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unbalanced ${quote} in command: ${cmd}`);
  if (inWord) words.push(cur);
  return words;
}

export interface AlertPayload extends AlertResult {
  source: 'ccost';
  time: string;
}

export function payloadOf(r: AlertResult, now: number): AlertPayload {
  return { source: 'ccost', time: new Date(now).toISOString(), ...r };
}

/** Runs the command with the alert; true when it exited 0 (delivered). */
export function runExec(argv: string[], payload: AlertPayload, log: (s: string) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, {
      stdio: ['pipe', 'inherit', 'inherit'],
      env: {
        ...process.env,
        CCOST_ALERT_RULE: payload.rule,
        CCOST_ALERT_LEVEL: payload.level,
        CCOST_ALERT_VALUE: String(payload.value),
        CCOST_ALERT_LIMIT: String(payload.limit),
        CCOST_ALERT_PERIOD: payload.period,
        CCOST_ALERT_MESSAGE: payload.message,
        CCOST_ALERT_ACTION: payload.action ? `${payload.action.dryRun ? 'would ' : ''}${payload.action.kind} ${payload.action.containers.join(' ')}` : '',
      },
    });
    child.on('error', (err) => {
      log(`alert: --exec ${cmd} failed: ${err.message}`);
      resolve(false);
    });
    child.on('close', (code) => {
      if (code !== 0) log(`alert: --exec ${cmd} exited with code ${code}`);
      resolve(code === 0);
    });
    child.stdin!.on('error', () => {}); // a command that does not read its input is fine
    child.stdin!.end(JSON.stringify(payload) + '\n');
  });
}

export async function postWebhook(url: string, payload: AlertPayload, log: (s: string) => void, attempts = 4): Promise<boolean> {
  let delay = 500;
  for (let i = 1; i <= attempts; i++) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), signal: AbortSignal.timeout(5000) });
      if (res.ok) return true;
      log(`alert: webhook ${url} answered ${res.status} (attempt ${i} of ${attempts})`);
    } catch (err) {
      log(`alert: webhook ${url} failed: ${(err as Error).message} (attempt ${i} of ${attempts})`);
    }
    if (i < attempts) await new Promise((r) => setTimeout(r, delay));
    delay *= 2;
  }
  return false;
}
