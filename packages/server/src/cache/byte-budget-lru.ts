import { createHash } from 'node:crypto';

/**
 * A least-recently-used cache bounded by an estimate of the bytes its entries hold, not by their
 * number: a stranger who sends large documents fills it no faster, in bytes, than one who sends
 * small ones. An entry larger than the whole budget is not kept at all.
 *
 * Keys should be digests (see `digestKey`), so that no key holds a request's raw text.
 */
export class ByteBudgetLru<V> {
  /** Map iteration order is insertion order: the first entry is the least recently used. */
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private used = 0;

  constructor(
    /** The most bytes the entries may hold together (0 keeps nothing). */
    readonly budget: number,
    /** What one entry costs: its value's estimated size (the key's few bytes are counted here). */
    private readonly sizeOf: (value: V) => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Move to the most recently used end.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const bytes = this.sizeOf(value) + key.length + ENTRY_OVERHEAD;
    if (bytes > this.budget) return;
    this.entries.set(key, { value, bytes });
    this.used += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.used <= this.budget) break;
      this.entries.delete(oldest);
      this.used -= entry.bytes;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.used -= entry.bytes;
  }

  /** The estimated bytes held now. */
  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A Map entry, its record and the key string's header, roughly. */
const ENTRY_OVERHEAD = 96;

/** A cache key for any number of parts: their SHA-256, so the key never holds the parts' text. */
export function digestKey(...parts: string[]): string {
  const hash = createHash('sha256');
  // Each part length-prefixed, so no two different lists of parts hash the same text.
  for (const part of parts) hash.update(`${part.length}:`).update(part);
  return hash.digest('base64url');
}
