/**
 * Runs an async job so that calls never overlap: a call while it runs makes it run once more after,
 * however many calls came in between (bursts of file events become one or two runs).
 */
export function coalesce(job: () => Promise<void>, onError: (err: unknown) => void = () => {}): () => Promise<void> {
  let running = false;
  let again = false;
  return async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        try {
          await job();
        } catch (err) {
          // A failed round (a file vanishing mid-read, say) must not end a long-running watcher.
          onError(err);
        }
      } while (again);
    } finally {
      running = false;
    }
  };
}
