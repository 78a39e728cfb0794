/**
 * A small in-memory cache for one isolate, in front of the Cache API: least recently used entries
 * go first once either bound is passed (entries or bytes), so its memory stays bounded whatever the
 * keys. It stores what the edge cache stores, under the same keys (which name the version or
 * generation the answer was built from) and until the same expiry, so it is never staler than
 * the Cache API copy would be. A Map keeps insertion order: re-inserting on use makes its first
 * key the least recently used.
 */

/** A cached answer: plain data, never I/O objects (those belong to the request that made them). */
export interface CachedAnswer {
  status: number;
  headers: [string, string][];
  body: ArrayBuffer;
}

interface Entry {
  answer: CachedAnswer;
  bytes: number;
  expiresAt: number;
}

export interface IsolateCacheLimits {
  maxEntries: number;
  maxBytes: number;
}

/** Per isolate (128 MB): a few thousand answers, at most 16 MiB of them. */
export const ISOLATE_CACHE_LIMITS: IsolateCacheLimits = { maxEntries: 2_000, maxBytes: 16 * 2 ** 20 };

/** What an entry costs: its body, its headers and its key (UTF-16 in memory, so two bytes a character). */
function sizeOf(key: string, answer: CachedAnswer): number {
  let text = key.length;
  for (const [name, value] of answer.headers) text += name.length + value.length;
  return answer.body.byteLength + 2 * text;
}

export class IsolateCache {
  private readonly entries = new Map<string, Entry>();
  private totalBytes = 0;

  constructor(
    private readonly limits: IsolateCacheLimits = ISOLATE_CACHE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The answer under `key` unless it has expired; a hit becomes the most recently used. */
  get(key: string): CachedAnswer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.totalBytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.answer;
  }

  /** Keeps `answer` until `expiresAt` (epoch ms), evicting the least recently used past either bound. */
  set(key: string, answer: CachedAnswer, expiresAt: number): void {
    const bytes = sizeOf(key, answer);
    this.delete(key);
    // An answer bigger than the whole budget would only push everything else out.
    if (bytes > this.limits.maxBytes || this.limits.maxEntries < 1 || expiresAt <= this.now()) return;
    this.entries.set(key, { answer, bytes, expiresAt });
    this.totalBytes += bytes;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.totalBytes <= this.limits.maxBytes) break;
      this.delete(oldest);
    }
  }

  /** How many entries and bytes it holds now. */
  usage(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.totalBytes };
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }
}
