/**
 * ccost tail: a stream of usage events as they are written, from the ledger's follower
 * (live/tail-feed.ts): it starts at the end, and reports each response once.
 */
import { Command } from 'commander';
import { TailFeed, type TailEvent } from '../../live/tail-feed.js';
import { LiveView } from '../../ledger/live-view.js';
import { scopeKeyOf } from '../../ledger/view.js';
import type { LedgerStore } from '../../ledger/store.js';
import { coalesce } from '../../live/coalesce.js';
import { PendingChanges } from '../../sessions/folder-watch.js';
import { agentOf, eventCost } from '../../usage/aggregate.js';
import { unitsToUsd } from '../../usage/money.js';
import type { Pricing } from '../../usage/pricing.js';
import { activePricing } from '../../usage/prices-file.js';
import type { CostMode } from '../../usage/types.js';
import { formatCost, formatInt, shortModel } from '../../reports/format.js';
import { addSourceOptions, dirsOf, followerLedger, followFolders, ledgerFaultNote, temporaryLedger, type SourceOptions } from '../common.js';

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
  const pricing = activePricing();
  const dirs = dirsOf(opts);
  const print = (events: TailEvent[]) => {
    const lines = events
      .filter((t) => (!opts.agent || agentOf(t.file) === opts.agent) && (!opts.project || t.file.project === opts.project))
      .map((t) => {
        const r = tailRecord(t, opts.mode, pricing);
        if (opts.json) return JSON.stringify(r);
        const model = r.model ? shortModel(String(r.model)) : '-';
        return `${String(r.timestamp).slice(0, 19).replace('T', ' ')}  ${String(r.agent).padEnd(14)} ${model.padEnd(12)} ${formatInt(Number(r.totalTokens)).padStart(11)} ${tailCost(Number(r.cost)).padStart(9)}${t.replaces ? '  (update)' : ''}`;
      });
    if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
  };
  let store: LedgerStore = followerLedger(opts);
  const feedOn = (s: LedgerStore) => new TailFeed(s, new LiveView(s, dirs, pricing), scopeKeyOf(dirs));
  let feed = feedOn(store);
  /** A ledger fault (corrupt, full, I/O): said, and followed on with a ledger of our own. */
  const recover = async (err: unknown, started: boolean) => {
    const what = ledgerFaultNote(err, store);
    if (what === null) throw err;
    process.stderr.write(`ccost tail: ${what}; following on with a temporary ledger\n`);
    store = temporaryLedger();
    const next = feedOn(store);
    // Once following, the new feed reports what the failed round did not.
    print(started ? await next.takeOver(feed) : await next.start(Boolean(opts.fromStart)));
    feed = next;
  };
  try {
    print(await feed.start(Boolean(opts.fromStart)));
  } catch (err) {
    await recover(err, false);
  }
  const pending = new PendingChanges();
  pending.take(); // the start has looked at everything
  const round = coalesce(
    async () => {
      const { walk, paths } = pending.take();
      try {
        print(await feed.round(walk, paths));
      } catch (err) {
        await recover(err, true);
      }
    },
    (err) => process.stderr.write(`ccost tail: ${(err as Error).message} (retrying on the next change)\n`),
  );
  process.stderr.write(`ccost tail: following the session files in ${dirs.join(', ')} (Ctrl-C stops)\n`);
  // A closed pipe (| head) ends the stream quietly.
  await followFolders(dirs, pending, round, () => feed.folders(), (stop) => process.stdout.on('error', stop));
}
