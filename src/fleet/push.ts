/**
 * One host's ledger pushed to the fleet's PostgreSQL: every copy of every response the ledger logged
 * since the host's cursor, in batches. Each batch is one transaction: COPY into a temporary table;
 * keep the best copy of each message (rank_key); replace a stored copy only with a better one, in
 * key order; sum the rollup rows those changes touch again from the events; move the cursor. Killed
 * anywhere, a rerun sends again at most the batch that was not committed, and a copy sent twice is
 * not better than itself, so nothing counts twice.
 */
import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { LedgerStore } from '../ledger/store.js';
import { originOf } from '../ledger/file-log.js';
import { rollup } from '../usage/aggregate.js';
import { decodeEvents } from '../usage/event-codec.js';
import type { Pricing } from '../usage/pricing.js';
import { eventTokens, type FileId, type FileOrigin, type FilePos, type UsageEvent } from '../usage/types.js';
import { rankKey } from './rank-key.js';
import { EVENT_FIELDS, LOCK } from './schema.js';
import type { Step } from './connect.js';

export interface PushResult {
  /** Copies sent, and the batches they went in. */
  events: number;
  batches: number;
}

export interface PushOptions {
  hostId: string;
  hostName: string;
  pricing: Pricing;
  /** Pricing table version (a hash), kept per host so that `fleet status` can tell hosts apart. */
  pricingVersion: string;
  batch: number;
  /** Runs each exchange with the database (a batch, the files) within the connection's time limit. */
  step?: Step;
  onBatch?: (sent: number) => void;
}

/** Deadlock or serialization failure: the batch is tried again. */
const RETRY_CODES = new Set(['40P01', '40001']);

export async function pushLedger(store: LedgerStore, client: Client, o: PushOptions): Promise<PushResult> {
  const step: Step = o.step ?? ((work) => work());
  await step(() => client.query(`INSERT INTO ccost_hosts (host_id, name, pricing_version) VALUES ($1, $2, $3) ON CONFLICT (host_id) DO UPDATE SET name = excluded.name, pricing_version = excluded.pricing_version`, [o.hostId, o.hostName, o.pricingVersion]));
  const stored = store.log.storedOrigins();
  const { rows } = await step(() => client.query<{ sent_gen: string; sent_file: string; sent_start: string; files_digest: string | null }>(`SELECT sent_gen, sent_file, sent_start, files_digest FROM ccost_hosts WHERE host_id = $1`, [o.hostId]));
  const cursor = rows[0]!;
  // Parsed only when there is something to send.
  let parsed: Map<number, { id: FileId; path: string; origin: FileOrigin }> | null = null;
  const files = () => (parsed ??= new Map(stored.map(([id, path, dataDir, json]) => [id as number, { id, path, origin: originOf(path, dataDir, json) }])));
  const digest = createHash('sha1').update(JSON.stringify(stored)).digest('hex');
  // Every file's path and attribution (13,000 files: ~0.3 s), only when one changed since the last sync.
  if (digest !== cursor.files_digest) await step(() => pushFiles(client, o.hostId, [...files().values()], digest));
  let batch: string[] = [];
  let last: { gen: number; fileId: number; start: number } | null = null;
  const result: PushResult = { events: 0, batches: 0 };
  const flush = async () => {
    if (!last) return;
    await step(() => inTransaction(client, () => mergeBatch(client, o.hostId, batch, last!)));
    result.events += batch.length;
    result.batches++;
    o.onBatch?.(result.events);
    batch = [];
  };
  for (const seg of store.log.segmentsAfter(Number(cursor.sent_gen), Number(cursor.sent_file), Number(cursor.sent_start))) {
    const file = files().get(seg.fileId);
    if (!file) continue;
    for (const e of decodeEvents(seg.events, seg.fileId)) batch.push(copyLine(e, file.origin, file.path, o));
    last = { gen: seg.gen, fileId: seg.fileId, start: seg.start };
    // Whole segments per batch: the cursor names the last segment sent.
    if (batch.length >= o.batch) await flush();
  }
  if (batch.length > 0) await flush();
  await step(() => client.query(`UPDATE ccost_hosts SET last_sync_at = now() WHERE host_id = $1`, [o.hostId]));
  return result;
}

