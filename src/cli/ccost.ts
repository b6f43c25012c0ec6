#!/usr/bin/env node
/**
 * ccost: the cost monitor. Thin: wires the commands; each lives in commands/.
 */
import { Command, CommanderError } from 'commander';
import { REPORT_KINDS } from '../reports/build.js';
import { UsageError } from './common.js';
import { reportCommand } from './commands/report.js';
import { blocksCommand } from './commands/blocks.js';
import { tailCommand } from './commands/tail.js';
import { alertCommand } from './commands/alert.js';
import { watchCommand } from './commands/watch.js';

export function buildProgram(): Command {
  const program = new Command('ccost')
    .description('Claude Code cost monitor: reports spend per day, session, project, agent (container) and model')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(s) })
    .exitOverride();
  for (const kind of REPORT_KINDS) reportCommand(program, kind);
  blocksCommand(program);
  tailCommand(program);
  alertCommand(program);
  watchCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`ccost: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
