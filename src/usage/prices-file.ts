/**
 * The price table a run uses: the one shipped with the package (data/claude-model-prices.json),
 * with the user's overrides laid over it: `--prices FILE`, else `$XDG_CONFIG_HOME/ccorc/prices.json`
 * (~/.config/ccorc/prices.json) when it exists. Overrides are in the same LiteLLM format; a model
 * they name gets their fields over the shipped ones (a negotiated input rate alone, say), a model
 * the shipped table lacks is added.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Pricing, type ModelPrice, type PriceTable } from './pricing.js';
import { defaultOverridesPath } from './prices-path.js';

export const PRICES_PATH = fileURLToPath(new URL('../../../data/claude-model-prices.json', import.meta.url));

/** A price override file that cannot be used: the run stops (exit 2) rather than price wrongly. */
export class PricesFileError extends Error {}

export function loadPriceTable(path = PRICES_PATH): PriceTable {
  return JSON.parse(readFileSync(path, 'utf8')) as PriceTable;
}

/** What a report says of its prices. */
export interface PriceSource {
  /** The shipped table. */
  table: string;
  /** The override file laid over it, if any, and the models it sets. */
  overrides: string | null;
  overriddenModels: string[];
}

export interface ActivePrices {
  pricing: Pricing;
  source: PriceSource;
  /** Changes whenever the prices or the pricing rules do: cached costs are then computed again. */
  hash: string;
}

/** Bump when the pricing rules change, so that costs kept in ledgers are computed again. */
const PRICING_RULES_VERSION = '1';

let chosen: string | undefined;
let active: ActivePrices | null = null;

/** `--prices FILE` of this run (undefined: the default override file, if it exists). */
export function choosePricesFile(path: string | undefined): void {
  chosen = path;
  active = null;
}

export function activePrices(): ActivePrices {
  if (active) return active;
  const shipped = readFileSync(PRICES_PATH);
  const table = JSON.parse(shipped.toString('utf8')) as PriceTable;
  const hash = createHash('sha1').update(PRICING_RULES_VERSION).update(shipped);
  const path = chosen ?? defaultOverridesPath();
  let bytes: Buffer | null = null;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // The default file is optional; a file the user named must be there.
    if (chosen !== undefined || code !== 'ENOENT') throw new PricesFileError(`cannot read the price overrides ${path}: ${code ?? (err as Error).message}`);
  }
  const overridden: string[] = [];
  if (bytes) {
    for (const [model, price] of Object.entries(parseOverrides(bytes, path))) {
      table[model] = { ...table[model], ...price };
      overridden.push(model);
    }
    // Without overrides the hash is the shipped table's alone, as before there were overrides.
    hash.update('\0overrides\0').update(bytes);
  }
  active = {
    pricing: new Pricing(table),
    source: { table: PRICES_PATH, overrides: bytes ? path : null, overriddenModels: overridden.sort() },
    hash: hash.digest('hex'),
  };
  return active;
}

/** The run's pricing: the shipped table with the user's overrides. */
export function activePricing(): Pricing {
  return activePrices().pricing;
}

/** The shipped table alone (tests, and the reference it is checked against). */
export function embeddedPricing(): Pricing {
  return new Pricing(loadPriceTable());
}

/** An override file: an object of models, each an object of non-negative numbers (LiteLLM's field names). */
function parseOverrides(bytes: Buffer, path: string): Record<string, ModelPrice> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new PricesFileError(`${path} is not valid JSON (${(err as Error).message}); fix it or remove it`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new PricesFileError(`${path}: expected an object of models, as in LiteLLM's price table`);
  for (const [model, price] of Object.entries(parsed)) {
    if (typeof price !== 'object' || price === null || Array.isArray(price)) throw new PricesFileError(`${path}: the entry of ${model} is not an object of prices`);
    for (const [field, value] of Object.entries(price)) {
      // LiteLLM's entries also carry text fields (litellm_provider, mode): only numbers are prices.
      if ((field.endsWith('_cost') || field.includes('cost_per')) && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
        throw new PricesFileError(`${path}: ${model}.${field} must be a non-negative number (USD per token), not ${JSON.stringify(value)}`);
      }
    }
  }
  return parsed as Record<string, ModelPrice>;
}