/** Every file of the ledger with its path and attribution (attribution may change: a report uses the latest). */
async function pushFiles(client: Client, hostId: string, files: Array<{ id: FileId; path: string; origin: FileOrigin }>, digest: string): Promise<void> {
  await inTransaction(client, async () => {
    await client.query(`CREATE TEMP TABLE ccost_new_files (file_id bigint, path text, origin jsonb) ON COMMIT DROP`);
    await copyRows(client, 'ccost_new_files (file_id, path, origin)', files.map((f) => [String(f.id), text(f.path), text(JSON.stringify(f.origin))].join('\t') + '\n'));
    await client.query(
      `INSERT INTO ccost_files (host_id, file_id, path, origin) SELECT $1, file_id, path, origin FROM ccost_new_files ORDER BY file_id
       ON CONFLICT (host_id, file_id) DO UPDATE SET path = excluded.path, origin = excluded.origin WHERE (ccost_files.path, ccost_files.origin) IS DISTINCT FROM (excluded.path, excluded.origin)`,
      [hostId],
    );
    await client.query(`UPDATE ccost_hosts SET files_digest = $2 WHERE host_id = $1`, [hostId, digest]);
  });
}

const ROW_KEY = ['bucket', 'host_id', 'file_id', 'model', 'session_id', 'cwd', 'subagent'] as const;
const SUMS = ['input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'total_tokens', 'cost_auto', 'cost_calculate', 'cost_display'] as const;
const FLAGS = ['unpriced_auto', 'unpriced_calculate'] as const;
const cols = (alias: string, names: readonly string[]) => names.map((n) => `${alias}.${n}`).join(', ');
/** The rollup columns made from events under `alias`, grouped by the row key. */
const ROLLUP_OF = (alias: string) => `${cols(alias, ROW_KEY)}, ${SUMS.map((f) => `sum(${alias}.${f})`).join(', ')}, ${FLAGS.map((f) => `bool_or(${alias}.${f})`).join(', ')}, count(*), min(${alias}.ts), max(${alias}.ts)`;

async function mergeBatch(client: Client, hostId: string, lines: string[], last: { gen: number; fileId: number; start: number }): Promise<void> {
  await client.query(`CREATE TEMP TABLE ccost_batch (LIKE ccost_events) ON COMMIT DROP`);
  await copyRows(client, `ccost_batch (${EVENT_FIELDS.join(', ')})`, lines);
  // One merge at a time across the fleet: each sees every merge before it, so the rollup rows it
  // changes are exact. The COPY above, the slow part, runs alongside other hosts'.
  await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK.merge]);
  // The copies that beat the stored one (or are the first), with the stored copy's row when there was one.
  await client.query(
    `CREATE TEMP TABLE ccost_win ON COMMIT DROP AS
       SELECT b.*, e.event_key IS NOT NULL AS replaces, ${ROW_KEY.map((k) => `e.${k} AS old_${k}`).join(', ')}
       FROM (SELECT DISTINCT ON (event_key) * FROM ccost_batch ORDER BY event_key, rank_key DESC) b
       LEFT JOIN ccost_events e ON e.event_key = b.event_key
       WHERE e.event_key IS NULL OR b.rank_key > e.rank_key`,
  );
  const set = EVENT_FIELDS.filter((f) => f !== 'event_key');
  await client.query(
    `INSERT INTO ccost_events SELECT ${EVENT_FIELDS.join(', ')} FROM ccost_win ORDER BY event_key
     ON CONFLICT (event_key) DO UPDATE SET (${set.join(', ')}) = (${set.map((f) => `excluded.${f}`).join(', ')}) WHERE excluded.rank_key > ccost_events.rank_key`,
  );
  // A row that lost a copy (and the row its better copy went to) is summed again from the events:
  // its first and last timestamps cannot be taken back by a difference. Rare: only messages on two hosts.
  await client.query(
    `CREATE TEMP TABLE ccost_resum ON COMMIT DROP AS
       SELECT ${ROW_KEY.map((k) => `old_${k} AS ${k}`).join(', ')} FROM ccost_win WHERE replaces
       UNION SELECT ${ROW_KEY.join(', ')} FROM ccost_win WHERE replaces`,
  );
  const onKey = (a: string, b: string) => `(${cols(a, ROW_KEY)}) = (${cols(b, ROW_KEY)})`;
  await client.query(`DELETE FROM ccost_rollup r USING ccost_resum t WHERE ${onKey('r', 't')}`);
  await client.query(`INSERT INTO ccost_rollup SELECT ${ROLLUP_OF('e')} FROM ccost_events e JOIN ccost_resum t ON ${onKey('e', 't')} GROUP BY ${cols('e', ROW_KEY)}`);
  // Every other row only gains copies: their sums are added in.
  await client.query(
    `INSERT INTO ccost_rollup SELECT ${ROLLUP_OF('w')} FROM ccost_win w
       WHERE NOT w.replaces AND NOT EXISTS (SELECT 1 FROM ccost_resum t WHERE ${onKey('t', 'w')})
       GROUP BY ${cols('w', ROW_KEY)} ORDER BY ${cols('w', ROW_KEY)}
     ON CONFLICT (${ROW_KEY.join(', ')}) DO UPDATE SET
       ${[...SUMS, 'events'].map((f) => `${f} = ccost_rollup.${f} + excluded.${f}`).join(', ')},
       ${FLAGS.map((f) => `${f} = ccost_rollup.${f} OR excluded.${f}`).join(', ')},
       first_ts = least(ccost_rollup.first_ts, excluded.first_ts), last_ts = greatest(ccost_rollup.last_ts, excluded.last_ts)`,
  );
  await client.query(`UPDATE ccost_hosts SET sent_gen = $2, sent_file = $3, sent_start = $4 WHERE host_id = $1`, [hostId, last.gen, last.fileId, last.start]);
}

