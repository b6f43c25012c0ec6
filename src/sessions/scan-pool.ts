/**
 * Scans many files, across worker threads when there is enough to read. Files are dealt to workers
 * largest first, each to the least loaded worker, so the threads finish together. Each file's events
 * come back deduplicated within the file (enough for global dedup, and half the size).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { scanFile, type FileScan, type PrefixHash } from './scan-file.js';
import type { ScanSlot } from '../usage/types.js';
import { bestWithinFile } from '../usage/dedup.js';
import { decodeEvents, type EncodedEvents } from '../usage/event-codec.js';

export interface ScanJob {
  path: string;
  fileIndex: ScanSlot;
  subagentFile: boolean;
  /** Byte offset to start from (a ledger checkpoint). */
  start: number;
  /** Bytes expected to be read (size − start), for balancing. */
  bytes: number;
  /** The ledger's fingerprint of what was read is wanted. */
  fingerprint?: boolean;
  /** The digest of the bytes before `start`, already made (scans on this thread carry it on). */
  prefix?: PrefixHash;
}

export interface WorkerResult extends Omit<FileScan, 'events' | 'encoded'> {
  events: EncodedEvents;
}

/** Results of consecutive jobs of one worker's share, starting at its job `first`. */
export interface WorkerBatch {
  first: number;
  results: WorkerResult[];
}

export interface PoolOptions {
  /** Threads in all, the calling one included; 1 scans on the calling thread alone. Default: the machine's cores, at most 8. */
  threads?: number;
  /** Below this many bytes to read, threads cost more than they save. */
  minBytesForThreads?: number;
  /** Keep every usage record instead of each file's best copy per message id (for tools that study copies). */
  allRecords?: boolean;
}

const WORKER_URL = new URL('./scan-worker.js', import.meta.url);

/** Called once per job, as soon as its file is read (in no particular order). */
export type OnScanned = (jobIndex: number, scan: FileScan) => void;

/**
 * Scans the jobs' files and hands each result to `onScanned` as it arrives, so that callers can
 * keep what they need (the winners of dedup) and let the rest go.
 */
export async function scanMany(jobs: readonly ScanJob[], onScanned: OnScanned, opts: PoolOptions = {}): Promise<void> {
  const total = jobs.reduce((n, j) => n + j.bytes, 0);
  const threads = Math.min(opts.threads ?? Math.min(availableParallelism(), 8), jobs.length);
  if (threads <= 1 || total < (opts.minBytesForThreads ?? 32 << 20)) {
    jobs.forEach((j, i) => onScanned(i, scanHere(j, opts.allRecords)));
    return;
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
  // The calling thread takes the first share itself while the workers do the rest.
  const [mine, ...theirs] = shares;
  const done = Promise.all(
    theirs.map(
      (share) =>
        new Promise<void>((resolve, reject) => {
          // A small young generation: a scan makes short-lived garbage by the gigabyte, and a large
          // nursery only raises peak memory (measured at 1 GiB: 213 → 202 MiB, no slower).
          // A digest in the making cannot cross to another thread: workers make theirs from the start.
          const w = new Worker(WORKER_URL, { workerData: { jobs: share.jobs.map(({ prefix: _prefix, ...j }) => j), allRecords: Boolean(opts.allRecords) }, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
          w.on('message', (b: WorkerBatch) => {
            b.results.forEach((s, k) =>
              onScanned(share.slots[b.first + k]!, { ...s, head: Buffer.from(s.head), tail: Buffer.from(s.tail), events: decodeEvents(s.events), encoded: s.events }),
            );
          });
          w.once('error', reject);
          w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`scan worker exited with code ${code}`))));
        }),
    ),
  );
  for (const [k, j] of mine!.jobs.entries()) {
    onScanned(mine!.slots[k]!, scanHere(j, opts.allRecords));
    // Let worker batches in between, so they are handled (and freed) as they come.
    if (k % 16 === 15) await new Promise<void>((r) => setImmediate(r));
  }
  await done;
}

export function scanHere(j: ScanJob, allRecords = false): FileScan {
  const scan = scanFile(j.path, { fileIndex: j.fileIndex, subagentFile: j.subagentFile, start: j.start, fingerprint: j.fingerprint, prefix: j.prefix });
  return allRecords ? scan : { ...scan, events: bestWithinFile(scan.events) };
}
