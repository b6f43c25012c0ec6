/**
 * CSV output (RFC 4180): one row per report row, and per model with --breakdown.
 */
import type { Report } from './build.js';

/** One field, quoted when it holds a comma, a quote or a line break (null: empty). */
export function csvField(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(r: Report, breakdown: boolean): string {
  const head = [r.kind === 'session' ? 'sessionId' : r.kind, 'model', 'inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens', 'totalCost', 'agents', 'projects'];
  const lines = [head.join(',')];
  for (const row of r.rows) {
    const t = row.totals;
    lines.push(
      [row.key, breakdown ? '*' : row.modelsUsed.join(' '), t.inputTokens, t.outputTokens, t.cacheCreationTokens, t.cacheReadTokens, t.totalTokens, t.totalCost, row.agents.join(' '), row.projects.join(' ')]
        .map(csvField)
        .join(','),
    );
    if (breakdown)
      for (const b of row.modelBreakdowns)
        lines.push([row.key, b.modelName, b.inputTokens, b.outputTokens, b.cacheCreationTokens, b.cacheReadTokens, b.totalTokens, b.cost, '', ''].map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}
