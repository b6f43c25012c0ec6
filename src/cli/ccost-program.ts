/**
 * ccost's commands, wired (each lives in commands/). The executable is ccost.ts.
 */
import type { Command } from 'commander';
import { newProgram, runCli } from './run.js';
import { REPORT_KINDS } from '../reports/build.js';
import { setInvocation, settleLedgers, UsageError } from './common.js';
import type { SeenStats } from '../sessions/recent-stats.js';
import { reportCommand } from './commands/report.js';
import { blocksCommand } from './commands/blocks.js';
import { tailCommand } from './commands/tail.js';
import { alertCommand } from './commands/alert.js';
import { watchCommand } from './commands/watch.js';
import { doctorCommand } from './commands/doctor.js';
import { efficiencyCommand } from './commands/efficiency.js';
import { serveCommand } from './commands/serve.js';
import { exportCommand } from './commands/export.js';
import { ledgerCommand } from './commands/ledger.js';
import { syncCommand } from './commands/sync.js';
import { fleetCommand } from './commands/fleet.js';
import { choosePricesFile, PricesFileError } from '../usage/prices-file.js';

export function buildProgram(): Command {
  const program = newProgram('ccost', 'Claude Code cost monitor: reports spend per day, session, project, agent (container), team and model; watches, tails and alerts');
  for (const kind of REPORT_KINDS) reportCommand(program, kind);
  blocksCommand(program);
  tailCommand(program);
  alertCommand(program);
  watchCommand(program);
  efficiencyCommand(program);
  serveCommand(program);
  exportCommand(program);
  ledgerCommand(program);
  syncCommand(program);
  fleetCommand(program);
  doctorCommand(program);
  // Before any command reads a price: --prices of the command that runs.
  program.hook('preAction', (_, action) => choosePricesFile((action.opts() as { prices?: string }).prices));
  return program;
}

/** `seen`: what the replay check stat'ed before finding something changed. */
export async function main(argv: string[], seen?: SeenStats): Promise<number> {
  setInvocation(argv, seen);
  try {
    return await runCli('ccost', buildProgram(), argv, [UsageError, PricesFileError]);
  } finally {
    settleLedgers();
  }
}
