/**
 * ccost fleet status: the hosts that sync to the fleet's PostgreSQL, how current each is, and
 * whether they price with the same table.
 */
import type { Command } from 'commander';
import { fleetStatus, type HostStatus } from '../../fleet/status.js';
import { activePrices } from '../../usage/prices-file.js';
import { fleetUrl, withFleet } from '../common.js';

export function fleetCommand(program: Command): void {
  const fleet = program.command('fleet').description("the fleet's PostgreSQL that hosts push to with ccost sync: status");
  fleet
    .command('status')
    .description('each host: last sync and how long ago, responses it counts, its newest response, and whether its price table differs from this ccost\'s')
    .option('--from <url>', 'postgres://user@host:port/database (default: $CCOST_FLEET_URL)')
    .option('-j, --json', 'print JSON')
    .action(async (opts: { from?: string; json?: boolean }) => {
      const url = fleetUrl(opts.from, '--from');
      const status = await withFleet(url, (client) => fleetStatus(client, activePrices().hash));
      if (opts.json) {
        process.stdout.write(JSON.stringify(status, null, 2) + '\n');
        return;
      }
      if (status.hosts.length === 0) {
        process.stdout.write('No host has synced to this fleet database yet (ccost sync --to URL)\n');
        return;
      }
      const { default: Table } = await import('cli-table3');
      const table = new Table({ head: ['Host', 'Last sync', 'Ago', 'Responses', 'Last activity', 'Prices'], style: { head: [], border: [] }, colAligns: ['left', 'left', 'right', 'right', 'left', 'left'] });
      for (const h of status.hosts) table.push([h.name, h.lastSync ?? 'never', ago(h.lagSeconds), h.responses.toLocaleString('en-US'), h.lastActivity ?? '-', prices(h)]);
      process.stdout.write(table.toString() + '\n');
      if (status.pricingVersions.length > 1) process.stdout.write(`note: the hosts price with ${status.pricingVersions.length} different tables: costs of the same tokens differ between them until every host runs the same ccost\n`);
    });
}

function prices(h: HostStatus): string {
  if (!h.pricingVersion) return '-';
  return h.pricingDiffers ? `other (${h.pricingVersion.slice(0, 8)})` : 'same as here';
}

/** Seconds as the largest unit or two that say them: 45 s, 12 min, 3 h 20 min, 2 d 4 h. */
export function ago(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}
