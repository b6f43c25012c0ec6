/**
 * Worker thread: scans the files it is given and posts back each file's events, deduplicated
 * within the file and encoded compactly (the number arrays are transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { scanFile } from './scan-file.js';
import { bestWithinFile } from '../usage/dedup.js';
import { encodeEvents } from '../usage/event-codec.js';
import type { ScanJob, WorkerResult } from './scan-pool.js';

const jobs = (workerData as { jobs: ScanJob[] }).jobs;
const results: WorkerResult[] = jobs.map((j) => {
  const scan = scanFile(j.path, { fileIndex: j.fileIndex, subagentFile: j.subagentFile, start: j.start });
  return { warnings: scan.warnings, endOffset: scan.endOffset, size: scan.size, events: encodeEvents(bestWithinFile(scan.events)) };
});
parentPort!.postMessage(results, results.map((r) => r.events.nums.buffer as ArrayBuffer));
