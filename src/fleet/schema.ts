/**
 * The fleet's tables in PostgreSQL, made or brought up to date under an advisory lock (hosts that
 * start syncing at once do it one after the other). A schema newer than this ccost is refused.
 *
 * ccost_events holds every message once (its best copy by rank_key) and each response without a
 * message id; ccost_rollup sums them by the key a host's ledger sums its rows by (quarter hour, file,
 * model, session, working folder, subagent), so a report over the fleet is made by the same code as
 * a report over local files. Costs are whole 1e-10 dollars (usage/money.ts), as the hosts count them.
 */
import type { ClientBase } from 'pg';
import { FleetRefused } from './errors.js';

export const SCHEMA_VERSION = 1;

/** pg_advisory_lock keys of ccost (one number each: made up, kept apart from other users' keys). */
export const LOCK = { schema: 743_100_001, merge: 743_100_002, host: 743_100_003 } as const;


const EVENT_COLUMNS = `
  rank_key bytea NOT NULL,
  ts bigint NOT NULL,
  bucket integer NOT NULL,
  model text NOT NULL,
  session_id text NOT NULL,
  cwd text NOT NULL,
  subagent boolean NOT NULL,
  sidechain boolean NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cache_creation_tokens bigint NOT NULL,
  cache_read_tokens bigint NOT NULL,
  total_tokens bigint NOT NULL,
  cost_auto bigint NOT NULL,
  cost_calculate bigint NOT NULL,
  cost_display bigint NOT NULL,
  unpriced_auto boolean NOT NULL,
  unpriced_calculate boolean NOT NULL,
  host_id uuid NOT NULL,
  file_id bigint NOT NULL,
  file_offset bigint NOT NULL`;

const DDL = `
CREATE TABLE IF NOT EXISTS ccost_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS ccost_hosts (
  host_id uuid PRIMARY KEY,
  name text NOT NULL,
  -- The host ledger's segments sent so far: up to (gen, file, start) in that order.
  sent_gen bigint NOT NULL DEFAULT 0,
  sent_file bigint NOT NULL DEFAULT 0,
  sent_start bigint NOT NULL DEFAULT -1,
  last_sync_at timestamptz,
  pricing_version text
);
CREATE TABLE IF NOT EXISTS ccost_files (
  host_id uuid NOT NULL,
  file_id bigint NOT NULL,
  path text NOT NULL,
  origin jsonb NOT NULL,
  PRIMARY KEY (host_id, file_id)
);
CREATE TABLE IF NOT EXISTS ccost_events (
  event_key text PRIMARY KEY,${EVENT_COLUMNS}
);
CREATE INDEX IF NOT EXISTS ccost_events_row ON ccost_events (bucket, host_id, file_id, model, session_id, cwd, subagent);
CREATE TABLE IF NOT EXISTS ccost_rollup (
  bucket integer NOT NULL,
  host_id uuid NOT NULL,
  file_id bigint NOT NULL,
  model text NOT NULL,
  session_id text NOT NULL,
  cwd text NOT NULL,
  subagent boolean NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cache_creation_tokens bigint NOT NULL,
  cache_read_tokens bigint NOT NULL,
  total_tokens bigint NOT NULL,
  cost_auto bigint NOT NULL,
  cost_calculate bigint NOT NULL,
  cost_display bigint NOT NULL,
  unpriced_auto boolean NOT NULL,
  unpriced_calculate boolean NOT NULL,
  events bigint NOT NULL,
  first_ts bigint NOT NULL,
  last_ts bigint NOT NULL,
  PRIMARY KEY (bucket, host_id, file_id, model, session_id, cwd, subagent)
);
`;

/**
 * Columns added to tables made by an earlier ccost (same schema version: older ccosts ignore them).
 * Apart from DDL: a statement of its own holds no lock of another table while it waits for this one.
 */
const ADDED = `
-- A digest of the files (paths and attribution) the host last sent: unchanged, they are not sent again.
ALTER TABLE ccost_hosts ADD COLUMN IF NOT EXISTS files_digest text;
`;

/** The columns of an event row, in table order (COPY writes them so). */
export const EVENT_FIELDS = ['event_key', ...EVENT_COLUMNS.trim().split(',\n').map((l) => l.trim().split(' ')[0]!)] as const;

export async function migrate(client: ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [LOCK.schema]);
  try {
    const found = await schemaVersion(client);
    if (found !== null && found > SCHEMA_VERSION) throw new FleetRefused(`the fleet database has schema version ${found}, newer than this ccost's (${SCHEMA_VERSION}): update ccost on this host`);
    // DDL locks tables even when it has nothing to do: ALTER TABLE ccost_hosts (exclusive) and then
    // CREATE INDEX on ccost_events, while another host's batch held ccost_events and wanted
    // ccost_hosts for its cursor, deadlocked (three first syncs at once, once in a dozen). So DDL runs
    // only for what is missing.
    if (found === null) await client.query(DDL);
    if (!(await hasColumn(client, 'ccost_hosts', 'files_digest'))) await client.query(ADDED);
    if (found === null) await client.query(`INSERT INTO ccost_meta (key, value) VALUES ('schema_version', $1)`, [String(SCHEMA_VERSION)]);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK.schema]);
  }
}

/** The fleet database's schema version; null before the tables are made. */
async function schemaVersion(client: ClientBase): Promise<number | null> {
  const { rows } = await client.query<{ made: boolean }>(`SELECT to_regclass('ccost_meta') IS NOT NULL AS made`);
  if (!rows[0]!.made) return null;
  const version = (await client.query<{ value: string }>(`SELECT value FROM ccost_meta WHERE key = 'schema_version'`)).rows[0];
  return version ? Number(version.value) : null;
}

async function hasColumn(client: ClientBase, table: string, column: string): Promise<boolean> {
  const { rows } = await client.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`, [table, column]);
  return rows.length > 0;
}
