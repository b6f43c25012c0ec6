/**
 * Worker thread: scans the files it is given and posts back each file's events, deduplicated
 * within the file and encoded compactly (the number arrays are transferred, not copied). Results go
 * out in batches so that the worker never holds more than a batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeEvents } from '../usage/event-codec.js';
import { scanHere, type ScanJob, type WorkerBatch } from './scan-pool.js';

const BATCH_BYTES = 16 << 20;
const { jobs, allRecords } = workerData as { jobs: ScanJob[]; allRecords: boolean };
let batch: WorkerBatch = { first: 0, results: [] };
let bytes = 0;
const flush = () => {
  parentPort!.postMessage(batch, batch.results.map((r) => r.events.nums.buffer as ArrayBuffer));
  batch = { first: batch.first + batch.results.length, results: [] };
  bytes = 0;
};
for (const j of jobs) {
  const scan = scanHere(j, allRecords);
  batch.results.push({ warnings: scan.warnings, endOffset: scan.endOffset, size: scan.size, head: scan.head, tail: scan.tail, events: encodeEvents(scan.events) });
  bytes += j.bytes;
  if (bytes >= BATCH_BYTES) flush();
}
flush();
