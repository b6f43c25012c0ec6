#!/usr/bin/env node
/**
 * ccost: the cost monitor. A report run again over unchanged data is replayed from the ledger
 * before anything else is even loaded (ledger/report-cache.ts); otherwise the full program runs.
 */
import { replayOutput } from '../ledger/report-cache.js';
import { exitQuietlyOnClosedPipe } from './pipe.js';

exitQuietlyOnClosedPipe();

const argv = process.argv.slice(2);
const replay = replayOutput(argv);
if (!replay.replayed) {
  const { main } = await import('./ccost-program.js');
  const code = await main(argv, replay.seen);
  // Exit here instead of letting Node tear down, which would close the ledger connection, and closing
  // the last connection makes SQLite checkpoint its log with an fsync (cli/common.ts, settleLedgers).
  await new Promise((done) => process.stdout.write('', () => process.stderr.write('', done)));
  process.exit(code);
}
