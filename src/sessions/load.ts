/**
 * Discover + scan + dedup: everything a report needs from the session files.
 */
import { Deduper } from '../usage/dedup.js';
import type { FileOrigin, FileWarnings, UsageEvent } from '../usage/types.js';
import { discover } from './discover.js';
import { scanFile } from './scan-file.js';

export interface LoadedUsage {
  files: FileOrigin[];
  /** Deduplicated events. */
  events: UsageEvent[];
  /** Files with something skipped or unreadable, and folders that could not be read. */
  warnings: FileWarnings[];
  dataDirs: string[];
  stats: { files: number; bytes: number; records: number; duplicates: number };
}

export function loadUsage(dirs: readonly string[]): LoadedUsage {
  const found = discover(dirs);
  const files = found.files.map((f) => f.origin);
  const dedup = new Deduper(files);
  const warnings: FileWarnings[] = found.problems.map((p) => ({ path: p.path, malformed: 0, invalid: 0, partialTail: false, error: p.error }));
  let bytes = 0;
  let records = 0;
  found.files.forEach((f, i) => {
    const scan = scanFile(f.origin.path, { fileIndex: i, subagentFile: f.origin.subagentFile });
    bytes += scan.size;
    records += scan.events.length;
    dedup.addAll(scan.events);
    const w = scan.warnings;
    if (w.malformed || w.invalid || w.partialTail || w.error) warnings.push(w);
  });
  return {
    files,
    events: [...dedup.events()],
    warnings,
    dataDirs: found.dataDirs,
    stats: { files: files.length, bytes, records, duplicates: dedup.duplicates },
  };
}
