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

export async function fleetView(client: Client): Promise<{ view: UsageView; hosts: FleetHost[] }> {
  const hosts = (await client.query<{ host_id: string; name: string; last_sync_at: Date | null }>(`SELECT host_id, name, last_sync_at FROM ccost_hosts ORDER BY name, host_id`)).rows;
  const nameOf = new Map(hosts.map((h) => [h.host_id, h.name]));
  const fileRows = (await client.query<{ host_id: string; file_id: string; origin: FileOrigin }>(
    `SELECT f.host_id, f.file_id, f.origin FROM ccost_files f WHERE EXISTS (SELECT 1 FROM ccost_rollup r WHERE r.host_id = f.host_id AND r.file_id = f.file_id) ORDER BY f.host_id, f.file_id`,
  )).rows;
  const place = new Map<string, number>();
  const files: FileOrigin[] = fileRows.map((f, i) => {
    place.set(`${f.host_id}:${f.file_id}`, i);
    return { ...f.origin, host: nameOf.get(f.host_id) ?? f.origin.host };
  });
  const rows: RollupRow[] = [];
  for (const r of (await client.query<RollupRecord>(`SELECT * FROM ccost_rollup`)).rows) {
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
