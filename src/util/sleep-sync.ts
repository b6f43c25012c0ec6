/** Blocks this thread for `ms`: for command-line steps that wait on the engine or a lock file. */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
