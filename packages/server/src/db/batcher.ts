/**
 * Group commit for writes that many requests make at once: items submitted while a flush is in
 * flight wait and go together in the next one, so under load there is one statement (and one
 * commit) per batch instead of one per request, while an idle server flushes each item at once.
 * Every submitter gets its own result, or the flush's error.
 */
export class Batcher<I, O> {
  private queue: { item: I; resolve: (output: O) => void; reject: (error: unknown) => void }[] = [];
  private flushing = false;

  constructor(
    /** Writes the items and returns one output per item, in order. */
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 1_000,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const outputs = await this.flush(batch.map((entry) => entry.item));
          for (const [i, entry] of batch.entries()) entry.resolve(outputs[i]!);
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
