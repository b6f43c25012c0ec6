#!/usr/bin/env node
/**
 * ccost: the cost monitor. A report run again over unchanged data is replayed from the ledger
 * before anything else is even loaded (output-cache.ts); otherwise the full program runs.
 */
import { replayOutput } from './output-cache.js';

const argv = process.argv.slice(2);
if (!replayOutput(argv)) {
  const { main } = await import('./ccost-program.js');
  process.exitCode = await main(argv);
}