async function inTransaction(client: Client, work: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await client.query('BEGIN');
    try {
      await work();
      await client.query('COMMIT');
      return;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      if (!RETRY_CODES.has(String((err as { code?: unknown }).code)) || attempt >= 5) throw err;
    }
  }
}

async function copyRows(client: Client, target: string, lines: string[]): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${target} FROM STDIN`));
  await pipeline(Readable.from(chunks(lines)), stream);
}

function* chunks(lines: string[]): Generator<string> {
  for (let i = 0; i < lines.length; i += 500) yield lines.slice(i, i + 500).join('');
}

/** A value in COPY's text format. */
function text(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

const bool = (b: boolean) => (b ? 't' : 'f');

/** One copy of a response as a COPY line of ccost_events: its own rollup row of one, and its keys. */
function copyLine(e: UsageEvent<FileId>, origin: FileOrigin, path: string, o: PushOptions): string {
  const row = rollup([{ ...e, fileIndex: 0 as FilePos }], [origin], o.pricing)[0]!;
  const key = e.messageId ?? `${o.hostId}:${e.fileIndex}:${e.offset}`;
  const rank = rankKey({ tokens: eventTokens(e), sidechain: e.sidechain, timestamp: e.timestamp, offset: e.offset }, o.hostId, path);
  const values = [
    text(key),
    `\\\\x${rank.toString('hex')}`,
    String(e.timestamp),
    String(row.bucket),
    text(row.model),
    text(row.session),
    text(row.cwd ?? ''),
    bool(row.subagent),
    bool(e.sidechain),
    String(row.inputTokens),
    String(row.outputTokens),
    String(row.cacheCreationTokens),
    String(row.cacheReadTokens),
    String(row.totalTokens),
    String(row.costAuto),
    String(row.costCalculate),
    String(row.costDisplay),
    bool(row.unpricedAuto),
    bool(row.unpricedCalculate),
    o.hostId,
    String(e.fileIndex),
    String(e.offset),
  ];
  return values.join('\t') + '\n';
}
