/**
 * The efficiency report as text: a few lines per group, then the findings, largest first.
 */
import type { Efficiency, KindCosts } from '../usage/efficiency.js';
import { formatCost, formatInt } from './format.js';

const pct = (n: number | null) => (n === null ? '-' : `${(n * 100).toFixed(0)}%`);
const KINDS: Array<[keyof KindCosts, string]> = [['input', 'input'], ['output', 'output'], ['write5m', '5m writes'], ['write1h', '1h writes'], ['read', 'reads']];

export function renderEfficiency(r: Efficiency): string {
  const lines = [`Efficiency by ${r.by} (costs calculated from the price table)`, ''];
  if (r.rows.length === 0) lines.push('No usage in this selection.');
  for (const row of r.rows) {
    lines.push(`${row.key}: ${formatCost(row.cost)}, ${formatInt(row.responses)} responses, $${row.costPerResponse.toFixed(4)} per response`);
    lines.push(`  ${row.outputTokensPerDollar === null ? '-' : formatInt(Math.round(row.outputTokensPerDollar))} output tokens per dollar; cache hit ratio ${pct(row.cacheHitRatio)}; subagents ${pct(row.subagentShare)} of the cost`);
    lines.push(`  cost by kind: ${KINDS.map(([k, name]) => `${name} ${pct(row.cost > 0 ? row.shareByKind[k] : null)}`).join(', ')}`);
    if (row.longContext.requests) lines.push(`  above 200k tokens: ${formatInt(row.longContext.requests)} request(s), ${formatCost(row.longContext.extraCost)} beyond the normal rates`);
  }
  lines.push('', r.findings.length ? 'Findings:' : 'Findings: none above a cent.');
  for (const f of r.findings) lines.push(`- ${f.message}`);
  if (r.unpricedModels.length) lines.push('', `No price known for: ${r.unpricedModels.join(', ')} (counted at $0)`);
  return lines.join('\n');
}
