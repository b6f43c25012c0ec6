/**
 * Discover + scan + dedup: everything a report needs from the session files.
 */
import { Deduper } from '../usage/dedup.js';
import type { FileOrigin, FileWarnings, UsageEvent } from '../usage/types.js';
import { discover } from './discover.js';
import { scanMany } from './scan-pool.js';

export interface ScannedUsage {
  files: FileOrigin[];
  /** Every usage record found, before dedup. */
  records: UsageEvent[];
  /** Files with something skipped or unreadable, and folders that could not be read. */
  warnings: FileWarnings[];
  dataDirs: string[];
  bytes: number;
}

export interface LoadedUsage extends Omit<ScannedUsage, 'records'> {
  /** Deduplicated events. */
  events: UsageEvent[];
  records: number;
  duplicates: number;
}

export async function scanAll(dirs: readonly string[], threads?: number): Promise<ScannedUsage> {
  const found = discover(dirs);
  const files = found.files.map((f) => f.origin);
  const warnings: FileWarnings[] = found.problems.map((p) => ({ path: p.path, malformed: 0, invalid: 0, partialTail: false, error: p.error }));
  const records: UsageEvent[] = [];
  let bytes = 0;
  const scans = await scanMany(
    found.files.map((f, i) => ({ path: f.origin.path, fileIndex: i, subagentFile: f.origin.subagentFile, start: 0, bytes: f.size })),
    { threads },
  );
  scans.forEach((scan) => {
    bytes += scan.size;
    for (const e of scan.events) records.push(e);
    const w = scan.warnings;
    if (w.malformed || w.invalid || w.partialTail || w.error) warnings.push(w);
  });
  return { files, records, warnings, dataDirs: found.dataDirs, bytes };
}

export async function loadUsage(dirs: readonly string[], threads?: number): Promise<LoadedUsage> {
  const scanned = await scanAll(dirs, threads);
  const dedup = new Deduper(scanned.files);
  dedup.addAll(scanned.records);
  return { ...scanned, events: [...dedup.events()], records: scanned.records.length, duplicates: dedup.duplicates };
}
