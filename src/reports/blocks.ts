/**
 * Rendering of billing blocks: JSON (shaped like ccusage's `blocks --json`) and a table.
 */
import pc from 'picocolors';
import type { Block } from '../usage/blocks.js';
import { formatCompact, formatCost, shortModel } from './format.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function blocksJson(blocks: readonly Block[], tokenLimit: number | null): Record<string, unknown> {
  return {
    blocks: blocks.map((b) => ({
      id: iso(b.start),
      startTime: iso(b.start),
      endTime: iso(b.end),
      actualEndTime: iso(b.lastActivity),
      isActive: b.active,
      isGap: b.kind === 'gap',
      entries: b.events,
      tokenCounts: {
        inputTokens: b.totals.inputTokens,
        outputTokens: b.totals.outputTokens,
        cacheCreationInputTokens: b.totals.cacheCreationTokens,
        cacheReadInputTokens: b.totals.cacheReadTokens,
      },
      totalTokens: b.totals.totalTokens,
      costUSD: b.totals.totalCost,
      models: b.models,
      agents: b.agents,
      burnRate: b.burnRate,
      projection: b.projection,
      tokenLimitStatus:
        tokenLimit && b.kind === 'block'
          ? {
              limit: tokenLimit,
              percentUsed: (100 * b.totals.totalTokens) / tokenLimit,
              projectedPercent: b.projection ? (100 * b.projection.totalTokens) / tokenLimit : null,
              status: status(b, tokenLimit),
            }
          : null,
    })),
    tokenLimit,
  };
}

function status(b: Block, limit: number): 'ok' | 'warning' | 'exceeds' {
  const projected = b.projection?.totalTokens ?? b.totals.totalTokens;
  if (b.totals.totalTokens >= limit || projected > limit) return 'exceeds';
  return projected >= 0.8 * limit ? 'warning' : 'ok';
}

function localTime(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms).replace(',', '');
}

function duration(ms: number): string {
  const m = Math.round(ms / 60_000);
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function renderBlocks(blocks: readonly Block[], tokenLimit: number | null, o: { now: number; timeZone: string; color: boolean }): string {
  const c = o.color ? pc : pc.createColors(false);
  if (blocks.length === 0) return 'No usage blocks found.';
  const lines: string[] = [c.bold(`Billing blocks (5 hours, times in ${o.timeZone})`)];
  lines.push(['Block start'.padEnd(16), 'Status'.padEnd(16), 'Tokens'.padStart(8), 'Cost'.padStart(10), '  Models'].join(' '));
  for (const b of blocks) {
    if (b.kind === 'gap') {
      lines.push(c.dim(`${localTime(b.start, o.timeZone).padEnd(16)} ${`(idle ${duration(b.end - b.start)})`.padEnd(16)}`));
      continue;
    }
    const state = b.active ? c.green(`ACTIVE ${duration(b.end - o.now)} left`.padEnd(16)) : `${duration((b.lastActivity ?? b.start) - b.start)} used`.padEnd(16);
    lines.push(`${localTime(b.start, o.timeZone).padEnd(16)} ${state} ${formatCompact(b.totals.totalTokens).padStart(8)} ${formatCost(b.totals.totalCost).padStart(10)}  ${b.models.map(shortModel).join(', ')}`);
    if (b.active) {
      if (b.burnRate) lines.push(`  burn rate: ${formatCompact(Math.round(b.burnRate.tokensPerMinute))} tokens/min, ${formatCost(b.burnRate.costPerHour)}/h`);
      if (b.projection) lines.push(`  projected by block end: ${formatCompact(b.projection.totalTokens)} tokens, ${formatCost(b.projection.totalCost)}`);
      if (tokenLimit) {
        const pct = (100 * b.totals.totalTokens) / tokenLimit;
        const s = status(b, tokenLimit);
        const paint = s === 'exceeds' ? c.red : s === 'warning' ? c.yellow : c.green;
        lines.push(paint(`  token limit ${formatCompact(tokenLimit)}: ${pct.toFixed(1)}% used (${s})`));
      }
    }
  }
  return lines.join('\n');
}
