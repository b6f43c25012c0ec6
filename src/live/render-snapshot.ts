/**
 * A snapshot as lines of text that fit a terminal of the given size.
 */
import pc from 'picocolors';
import { formatCompact, formatCost, shortModel } from '../reports/format.js';
import type { Snapshot } from './snapshot.js';

function bar(fraction: number, width: number): string {
  const n = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return '█'.repeat(n) + '░'.repeat(width - n);
}

/** Made once per zone: making one costs about a millisecond, each frame. */
const clocks = new Map<string, Intl.DateTimeFormat>();

function clock(ms: number, timeZone: string): string {
  let f = clocks.get(timeZone);
  if (!f) clocks.set(timeZone, (f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  return f.format(ms);
}

export function renderSnapshot(s: Snapshot, o: { width: number; height: number; color: boolean; timeZone: string; live: boolean }): string[] {
  const c = o.color ? pc : pc.createColors(false);
  const w = Math.max(40, o.width);
  const lines: string[] = [];
  const stamp = new Date(s.now).toISOString().slice(0, 19).replace('T', ' ');
  lines.push(c.bold(`ccost watch  ${s.day}  ${stamp}Z`) + (o.live ? c.dim('   q quits') : ''));
  lines.push('');
  lines.push(`Today      ${c.bold(formatCost(s.today.cost).padStart(10))}   ${formatCompact(s.today.tokens)} tokens`);
  lines.push(`This month ${formatCost(s.month.cost).padStart(10)}   ${formatCompact(s.month.tokens)} tokens`);
  const b = s.block;
  if (b) {
    const rate = b.burnRate;
    lines.push(`Burn rate  ${rate ? `${formatCost(rate.costPerHour)}/h`.padStart(10) : '         -'}   ${rate ? `${formatCompact(Math.round(rate.tokensPerMinute))} tokens/min` : ''}`);
    const elapsed = (s.now - b.start) / (b.end - b.start);
    const barWidth = Math.max(10, Math.min(30, w - 50));
    lines.push(`Block      ${clock(b.start, o.timeZone)}–${clock(b.end, o.timeZone)} ${bar(elapsed, barWidth)} ${(elapsed * 100).toFixed(0)}%  ${formatCost(b.totals.totalCost)}`);
    if (b.projection) lines.push(`Projected  ${formatCost(b.projection.totalCost).padStart(10)}   ${formatCompact(b.projection.totalTokens)} tokens by ${clock(b.end, o.timeZone)}`);
  } else {
    lines.push(c.dim('No active 5-hour block.'));
  }
  for (const bud of s.budgets) {
    const f = bud.limit > 0 ? bud.spent / bud.limit : 1;
    const paint = f >= 1 ? c.red : f >= 0.8 ? c.yellow : c.green;
    lines.push(paint(`Budget     ${bud.name} ${formatCost(bud.spent)} of ${formatCost(bud.limit)} (${(f * 100).toFixed(0)}%)`));
  }
  lines.push('');
  const room = Math.max(1, Math.floor((o.height - lines.length - 4) / 2));
  lines.push(c.cyan(`${'Agent (today)'.padEnd(24)} ${'Cost'.padStart(10)} ${'Tokens'.padStart(9)}  Team`));
  for (const a of s.agents.slice(0, room)) lines.push(`${a.name.slice(0, 24).padEnd(24)} ${formatCost(a.cost).padStart(10)} ${formatCompact(a.tokens).padStart(9)}  ${a.team ?? ''}`);
  if (s.agents.length === 0) lines.push(c.dim('(no usage today)'));
  lines.push('');
  lines.push(c.cyan(`${'Model (today)'.padEnd(24)} ${'Cost'.padStart(10)} ${'Tokens'.padStart(9)}`));
  for (const m of s.models.slice(0, room)) lines.push(`${shortModel(m.name).slice(0, 24).padEnd(24)} ${formatCost(m.cost).padStart(10)} ${formatCompact(m.tokens).padStart(9)}`);
  return lines.slice(0, Math.max(1, o.height)).map((l) => l);
}
