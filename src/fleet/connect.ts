/**
 * A connection to the fleet's PostgreSQL. Errors are said without the URL's password (messages and
 * logs show `describe(url)`); a database that cannot be reached is a FleetUnavailable (exit 75: try
 * again later), anything it refuses (a bad password, no such database) a FleetRefused.
 */
import pg from 'pg';
import { migrate } from './schema.js';
import { FleetRefused, FleetUnavailable } from './errors.js';

export { FleetRefused, FleetUnavailable };

/** The URL as it may be shown: user, host, port and database; never the password. */
export function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return '(a PostgreSQL URL that could not be read)';
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03', '53300']);

const TRANSIENT = new Set(['40P01', '40001']);

/** Whether an error means the database is (for now) out of reach rather than refusing us. */
export function unreachable(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  return UNREACHABLE.has(code) || /Connection terminated|connect ETIMEDOUT|server closed the connection/i.test(String((err as Error)?.message));
}

/** A step of work with the database, held to the connection's time limit (see connectFleet). */
export type Step = <T>(work: () => Promise<T>) => Promise<T>;

export interface FleetConnection {
  client: pg.Client;
  /** Runs `work` within the time limit; past it the connection is dropped and the step fails as FleetUnavailable. */
  step: Step;
  /** Ends the connection (never waits long on a dead one). */
  close(): Promise<void>;
}

/**
 * Connected, with the fleet's tables made or brought up to date. `sslmode` in the URL is honoured by
 * pg. A link that is cut drops packets and refuses nothing, so every step is given `timeoutMs`: past
 * it the socket is dropped. The server is told the same limit for this session: a session left idle
 * in a transaction (its host gone mid-batch, holding the fleet's merge lock) ends after it, and so,
 * by keepalives, does one whose host went quiet between batches (holding its host lock).
 */
export async function connectFleet(url: string, timeoutMs = 60_000): Promise<FleetConnection> {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new FleetRefused(`${describe(url)} is not a PostgreSQL URL (postgres://user@host:port/database)`);
  // A host that does not answer at all is said within 10 s, as before the limit was an option.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: Math.min(timeoutMs, 10_000), keepAlive: true, keepAliveInitialDelayMillis: timeoutMs });
  // An error on an idle connection (the server restarted) is met again by the next query.
  client.on('error', () => {});
  const seconds = Math.max(1, Math.round(timeoutMs / 1000));
  const step: Step = async (work) => {
    let fired = false;
    const timer = setTimeout(() => {
      fired = true;
      (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    }, timeoutMs);
    try {
      return await work();
    } catch (err) {
      if (fired) throw new FleetUnavailable(`no answer from the fleet database at ${describe(url)} within ${seconds} s (a network or server that hangs); nothing after the last finished batch was kept`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
  const close = async () => {
    await Promise.race([client.end().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
  };
  try {
    await step(async () => {
      await client.connect();
      await client.query(
        `SET idle_in_transaction_session_timeout = '${seconds}s'; SET tcp_keepalives_idle = ${seconds}; SET tcp_keepalives_interval = ${Math.max(1, Math.ceil(seconds / 3))}; SET tcp_keepalives_count = 3`,
      );
      await migrate(client);
    });
    return { client, step, close };
  } catch (err) {
    await close();
    throw failure(err, url);
  }
}

/** A database's error in the fleet's terms; any other error (the ledger's, a bug) as it is. */
export function failure(err: unknown, url: string): Error {
  if (err instanceof FleetUnavailable || err instanceof FleetRefused) return err;
  const msg = (err as Error)?.message ?? String(err);
  if (unreachable(err)) return new FleetUnavailable(`cannot reach the fleet database at ${describe(url)}: ${msg}`);
  // A deadlock or a serialization failure that outlived the retries: nothing was kept; try again.
  if (TRANSIENT.has(String((err as { code?: unknown })?.code))) return new FleetUnavailable(`the fleet database at ${describe(url)} was busy (${msg}); nothing of that step was kept, try again`);
  if (err instanceof pg.DatabaseError) return new FleetRefused(`the fleet database at ${describe(url)} refused: ${msg}`);
  return err instanceof Error ? err : new Error(msg);
}
