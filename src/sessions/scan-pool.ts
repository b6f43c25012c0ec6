/**
 * Scans many files, across worker threads when there is enough to read. Files are dealt to workers
 * largest first, each to the least loaded worker, so the threads finish together. Each file's events
 * come back deduplicated within the file (enough for global dedup, and half the size).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { scanFile, type FileScan } from './scan-file.js';
import { bestWithinFile } from '../usage/dedup.js';
import { decodeEvents, type EncodedEvents } from '../usage/event-codec.js';
import type { FileWarnings } from '../usage/types.js';

export interface ScanJob {
  path: string;
  fileIndex: number;
  subagentFile: boolean;
  /** Byte offset to start from (a ledger checkpoint). */
  start: number;
  /** Bytes expected to be read (size − start), for balancing. */
  bytes: number;
}

export interface WorkerResult {
  warnings: FileWarnings;
  endOffset: number;
  size: number;
  events: EncodedEvents;
}

export interface PoolOptions {
  /** Threads in all, the calling one included; 1 scans on the calling thread alone. Default: the machine's cores, at most 8. */
  threads?: number;
  /** Below this many bytes to read, threads cost more than they save. */
  minBytesForThreads?: number;
}

const WORKER_URL = new URL('./scan-worker.js', import.meta.url);

export async function scanMany(jobs: readonly ScanJob[], opts: PoolOptions = {}): Promise<FileScan[]> {
  const total = jobs.reduce((n, j) => n + j.bytes, 0);
  const threads = Math.min(opts.threads ?? Math.min(availableParallelism(), 8), jobs.length);
  if (threads <= 1 || total < (opts.minBytesForThreads ?? 32 << 20)) {
    return jobs.map(scanHere);
  }
  const shares: Array<{ jobs: ScanJob[]; slots: number[]; bytes: number }> = Array.from({ length: threads }, () => ({ jobs: [], slots: [], bytes: 0 }));
  const order = jobs.map((_, i) => i).sort((a, b) => jobs[b]!.bytes - jobs[a]!.bytes);
  for (const i of order) {
    let least = shares[0]!;
    for (const s of shares) if (s.bytes < least.bytes) least = s;
    least.jobs.push(jobs[i]!);
    least.slots.push(i);
    least.bytes += jobs[i]!.bytes;
  }
  const results: FileScan[] = new Array(jobs.length);
  // The calling thread takes the first share itself while the workers do the rest.
  const [mine, ...theirs] = shares;
  const done = Promise.all(
    theirs.map(
      (share) =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(WORKER_URL, { workerData: { jobs: share.jobs } });
          w.once('message', (scans: WorkerResult[]) => {
            scans.forEach((s, k) => {
              results[share.slots[k]!] = { warnings: s.warnings, endOffset: s.endOffset, size: s.size, events: decodeEvents(s.events), encoded: s.events };
            });
            resolve();
          });
          w.once('error', reject);
          w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`scan worker exited with code ${code}`))));
        }),
    ),
  );
  mine!.jobs.forEach((j, k) => (results[mine!.slots[k]!] = scanHere(j)));
  await done;
  return results;
}

function scanHere(j: ScanJob): FileScan {
  const scan = scanFile(j.path, { fileIndex: j.fileIndex, subagentFile: j.subagentFile, start: j.start });
  return { ...scan, events: bestWithinFile(scan.events) };
}
