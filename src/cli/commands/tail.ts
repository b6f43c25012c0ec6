/**
 * ccost tail: a stream of usage events as they are written.
 */
import { Command } from 'commander';
import { Tailer, type TailEvent } from '../../live/tailer.js';
import { agentOf, eventCost } from '../../usage/aggregate.js';
import { unitsToUsd } from '../../usage/money.js';
import type { Pricing } from '../../usage/pricing.js';
import { embeddedPricing } from '../../usage/prices-file.js';
import type { CostMode } from '../../usage/types.js';
import { formatCost, formatInt, shortModel } from '../../reports/format.js';
import { addSourceOptions, dirsOf, type SourceOptions } from '../common.js';

/** One response often costs less than a cent: $0.0045 must not read $0.00. */
function tailCost(n: number): string {
  return n > 0 && n < 0.995 ? `$${n.toFixed(4)}` : formatCost(n);
}

interface TailOptions extends SourceOptions {
  json?: boolean;
  fromStart?: boolean;
}

export function tailCommand(program: Command): void {
  const cmd = program
    .command('tail')
    .description('stream usage events as agents write them (one line each; Ctrl-C stops)')
    .option('-j, --json', 'one JSON object per line: timestamp, messageId, agent, team, project, sessionId, model, token counts, totalTokens, cost')
    .option('--from-start', 'first replay the events already in the files');
  addSourceOptions(cmd).action(runTail);
}

export function tailRecord(t: TailEvent, mode: CostMode, pricing: Pricing): Record<string, unknown> {
  const e = t.event;
  const write = e.cacheWrite5mTokens + e.cacheWrite1hTokens;
  return {
    timestamp: new Date(e.timestamp).toISOString(),
    messageId: e.messageId,
    agent: agentOf(t.file),
    team: t.file.team,
    project: t.file.project,
    sessionId: e.sessionId ?? t.file.pathSessionId,
    model: e.model,
    inputTokens: e.inputTokens,
    outputTokens: e.outputTokens,
    cacheCreationTokens: write,
    cacheReadTokens: e.cacheReadTokens,
    totalTokens: e.inputTokens + e.outputTokens + write + e.cacheReadTokens + e.unsplitTokens,
    cost: unitsToUsd(eventCost(e, mode, pricing).units),
    subagent: e.subagent,
    ...(t.replaces ? { replaces: true } : {}),
  };
}

async function runTail(opts: TailOptions): Promise<void> {
  const pricing = embeddedPricing();
  const tailer = new Tailer({ dirs: dirsOf(opts), fromStart: Boolean(opts.fromStart) }, (events) => {
    const lines = events
      .filter((t) => (!opts.agent || agentOf(t.file) === opts.agent) && (!opts.project || t.file.project === opts.project))
      .map((t) => {
        const r = tailRecord(t, opts.mode, pricing);
        if (opts.json) return JSON.stringify(r);
        const model = r.model ? shortModel(String(r.model)) : '-';
        return `${String(r.timestamp).slice(0, 19).replace('T', ' ')}  ${String(r.agent).padEnd(14)} ${model.padEnd(12)} ${formatInt(Number(r.totalTokens)).padStart(11)} ${tailCost(Number(r.cost)).padStart(9)}${t.replaces ? '  (update)' : ''}`;
      });
    if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
  });
  await tailer.start();
  process.stderr.write(`ccost tail: following the session files in ${dirsOf(opts).join(', ')} (Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      tailer.close();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stdout.on('error', stop); // a closed pipe (| head) ends the stream quietly
  });
}
