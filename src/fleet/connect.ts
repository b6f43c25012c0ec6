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

/** Whether an error means the database is (for now) out of reach rather than refusing us. */
export function unreachable(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  return UNREACHABLE.has(code) || /Connection terminated|connect ETIMEDOUT|server closed the connection/i.test(String((err as Error)?.message));
}

/** Connected, with the fleet's tables made or brought up to date. `sslmode` in the URL is honoured by pg. */
export async function connectFleet(url: string): Promise<pg.Client> {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new FleetRefused(`${describe(url)} is not a PostgreSQL URL (postgres://user@host:port/database)`);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // An error on an idle connection (the server restarted) is met again by the next query.
  client.on('error', () => {});
  try {
    await client.connect();
    await migrate(client);
    return client;
  } catch (err) {
    await client.end().catch(() => {});
    throw failure(err, url);
  }
}

/** A database's error in the fleet's terms; any other error (the ledger's, a bug) as it is. */
export function failure(err: unknown, url: string): Error {
  if (err instanceof FleetUnavailable || err instanceof FleetRefused) return err;
  const msg = (err as Error)?.message ?? String(err);
  if (unreachable(err)) return new FleetUnavailable(`cannot reach the fleet database at ${describe(url)}: ${msg}`);
  if (err instanceof pg.DatabaseError) return new FleetRefused(`the fleet database at ${describe(url)} refused: ${msg}`);
  return err instanceof Error ? err : new Error(msg);
}
