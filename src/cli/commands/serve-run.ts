/**
 * What `ccost serve` does once called (commands/serve.ts defines it): reads the token and budgets,
 * starts the follower and the server, and follows the folders until stopped.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../../live/alert-config.js';
import { coalesce } from '../../live/coalesce.js';
import { ServeFollower } from '../../serve/follower.js';
import { Metrics } from '../../serve/metrics.js';
import { isLoopback, ServeServer, type StaticFile } from '../../serve/server.js';
import { PendingChanges } from '../../sessions/folder-watch.js';
import { activePricing } from '../../usage/prices-file.js';
import { Calendar } from '../../usage/time.js';
import { dirsOf, followerLedger, followFolders, ledgerFaultNote, temporaryLedger, timeZoneOf, UsageError, type SourceOptions } from '../common.js';
import { tailRecord } from './tail.js';
import type { LedgerStore } from '../../ledger/store.js';
import type { TailEvent } from '../../live/tail-feed.js';

export interface ServeOptions extends SourceOptions {
  port: number;
  bind: string;
  tokenFile?: string;
  config?: string;
}

/** The page: its files, by URL path. uPlot comes from its package, as installed with ccost. */
function pageFiles(): Map<string, StaticFile> {
  const web = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'web');
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));
  return new Map<string, StaticFile>([
    ['/', { path: join(web, 'index.html'), type: 'text/html; charset=utf-8' }],
    ['/app.js', { path: join(web, 'app.js'), type: 'text/javascript; charset=utf-8' }],
    ['/app.css', { path: join(web, 'app.css'), type: 'text/css; charset=utf-8' }],
    ['/uplot.js', { path: join(uplot, 'dist', 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' }],
    ['/uplot.css', { path: join(uplot, 'dist', 'uPlot.min.css'), type: 'text/css; charset=utf-8' }],
  ]);
}

export async function runServe(opts: ServeOptions): Promise<void> {
  // The server shows everything; the page and the API narrow it per request.
  for (const [flag, given] of [['--agent', opts.agent], ['--project', opts.project], ['--now', opts.now]] as const)
    if (given !== undefined) throw new UsageError(`serve shows every agent and project as of now: ${flag} is not taken here; narrow on the page, or with the API's agent= and project= parameters`);
  let token: string | null = null;
  if (opts.tokenFile) {
    try {
      token = readFileSync(opts.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new UsageError(`cannot read the token file ${opts.tokenFile}: ${(err as Error).message}`);
    }
    if (token.length < 16) throw new UsageError(`the token in ${opts.tokenFile} is shorter than 16 characters`);
  }
  if (!isLoopback(opts.bind) && token === null) throw new UsageError(`listening on ${opts.bind} (not loopback) needs --token-file: anyone who can reach it would see every agent's spend`);
  let rules = null;
  try {
    rules = loadConfig(opts.config)?.rules ?? null;
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const zone = timeZoneOf(opts);
  const calendar = new Calendar(zone);
  const pricing = activePricing();
  const dirs = dirsOf(opts);
  process.stderr.write(`ccost serve: reading the session files in ${dirs.join(', ')}...\n`);
  const followerOn = (store: LedgerStore) => new ServeFollower(store, dirs, pricing, opts.mode, calendar);
  /**
   * A ledger fault (corrupt, full, I/O): said, and followed on with a temporary ledger built from the
   * files, so that the page and the metrics stay right. Once following, the new follower reports what
   * the failed round had not; the stream's ids go on growing (ServeServer.replaceFollower).
   */
  const onTemporaryLedger = async (err: unknown, failed: ServeFollower, started: boolean): Promise<{ follower: ServeFollower; events: TailEvent[] }> => {
    const what = ledgerFaultNote(err, failed.store);
    if (what === null) throw err;
    process.stderr.write(`ccost serve: ${what}; following on with a temporary ledger\n`);
    const next = followerOn(temporaryLedger());
    if (started) return { follower: next, events: await next.takeOver(failed) };
    await next.start();
    return { follower: next, events: [] };
  };
  let follower = followerOn(followerLedger(opts));
  try {
    await follower.start();
  } catch (err) {
    ({ follower } = await onTemporaryLedger(err, follower, false));
  }
  const metrics = new Metrics(() => {
    const { view, totals } = follower.state();
    return { rows: follower.rows(), totals, warnings: view.warnings, rules, calendar, now: Date.now() };
  });
  const server = new ServeServer(follower, metrics, {
    port: opts.port,
    bind: opts.bind,
    token,
    zone,
    mode: opts.mode,
    rules,
    files: pageFiles(),
    record: (t) => tailRecord(t, opts.mode, pricing),
    maxStreams: 32,
  });
  let address;
  try {
    address = await server.listen();
  } catch (err) {
    throw new UsageError(`cannot listen on ${opts.bind}:${opts.port}: ${(err as Error).message}`);
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  process.stderr.write(`ccost serve: http://${host}:${address.port}/ (metrics at /metrics; Ctrl-C stops)\n`);
  // The page asks for the findings by agent after its first draw: their sums are read now, while
  // nobody waits. A fault here is met again, and answered, when the page asks.
  setImmediate(() => {
    try {
      follower.efficiencyOfAll('agent');
    } catch {}
  });
  const pending = new PendingChanges();
  pending.take();
  const round = coalesce(
    async () => {
      const { walk, paths } = pending.take();
      let events: TailEvent[];
      try {
        events = await follower.round(walk, paths);
      } catch (err) {
        ({ follower, events } = await onTemporaryLedger(err, follower, true));
        server.replaceFollower(follower);
      }
      server.published(events, follower.state().generation);
    },
    (err) => process.stderr.write(`ccost serve: ${(err as Error).message} (the page shows the last state; retrying on the next change)\n`),
  );
  await followFolders(dirs, pending, round, () => follower.folders());
  await server.close();
}
