/**
 * The embedded price table shipped with the package (data/claude-model-prices.json).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Pricing, type PriceTable } from './pricing.js';

export const PRICES_PATH = fileURLToPath(new URL('../../../data/claude-model-prices.json', import.meta.url));

export function loadPriceTable(path = PRICES_PATH): PriceTable {
  return JSON.parse(readFileSync(path, 'utf8')) as PriceTable;
}

export function embeddedPricing(): Pricing {
  return new Pricing(loadPriceTable());
}
