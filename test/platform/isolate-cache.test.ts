import { describe, expect, it } from "vitest";
import { type CachedAnswer, IsolateCache } from "../../shared/platform/isolate-cache";

const answerOf = (bytes: number): CachedAnswer => ({ status: 200, headers: [], body: new ArrayBuffer(bytes) });

describe("the isolate cache", () => {
  it("keeps at most maxEntries, evicting the least recently used first", () => {
    const cache = new IsolateCache({ maxEntries: 3, maxBytes: 1_000_000 });
    const forever = Date.now() + 60_000;
    for (const key of ["a", "b", "c"]) cache.set(key, answerOf(10), forever);
    expect(cache.get("a")).toBeDefined(); // a is now the most recently used; b the least
    cache.set("d", answerOf(10), forever);
    expect(cache.usage().entries).toBe(3);
    expect(cache.get("b")).toBeUndefined();
    expect(["a", "c", "d"].map((k) => cache.get(k)?.body.byteLength)).toEqual([10, 10, 10]);
  });

  it("keeps at most maxBytes (bodies, headers and keys), whatever the number of entries", () => {
    const cache = new IsolateCache({ maxEntries: 1_000, maxBytes: 10_000 });
    const forever = Date.now() + 60_000;
    for (let i = 0; i < 100; i++) cache.set(`key-${i}`, answerOf(1_000), forever);
    const { entries, bytes } = cache.usage();
    expect(bytes).toBeLessThanOrEqual(10_000);
    expect(entries).toBe(9); // 1,000 bytes of body + 2 bytes per key character each
    expect(cache.get("key-99")).toBeDefined();
    expect(cache.get("key-90")).toBeUndefined();
    // Replacing an entry counts its bytes once.
    cache.set("key-99", answerOf(500), forever);
    expect(cache.usage().bytes).toBe(bytes - 500);
  });

  it("never holds an answer larger than the whole budget", () => {
    const cache = new IsolateCache({ maxEntries: 10, maxBytes: 1_000 });
    cache.set("small", answerOf(100), Date.now() + 60_000);
    cache.set("huge", answerOf(5_000), Date.now() + 60_000);
    expect(cache.get("huge")).toBeUndefined();
    expect(cache.get("small")).toBeDefined();
  });

  it("answers nothing once an entry's expiry has passed, and frees its bytes", () => {
    let now = 1_000_000;
    const cache = new IsolateCache({ maxEntries: 10, maxBytes: 10_000 }, () => now);
    cache.set("k", answerOf(100), now + 30_000);
    now += 29_999;
    expect(cache.get("k")).toBeDefined();
    now += 1;
    expect(cache.get("k")).toBeUndefined();
    expect(cache.usage()).toEqual({ entries: 0, bytes: 0 });
    cache.set("already-expired", answerOf(100), now);
    expect(cache.usage().entries).toBe(0);
  });
});
