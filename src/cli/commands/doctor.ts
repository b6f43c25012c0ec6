/**
 * ccost doctor: where ccost looks, what it finds, and everything it had to skip.
 */
import { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { discover } from '../../sessions/discover.js';
import { unpricedModels } from '../../usage/aggregate.js';
import { activePrices, loadPriceTable, PRICES_PATH } from '../../usage/prices-file.js';
import { addSourceOptions, dirsOf, loadCostedRows, type SourceOptions } from '../common.js';
import { defaultLedgerPath } from '../../ledger/default-path.js';

export function doctorCommand(program: Command): void {
  const cmd = program.command('doctor').description('where ccost looks, what it finds, what it skipped (per file), the ledger and the price table').option('-j, --json', 'print JSON');
  addSourceOptions(cmd).action(async (opts: SourceOptions & { json?: boolean }) => {
    const dirs = dirsOf(opts);
    const found = discover(dirs);
    const { view } = await loadCostedRows(opts);
    const prices = activePrices().source;
    const ledgerPath = typeof opts.ledger === 'string' ? opts.ledger : opts.ledger === false ? null : defaultLedgerPath();
    const report = {
      dataDirs: dirs.map((d) => ({ path: d, exists: existsSync(d), hasProjects: found.dataDirs.includes(d) })),
      sessionFiles: found.files.length,
      bytes: found.files.reduce((n, f) => n + f.size, 0),
      agents: [...new Set(found.files.map((f) => f.origin.instance ?? 'host'))].sort(),
      warnings: view.warnings,
      unpricedModels: unpricedModels(view.rows, opts.mode),
      // With its write-ahead log: until a checkpoint, what was written last sits there, not in the file.
      ledger: ledgerPath ? { path: ledgerPath, bytes: sizeOf(ledgerPath) + sizeOf(`${ledgerPath}-wal`), ...view.ledger } : null,
      prices: { path: PRICES_PATH, models: Object.keys(loadPriceTable()).length, overrides: prices.overrides, overriddenModels: prices.overriddenModels },
    };
    if (opts.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    const w = (s: string) => process.stdout.write(s + '\n');
    w('Data folders:');
    for (const d of report.dataDirs) w(`  ${d.path}  ${d.hasProjects ? 'ok' : d.exists ? 'no projects/ folder' : 'missing'}`);
    w(`Session files: ${report.sessionFiles} (${(report.bytes / 2 ** 20).toFixed(1)} MiB), agents: ${report.agents.join(', ') || '-'}`);
    w(report.ledger ? `Ledger: ${report.ledger.path} (${(report.ledger.bytes / 2 ** 20).toFixed(1)} MiB, ${view.ledger?.files ?? 0} files, ${view.ledger?.filesGone ?? 0} gone from disk)` : 'Ledger: off (--no-ledger)');
    w(`Prices: ${report.prices.models} models from ${report.prices.path}${report.prices.overrides ? `; ${report.prices.overriddenModels.length} set by ${report.prices.overrides} (${report.prices.overriddenModels.join(', ')})` : ''}`);
    w(`Models without a price: ${report.unpricedModels.join(', ') || 'none'}`);
    if (report.warnings.length === 0) w('Skipped input: none');
    else {
      w('Skipped input:');
      for (const x of report.warnings) {
        const parts = [x.error, x.malformed ? `${x.malformed} malformed line(s)` : '', x.invalid ? `${x.invalid} invalid usage record(s)` : '', x.partialTail ? 'unfinished last line' : ''].filter(Boolean);
        w(`  ${x.path}: ${parts.join(', ')}`);
      }
    }
  });
}

function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}
