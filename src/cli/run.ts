/**
 * What the three commands share around commander: the program header, and turning errors into a
 * one-line message and an exit code (2: a usage mistake or a missing engine; 1: a failed operation).
 */
import { Command, CommanderError } from 'commander';
import { EngineError, EngineUnavailable } from '../docker/engine.js';
import { exitQuietlyOnClosedPipe } from './pipe.js';

export function newProgram(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(s) })
    .exitOverride();
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * An operation that was tried and failed for a reason outside ccost (a full disk, a damaged file):
 * one line, exit 1, or `exitCode` (75, EX_TEMPFAIL: a database that is down; try again later).
 */
export class OperationFailed extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Runs the program; errors of `usageErrors` classes (and a missing engine) exit 2, failed engine operations 1. */
export async function runCli(name: string, program: Command, argv: string[], usageErrors: ErrorClass[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof EngineUnavailable || usageErrors.some((c) => err instanceof c)) {
      process.stderr.write(`${name}: ${(err as Error).message}\n`);
      return 2;
    }
    if (err instanceof EngineError || err instanceof OperationFailed) {
      process.stderr.write(`${name}: ${err.message}\n`);
      return err instanceof OperationFailed ? err.exitCode : 1;
    }
    // Anything else is a fault of ours: one line to the user, the stack on request.
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(process.env.CCORC_DEBUG ? `${e.stack ?? e.message}\n` : `${name}: unexpected error: ${e.message} (run with CCORC_DEBUG=1 for details)\n`);
    return 1;
  }
}
