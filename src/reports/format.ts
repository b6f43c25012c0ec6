/**
 * Number, money and model-name formatting shared by the human-readable outputs.
 */

export function formatInt(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatCompact(n: number): string {
  if (n < 10_000) return formatInt(n);
  const units: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [v, s] of units) if (n >= v) return `${(n / v).toFixed(n / v >= 100 ? 0 : 1)}${s}`;
  return formatInt(n);
}

export function formatCost(n: number): string {
  return `$${n.toFixed(2)}`;
}

/** claude-sonnet-4-5-20250929 → sonnet-4-5 */
export function shortModel(m: string): string {
  return m.replace(/^claude-/, '').replace(/-\d{8}$/, '');
}

