/**
 * The fleet's hosts as the database knows them: when each last synced, how far behind that is, its
 * newest counted response, and which hosts price with a table other than this ccost's (their costs
 * differ for the same tokens until they update).
 */
import type { ClientBase } from 'pg';

export interface HostStatus {
  hostId: string;
  name: string;
  lastSync: string | null;
  /** Seconds since the last sync (as the database's clock has it); null before the first. */
  lagSeconds: number | null;
  /** Responses this host counts after the fleet's dedup, and the newest of them. */
  responses: number;
  lastActivity: string | null;
  pricingVersion: string | null;
  /** The host's price table is not the one this ccost embeds. */
  pricingDiffers: boolean;
}

export interface FleetStatus {
  schemaVersion: number;
  hosts: HostStatus[];
  /** Price tables in use across the fleet (a hash each): more than one means costs are not comparable. */
  pricingVersions: string[];
}

export async function fleetStatus(client: ClientBase, ownPricing: string): Promise<FleetStatus> {
  const { rows } = await client.query<{ host_id: string; name: string; last_sync_at: Date | null; lag: number | null; pricing_version: string | null; responses: string | null; last_ts: string | null }>(
    `SELECT h.host_id, h.name, h.last_sync_at, extract(epoch FROM now() - h.last_sync_at)::float8 AS lag, h.pricing_version, r.responses, r.last_ts
     FROM ccost_hosts h LEFT JOIN (SELECT host_id, sum(events) AS responses, max(last_ts) AS last_ts FROM ccost_rollup GROUP BY host_id) r USING (host_id)
     ORDER BY h.name, h.host_id`,
  );
  const version = (await client.query<{ value: string }>(`SELECT value FROM ccost_meta WHERE key = 'schema_version'`)).rows[0]?.value;
  const hosts = rows.map((h) => ({
    hostId: h.host_id,
    name: h.name,
    lastSync: h.last_sync_at ? h.last_sync_at.toISOString() : null,
    lagSeconds: h.lag === null ? null : Math.max(0, Math.round(h.lag)),
    responses: Number(h.responses ?? 0),
    lastActivity: h.last_ts ? new Date(Number(h.last_ts)).toISOString() : null,
    pricingVersion: h.pricing_version,
    pricingDiffers: h.pricing_version !== null && h.pricing_version !== ownPricing,
  }));
  return { schemaVersion: Number(version), hosts, pricingVersions: [...new Set(hosts.flatMap((h) => (h.pricingVersion ? [h.pricingVersion] : [])))].sort() };
}
