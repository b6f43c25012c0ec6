/**
 * ccost blocks: 5-hour billing windows, with the active one's burn rate and projection.
 */
import { Command, InvalidArgumentError } from 'commander';
import { filterRows } from '../../reports/build.js';
import { blocksJson, renderBlocks } from '../../reports/blocks.js';
import { buildBlocks, resolveTokenLimit } from '../../usage/blocks.js';
import { Calendar } from '../../usage/time.js';
import { addFleetOptions, addSourceOptions, loadReportRows, reportWarnings, timeZoneOf, type FleetOptions, type SourceOptions } from '../common.js';

interface BlocksOptions extends SourceOptions, FleetOptions {
  json?: boolean;
  active?: boolean;
  recent?: boolean;
  tokenLimit?: string;
}

const RECENT_MS = 3 * 24 * 60 * 60 * 1000;

function tokenLimitArg(v: string): string {
  if (v === 'max' || /^\d+$/.test(v)) return v;
  throw new InvalidArgumentError(`"${v}" is not a token count or "max"`);
}

export function blocksCommand(program: Command): void {
  const cmd = program.command('blocks').description('5-hour billing windows: usage per block, the active block with burn rate and projection');
  addFleetOptions(addSourceOptions(cmd))
    .option('-j, --json', 'print JSON')
    .option('--active', 'only the active block')
    .option('--recent', 'only blocks of the last 3 days')
    .option('-t, --token-limit <n|max>', 'token limit per block; "max" uses the largest finished block', tokenLimitArg)
    .action(runBlocks);
}

async function runBlocks(opts: BlocksOptions): Promise<void> {
  const tz = timeZoneOf(opts);
  const now = opts.now ?? Date.now();
  const calendar = new Calendar(tz);
  const { view, rows, fleet } = await loadReportRows(opts, { needs: null, calendar });
  const selected = filterRows(rows, calendar, { project: opts.project, agent: opts.agent, host: opts.host });
  let blocks = buildBlocks(selected, now);
  const all = blocks.filter((b) => b.kind !== 'gap');
  const limit = resolveTokenLimit(opts.tokenLimit, blocks);
  if (opts.recent) blocks = blocks.filter((b) => b.end > now - RECENT_MS);
  if (opts.active) blocks = blocks.filter((b) => b.active);
  // A gap means something only between two blocks that are both shown.
  while (blocks[0]?.kind === 'gap') blocks = blocks.slice(1);
  while (blocks[blocks.length - 1]?.kind === 'gap') blocks = blocks.slice(0, -1);
  if (opts.json) process.stdout.write(JSON.stringify({ ...blocksJson(blocks, limit), ...(fleet ? { fleet } : {}) }, null, 2) + '\n');
  else {
    const tty = Boolean(process.stdout.isTTY);
    // "No usage blocks found" would be wrong when there are blocks, only none that is active (or recent).
    const none = all.length === 0 ? null : `No ${opts.active ? 'active' : 'recent'} block: ${all.length} block(s) in all, the last ended ${new Date(all[all.length - 1]!.end).toISOString().slice(0, 16).replace('T', ' ')} UTC.`;
    process.stdout.write((blocks.length === 0 && none ? none : renderBlocks(blocks, limit, { now, timeZone: tz, color: tty && !process.env.NO_COLOR })) + '\n');
  }
  reportWarnings(view.warnings, Boolean(opts.verbose));
}
