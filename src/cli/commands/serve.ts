/**
 * ccost serve: a local page, a JSON API and Prometheus metrics over the live state (serve/). The
 * server and its modules (prom-client among them) load only when the command runs, not with every
 * other ccost command.
 */
import { Command, InvalidArgumentError } from 'commander';
import { addSourceOptions } from '../common.js';

function portArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`"${v}" is not a port (0-65535; 0 picks a free one)`);
  return n;
}

export function serveCommand(program: Command): void {
  const cmd = program
    .command('serve')
    .description('a local page, a JSON API (/api/v1/...) and Prometheus metrics (/metrics), updated as agents write')
    .option('--port <n>', 'port (0: any free one)', portArg, 7431)
    .option('--bind <address>', 'address to listen on; anything but loopback needs --token-file', '127.0.0.1')
    .option('--token-file <path>', 'file holding the token every request must bring (Bearer, or ?token= once in the browser)')
    .option('--config <path>', 'budgets to show, as for ccost alert (default: ~/.config/ccorc/alerts.yaml when present)');
  addSourceOptions(cmd).action(async (opts) => (await import('./serve-run.js')).runServe(opts));
}

