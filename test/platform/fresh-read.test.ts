import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../shared/platform/app-env";
import { freshRead, SHARED_READ_WAIT_MS } from "../../shared/platform/fresh-read";
import { BOOKMARK_HEADER } from "../../shared/platform/request-db";

/**
 * An app answering a version the test bumps (as an edit does), read through `freshRead`; each
 * read waits until the test lets it land, so the test decides which requests arrive while it flies.
 */
function versionApp() {
  const key = `test/${crypto.randomUUID()}`;
  let version = 1;
  const sent: { version: number; land: () => void; fail: (err: Error) => void }[] = [];
  const app = new Hono<AppEnv>();
  app.get("/version", async (c) => {
    const answer = await freshRead(
      c,
      key,
      () =>
        new Promise<number>((resolve, reject) => {
          const seen = version;
          sent.push({ version: seen, land: () => resolve(seen), fail: reject });
        }),
    );
    return c.json({ version: answer });
  });
  const ctx = createExecutionContext();
  // What the requests hand to waitUntil (kept running after their answer, or their client, is gone).
  const kept: Promise<unknown>[] = [];
  const recording = new Proxy(ctx, {
    get(target, name) {
      if (name === "waitUntil") {
        return (promise: Promise<unknown>) => {
          kept.push(promise);
          target.waitUntil(promise);
        };
      }
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const get = (headers: Record<string, string> = {}) =>
    Promise.resolve(app.fetch(new Request("http://x/version", { headers }), env, recording)).then(async (res) => {
      if (res.status !== 200) return res.status;
      return ((await res.json()) as { version: number }).version;
    });
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return { get, sent, kept, settle, bump: () => (version += 1), done: () => waitOnExecutionContext(ctx) };
}

describe("a read shared by concurrent requests", () => {
  it("lets the requests arriving while a read flies share the next one, sent after they all arrived", async () => {
    const { get, sent, settle, bump, done } = versionApp();
    const first = get();
    await settle();
    expect(sent).toHaveLength(1);
    // An edit lands after the first read was sent: the requests arriving now must not get its answer.
    bump();
    const burst = Array.from({ length: 5 }, () => get());
    await settle();
    expect(sent).toHaveLength(1);
    sent[0]?.land();
    await settle();
    expect(sent).toHaveLength(2);
    sent[1]?.land();
    expect(await first).toBe(1);
    expect(await Promise.all(burst)).toEqual([2, 2, 2, 2, 2]);
    // Nothing in flight any more: the next request reads at once.
    bump();
    const later = get();
    await settle();
    expect(sent).toHaveLength(3);
    sent[2]?.land();
    expect(await later).toBe(3);
    await done();
  });

  it("reads for itself when the request carries a D1 bookmark", async () => {
    const { get, sent, settle, done } = versionApp();
    const first = get();
    await settle();
    const bookmarked = get({ [BOOKMARK_HEADER]: "00000000-00000001-00000000-00000000000000000000000000000000" });
    const plain = get();
    await settle();
    // The bookmarked request sent its own read at once; the plain one waits to share the next.
    expect(sent).toHaveLength(2);
    sent[0]?.land();
    sent[1]?.land();
    await settle();
    expect(sent).toHaveLength(3);
    sent[2]?.land();
    expect(await Promise.all([first, bookmarked, plain])).toEqual([1, 1, 1]);
    await done();
  });

  it("fails the requests sharing a failed read, and reads again for the next", async () => {
    const { get, sent, settle, done } = versionApp();
    const first = get();
    await settle();
    const burst = [get(), get()];
    await settle();
    sent[0]?.land();
    await settle();
    sent[1]?.fail(new Error("D1 unavailable"));
    expect(await first).toBe(1);
    expect(await Promise.all(burst)).toEqual([500, 500]);
    const after = get();
    await settle();
    expect(sent).toHaveLength(3);
    sent[2]?.land();
    expect(await after).toBe(1);
    await done();
  });

  it("keeps the sender's read running past its own request, so its sharers are answered if it is cancelled", async () => {
    const { get, sent, kept, settle, done } = versionApp();
    const first = get();
    await settle();
    const burst = [get(), get()];
    await settle();
    // The first read went to waitUntil (the runtime keeps it going if its client goes away) and
    // settles only when it lands; the sharers' read, once sent, goes there too.
    expect(kept).toHaveLength(1);
    let landed = false;
    void kept[0]?.then(() => {
      landed = true;
    });
    await settle();
    expect(landed).toBe(false);
    sent[0]?.land();
    await settle();
    expect(landed).toBe(true);
    expect(kept).toHaveLength(2);
    sent[1]?.land();
    expect(await first).toBe(1);
    expect(await Promise.all(burst)).toEqual([1, 1]);
    await done();
  });
  it("reads for itself after the wait when the read in the air never lands, and drops that read for the requests after it", async () => {
    const { get, sent, settle, done } = versionApp();
    const stuck = get();
    await settle();
    const waiting = get();
    await settle();
    expect(sent).toHaveLength(1);
    await new Promise((r) => setTimeout(r, SHARED_READ_WAIT_MS + 50));
    // The waiting request gave up on the stuck read and sent its own.
    expect(sent).toHaveLength(2);
    sent[1]?.land();
    expect(await waiting).toBe(1);
    // The stuck read no longer holds anyone: the next request reads at once.
    const next = get();
    await settle();
    expect(sent).toHaveLength(3);
    sent[2]?.land();
    expect(await next).toBe(1);
    sent[0]?.land();
    expect(await stuck).toBe(1);
    await done();
  });

  it("answers every request of a burst that waits through several reads, each with a read sent after it arrived", async () => {
    const { get, sent, settle, bump, done } = versionApp();
    const first = get();
    await settle();
    bump();
    const second = [get(), get()];
    await settle();
    sent[0]?.land();
    await settle();
    // The two waiting requests share one read (the second), sent when the first landed.
    expect(sent.map((s) => s.version)).toEqual([1, 2]);
    bump();
    const third = [get(), get(), get()];
    await settle();
    expect(sent).toHaveLength(2);
    sent[1]?.land();
    await settle();
    expect(sent.map((s) => s.version)).toEqual([1, 2, 3]);
    sent[2]?.land();
    expect(await first).toBe(1);
    expect(await Promise.all(second)).toEqual([2, 2]);
    expect(await Promise.all(third)).toEqual([3, 3, 3]);
    await done();
  });
});
