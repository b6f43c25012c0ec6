/**
 * Discover + scan + dedup: everything a report needs from the session files, without a ledger.
 */
import { Deduper } from '../usage/dedup.js';
import type { FileOrigin, FilePos, FileWarnings, ScanSlot, UsageEvent } from '../usage/types.js';
import { discover, type Discovery } from './discover.js';
import type { FileScan } from './scan-file.js';
import { scanMany, type PoolOptions } from './scan-pool.js';

export interface ScannedFiles {
  files: FileOrigin[];
  /** Files with something skipped or unreadable, and folders that could not be read. */
  warnings: FileWarnings[];
  dataDirs: string[];
  bytes: number;
}

export interface LoadedUsage extends ScannedFiles {
  /** Deduplicated events. */
  events: UsageEvent<FilePos>[];
  records: number;
  duplicates: number;
}

/**
 * Scans every session file found, handing each file's events to `onEvents`. Each file's scan slot is
 * its place in `files`: the events come bound to the view's places.
 */
export async function scanFiles(found: Discovery, onEvents: (events: UsageEvent<FilePos>[]) => void, opts: PoolOptions = {}): Promise<ScannedFiles> {
  const files = found.files.map((f) => f.origin);
  const warnings: FileWarnings[] = found.problems.map((p) => ({ path: p.path, malformed: 0, invalid: 0, partialTail: false, error: p.error }));
  const perFile: FileScan['warnings'][] = [];
  let bytes = 0;
  await scanMany(
    found.files.map((f, i) => ({ path: f.origin.path, fileIndex: i as ScanSlot, subagentFile: f.origin.subagentFile, start: 0, bytes: f.size })),
    (i, scan) => {
      bytes += scan.size;
      onEvents(scan.events as UsageEvent[] as UsageEvent<FilePos>[]);
      const w = scan.warnings;
      if (w.malformed || w.invalid || w.partialTail || w.error) perFile[i] = w;
    },
    opts,
  );
  for (const w of perFile) if (w) warnings.push(w);
  return { files, warnings, dataDirs: found.dataDirs, bytes };
}

export async function loadUsage(dirs: readonly string[], threads?: number): Promise<LoadedUsage> {
  const found = discover(dirs);
  const dedup = new Deduper<UsageEvent<FilePos>>(found.files.map((f) => f.origin));
  let records = 0;
  const scanned = await scanFiles(
    found,
    (events) => {
      records += events.length;
      // Losing copies are dropped as they come: memory holds the winners, not every record.
      dedup.addAll(events);
    },
    { threads },
  );
  return { ...scanned, events: [...dedup.events()], records, duplicates: dedup.duplicates };
}
