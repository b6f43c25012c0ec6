/**
 * ccost sync --to URL: this host's ledger pushed to the fleet's PostgreSQL (fleet/push.ts), once or
 * over and over (--watch). The URL may come from $CCOST_FLEET_URL instead (no password in `ps`);
 * a password is better kept in $PGPASSWORD or ~/.pgpass, which the client reads.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { LedgerStore } from '../../ledger/store.js';
import { connectFleet, describe, failure, FleetUnavailable } from '../../fleet/connect.js';
import { pushLedger, type PushResult } from '../../fleet/push.js';
import { LOCK } from '../../fleet/schema.js';
import { activePrices } from '../../usage/prices-file.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperationFailed } from '../run.js';
import { currentLedger, dirsOf, fleetExit, fleetUrl, ledgerFaultNote, UsageError, type SourceOptions } from '../common.js';

export interface SyncOptions extends SourceOptions {
  to?: string;
  watch?: boolean;
  interval: number;
  batch: number;
  /** Seconds connecting, or one batch, may take. */
  timeout: number;
  hostName?: string;
}

const HOST_ID_KEY = 'fleet_host_id';

export async function runSync(opts: SyncOptions): Promise<void> {
  const url = fleetUrl(opts.to, '--to');
  if (opts.ledger === false) throw new UsageError('sync pushes the ledger; with --no-ledger there is nothing to push');
  const batch = Math.max(1, Math.floor(opts.batch));
  for (;;) {
    try {
      const r = await syncOnce(url, opts, batch);
      if (r) process.stderr.write(`${process.stderr.isTTY && r.batches ? '\r\x1b[K' : ''}ccost sync: ${r.events.toLocaleString('en-US')} response(s) sent in ${r.batches} batch(es) to ${describe(url)}\n`);
    } catch (err) {
      // --watch rides out a database that is down; anything else ends it.
      const e = failure(err, url);
      if (!opts.watch || !(e instanceof FleetUnavailable)) throw fleetExit(e);
      process.stderr.write(`ccost sync: ${e.message}; trying again in ${opts.interval} s\n`);
    }
    if (!opts.watch) return;
    await sleep(opts.interval * 1000);
  }
}

/** One sync; null when another sync of this host holds it. */
async function syncOnce(url: string, opts: SyncOptions, batch: number): Promise<PushResult | null> {
  const store = await currentLedger(dirsOf(opts), opts.ledger);
  if (!store) throw new OperationFailed('the ledger could not be used (see the note above): nothing was sent');
  const hostId = await orLedgerFault(store, async () => hostIdOf(store));
  const { client, step, close } = await connectFleet(url, opts.timeout * 1000);
  try {
    const { rows } = await step(() => client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS got', [LOCK.host, hostId]));
    if (!rows[0]!.got) {
      process.stderr.write('ccost sync: another sync of this host is running; it sends what there is\n');
      return null;
    }
    const prices = activePrices();
    return await orLedgerFault(store, () =>
      pushLedger(store, client, {
        hostId,
        hostName: opts.hostName ?? hostname(),
        pricing: prices.pricing,
        pricingVersion: prices.hash,
        batch,
        step,
        onBatch: process.stderr.isTTY ? (sent) => process.stderr.write(`\rccost sync: ${sent.toLocaleString('en-US')} sent`) : undefined,
      }),
    );
  } finally {
    await close();
  }
}

/**
 * Work that reads the ledger after its catch-up: a damaged page met only now (the log's segments,
 * which the catch-up does not read) is said in one line and the ledger moved aside.
 */
async function orLedgerFault<T>(store: LedgerStore, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const what = ledgerFaultNote(err, store);
    if (what === null) throw err;
    throw new OperationFailed(`${what}; nothing more was sent (what earlier batches sent stays in the fleet)`);
  }
}

/** This ledger's id in the fleet: made once, kept in the ledger. */
function hostIdOf(store: LedgerStore): string {
  let id = store.meta(HOST_ID_KEY);
  if (!id) store.setMeta(HOST_ID_KEY, (id = randomUUID()));
  return id;
}
