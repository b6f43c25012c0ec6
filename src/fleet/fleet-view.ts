/**
 * The fleet as a view a report is made from: the rollup rows of every host and the files they sum,
 * each file with its host's attribution (as the host's ledger last sent it) and the host's name. The
 * same report code then runs as over local files.
 */
import type { Client } from 'pg';
import { canonicalRowOrder, type RollupRow } from '../usage/aggregate.js';
import type { CostUnits } from '../usage/money.js';
import type { FileOrigin, FilePos } from '../usage/types.js';
import type { UsageView } from '../ledger/view.js';
import type { RowNeeds } from '../reports/build.js';
import type { Calendar } from '../usage/time.js';

export interface FleetHost {
  hostId: string;
  name: string;
  lastSync: string | null;
}

interface RollupRecord {
  bucket: number;
  host_id: string;
  file_id: string;
  model: string;
  session_id: string;
  cwd: string;
  subagent: boolean;
  input_tokens: string;
  output_tokens: string;
  cache_creation_tokens: string;
  cache_read_tokens: string;
  total_tokens: string;
  cost_auto: string;
  cost_calculate: string;
  cost_display: string;
  unpriced_auto: boolean;
  unpriced_calculate: boolean;
  events: string;
  first_ts: string;
  last_ts: string;
}

/**
 * What a report asks of the fleet: the quarters it keeps, and the row fields it reads (reports/
 * build.ts rowNeeds), so that PostgreSQL sums away what it does not read: per local day instead of
 * per quarter hour, without the session or working folder where no count or filter uses them. Null
 * needs keep the fleet's own rows (blocks read quarter hours).
 */
export interface FleetQuery {
  range: [number, number];
  needs: RowNeeds | null;
  /** The report's calendar: its local days, for needs.time 'day'. */
  calendar: Calendar;
}

const SUMS = ['input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'total_tokens', 'cost_auto', 'cost_calculate', 'cost_display', 'events'];

export async function fleetView(client: Client, q: FleetQuery): Promise<{ view: UsageView; hosts: FleetHost[] }> {
  const hosts = (await client.query<{ host_id: string; name: string; last_sync_at: Date | null }>(`SELECT host_id, name, last_sync_at FROM ccost_hosts ORDER BY name, host_id`)).rows;
  const nameOf = new Map(hosts.map((h) => [h.host_id, h.name]));
  // A report's sums in memory: a hash of its groups, not a sort spilled to disk (4 MiB by default);
  // compiling the query costs more than it saves.
  await client.query(`SET work_mem = '128MB'; SET jit = off`);
  const records = (await client.query<RollupRecord>(await rollupQuery(client, q))).rows;
  // Only the files that rows name (a week's report names few of a fleet's 40,000), in (host, file id) order.
  const used = new Map<string, [string, string]>();
  for (const r of records) used.set(`${r.host_id}:${r.file_id}`, [r.host_id, r.file_id]);
  const pairs = [...used.values()];
  const fileRows = (await client.query<{ host_id: string; file_id: string; origin: FileOrigin }>(
    `SELECT f.host_id, f.file_id, f.origin FROM ccost_files f JOIN unnest($1::uuid[], $2::bigint[]) AS u(host_id, file_id) USING (host_id, file_id) ORDER BY f.host_id, f.file_id`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
  )).rows;
  const place = new Map<string, number>();
  const files: FileOrigin[] = fileRows.map((f, i) => {
    place.set(`${f.host_id}:${f.file_id}`, i);
    return { ...f.origin, host: nameOf.get(f.host_id) ?? f.origin.host };
  });
  const rows: RollupRow[] = [];
  for (const r of records) {
    const at = place.get(`${r.host_id}:${r.file_id}`);
    if (at === undefined) continue;
    rows.push({
      bucket: r.bucket,
      fileIndex: at as FilePos,
      model: r.model,
      session: r.session_id,
      cwd: r.cwd === '' ? null : r.cwd,
      subagent: r.subagent,
      inputTokens: Number(r.input_tokens),
      outputTokens: Number(r.output_tokens),
      cacheCreationTokens: Number(r.cache_creation_tokens),
      cacheReadTokens: Number(r.cache_read_tokens),
      totalTokens: Number(r.total_tokens),
      costAuto: Number(r.cost_auto) as CostUnits,
      costCalculate: Number(r.cost_calculate) as CostUnits,
      costDisplay: Number(r.cost_display) as CostUnits,
      unpricedAuto: r.unpriced_auto,
      unpricedCalculate: r.unpriced_calculate,
      events: Number(r.events),
      firstTimestamp: Number(r.first_ts),
      lastTimestamp: Number(r.last_ts),
    });
  }
  rows.sort(canonicalRowOrder);
  return { view: { files, rows, warnings: [], ledger: null }, hosts: hosts.map((h) => ({ hostId: h.host_id, name: h.name, lastSync: h.last_sync_at ? h.last_sync_at.toISOString() : null })) };
}

/** The SELECT of the rollup rows a report needs, summed as far as it allows. */
async function rollupQuery(client: Client, q: FleetQuery): Promise<{ text: string; values: unknown[] }> {
  const values: unknown[] = [];
  const where: string[] = [];
  const [lo, hi] = q.range;
  if (Number.isFinite(lo)) where.push(`bucket >= $${values.push(lo)}`);
  if (Number.isFinite(hi)) where.push(`bucket <= $${values.push(hi)}`);
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const n = q.needs;
  if (!n) return { text: `SELECT * FROM ccost_rollup ${filter}`, values };
  const group = ['host_id', 'file_id', 'model'];
  if (n.time === 'day') {
    const span = (await client.query<{ lo: number | null; hi: number | null }>(`SELECT min(bucket) AS lo, max(bucket) AS hi FROM ccost_rollup ${filter}`, values)).rows[0]!;
    if (span.lo === null || span.hi === null) return { text: `SELECT * FROM ccost_rollup WHERE false`, values: [] };
    // Each quarter goes to the local day it starts in: the days' bounds come from the report's own calendar.
    group.unshift(`width_bucket(bucket, $${values.push(q.calendar.dayStarts(span.lo, span.hi))}::integer[])`);
  }
  const kept = (need: boolean, column: string, none: string) => {
    if (need) group.push(column);
    return need ? column : `${none} AS ${column}`;
  };
  const text = `SELECT min(bucket) AS bucket, host_id, file_id, model, ${kept(n.session, 'session_id', "''")}, ${kept(n.cwd, 'cwd', "''")}, ${kept(n.subagent, 'subagent', 'false')},
      ${SUMS.map((f) => `sum(${f}) AS ${f}`).join(', ')}, bool_or(unpriced_auto) AS unpriced_auto, bool_or(unpriced_calculate) AS unpriced_calculate,
      min(first_ts) AS first_ts, max(last_ts) AS last_ts
    FROM ccost_rollup ${filter} GROUP BY ${group.join(', ')}`;
  return { text, values };
}
