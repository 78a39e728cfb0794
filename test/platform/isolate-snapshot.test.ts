import { describe, expect, it } from "vitest";
import { IsolateSnapshot, REFRESH_GRACE_MS } from "../../shared/platform/isolate-snapshot";

const TTL = 5_000;

/** A read the test settles by hand, counting how often it was sent. */
function gatedReads() {
  const pending: { resolve: (v: string) => void; reject: (e: unknown) => void }[] = [];
  const read = () =>
    new Promise<string>((resolve, reject) => {
      pending.push({ resolve, reject });
    });
  return { read, pending };
}

describe("an isolate's snapshot", () => {
  it("reads once per TTL; during a refresh the other requests get the last value without waiting on it", async () => {
    const snapshot = new IsolateSnapshot<string>();
    const { read, pending } = gatedReads();
    const first = snapshot.current(read, 0, TTL);
    pending[0]?.resolve("v1");
    expect(await first).toBe("v1");
    expect(await snapshot.current(read, TTL - 1, TTL)).toBe("v1");
    expect(pending).toHaveLength(1);

    const refreshing = snapshot.current(read, TTL, TTL);
    expect(pending).toHaveLength(2);
    // The refresh has not landed: these answer at once with the last value and send nothing.
    expect(await Promise.all([snapshot.current(read, TTL + 1, TTL), snapshot.current(read, TTL + 2, TTL)])).toEqual([
      "v1",
      "v1",
    ]);
    expect(pending).toHaveLength(2);
    pending[1]?.resolve("v2");
    expect(await refreshing).toBe("v2");
    expect(await snapshot.current(read, TTL + 3, TTL)).toBe("v2");
  });

  it("with nothing read yet, each request reads for itself rather than wait on another's read", async () => {
    const snapshot = new IsolateSnapshot<string>();
    const { read, pending } = gatedReads();
    const a = snapshot.current(read, 0, TTL);
    const b = snapshot.current(read, 0, TTL);
    expect(pending).toHaveLength(2);
    pending[1]?.resolve("b");
    expect(await b).toBe("b");
    pending[0]?.resolve("a");
    expect(await a).toBe("a");
  });

  it("a failed refresh keeps the last value (and says so); with none it throws", async () => {
    const snapshot = new IsolateSnapshot<string>();
    await expect(snapshot.current(() => Promise.reject(new Error("d1 down")), 0, TTL)).rejects.toThrow("d1 down");
    await snapshot.current(async () => "v1", 0, TTL);
    const failures: unknown[] = [];
    const kept = await snapshot.current(
      () => Promise.reject(new Error("d1 down")),
      TTL,
      TTL,
      (e) => failures.push(e),
    );
    expect(kept).toBe("v1");
    expect(failures).toHaveLength(1);
  });

  it("after invalidate(), a failed read throws rather than serve the value it dropped", async () => {
    const snapshot = new IsolateSnapshot<string>();
    await snapshot.current(async () => "v1", 0, TTL);
    const { read, pending } = gatedReads();
    const refreshing = snapshot.current(read, TTL, TTL);
    snapshot.invalidate();
    pending[0]?.reject(new Error("d1 down"));
    await expect(refreshing).rejects.toThrow("d1 down");
  });

  it("a refresh that never lands holds the others back for REFRESH_GRACE_MS at most", async () => {
    const snapshot = new IsolateSnapshot<string>();
    await snapshot.current(async () => "v1", 0, TTL);
    void snapshot.current(() => new Promise<string>(() => {}), TTL, TTL);
    expect(await snapshot.current(async () => "unused", TTL + REFRESH_GRACE_MS - 1, TTL)).toBe("v1");
    expect(await snapshot.current(async () => "v2", TTL + REFRESH_GRACE_MS, TTL)).toBe("v2");
  });

  it("a read sent before invalidate() does not put back what it dropped", async () => {
    const snapshot = new IsolateSnapshot<string>();
    const { read, pending } = gatedReads();
    const before = snapshot.current(read, 0, TTL);
    snapshot.invalidate();
    pending[0]?.resolve("old");
    expect(await before).toBe("old");
    expect(await snapshot.current(async () => "new", 1, TTL)).toBe("new");
  });
});
