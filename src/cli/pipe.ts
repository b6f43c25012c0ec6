/**
 * `ccdk list | head -1`: when the reader of our output goes away, stop quietly with success, as
 * Unix tools do, instead of dying with an EPIPE stack trace.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
}
