import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AppEnv } from "../../shared/platform/app-env";
import { edgeCache } from "../../shared/platform/edge-cache";
import { IsolateCache } from "../../shared/platform/isolate-cache";

/** An app whose one route is slow until released, counting how often it really runs. */
function slowApp(key: string) {
  let runs = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const app = new Hono<AppEnv>();
  app.get(
    "/thing",
    edgeCache(async () => key, 60),
    async (c) => {
      runs += 1;
      await gate;
      return c.json({ answer: 42, key });
    },
  );
  return { app, release, runs: () => runs };
}

describe("the edge cache", () => {
  it("runs a burst of identical misses once; the others get a copy (COALESCED), then it is a HIT", async () => {
    const key = `test/${crypto.randomUUID()}`;
    const { app, release, runs } = slowApp(key);
    const ctx = createExecutionContext();
    const burst = Array.from({ length: 6 }, () => app.fetch(new Request("http://x/thing"), env, ctx));
    await new Promise((r) => setTimeout(r, 50));
    release();
    const answers = await Promise.all(burst);
    await waitOnExecutionContext(ctx);
    expect(runs()).toBe(1);
    expect(answers.map((r) => r.headers.get("x-cache")).sort()).toEqual([
      "COALESCED",
      "COALESCED",
      "COALESCED",
      "COALESCED",
      "COALESCED",
      "MISS",
    ]);
    for (const r of answers) expect(await r.json()).toEqual({ answer: 42, key });
    const later = await app.fetch(new Request("http://x/thing"), env, createExecutionContext());
    expect(later.headers.get("x-cache")).toBe("HIT");
    expect(runs()).toBe(1);
  });
});

/** An app whose answer and key follow a version the test bumps, as a product's edit does. */
function versionedApp(memory: IsolateCache) {
  const id = crypto.randomUUID();
  let version = 1;
  let runs = 0;
  const app = new Hono<AppEnv>();
  app.get(
    "/thing",
    edgeCache(async () => `test/${id}@${version}`, 60, memory),
    async (c) => {
      runs += 1;
      return c.json({ version });
    },
  );
  return { app, bump: () => (version += 1), runs: () => runs };
}

async function get(app: Hono<AppEnv>) {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request("http://x/thing"), env, ctx);
  await waitOnExecutionContext(ctx);
  return { cache: res.headers.get("x-cache"), body: (await res.json()) as { version: number }, res };
}

describe("the isolate's copy in front of the Cache API", () => {
  afterEach(() => vi.restoreAllMocks());

  it("answers a repeated read from memory without calling the Cache API", async () => {
    const { app, runs } = versionedApp(new IsolateCache({ maxEntries: 10, maxBytes: 100_000 }));
    expect((await get(app)).cache).toBe("MISS");
    const match = vi.spyOn(caches.default, "match");
    const put = vi.spyOn(caches.default, "put");
    for (let i = 0; i < 5; i++) expect(await get(app)).toMatchObject({ cache: "HIT", body: { version: 1 } });
    expect(match).not.toHaveBeenCalled();
    expect(put).not.toHaveBeenCalled();
    expect(runs()).toBe(1);
  });

  it("never serves the old version after a bump, from memory or the Cache API", async () => {
    const { app, bump, runs } = versionedApp(new IsolateCache({ maxEntries: 10, maxBytes: 100_000 }));
    await get(app);
    expect((await get(app)).body.version).toBe(1);
    bump();
    expect(await get(app)).toMatchObject({ cache: "MISS", body: { version: 2 } });
    expect(await get(app)).toMatchObject({ cache: "HIT", body: { version: 2 } });
    expect(runs()).toBe(2);
  });

  it("takes a Cache API copy into memory once, with no internal header in the answer", async () => {
    const key = `test/${crypto.randomUUID()}`;
    const isolateOf = (version: number) => {
      const memory = new IsolateCache({ maxEntries: 10, maxBytes: 100_000 });
      const app = new Hono<AppEnv>();
      app.get(
        "/thing",
        edgeCache(async () => key, 60, memory),
        (c) => c.json({ version }),
      );
      return { app, memory };
    };
    await get(isolateOf(1).app);
    // Another isolate: its memory is empty, the Cache API has the first one's copy.
    const other = isolateOf(-1);
    const match = vi.spyOn(caches.default, "match");
    const fromEdge = await get(other.app);
    expect(fromEdge).toMatchObject({ cache: "HIT", body: { version: 1 } });
    expect([...fromEdge.res.headers.keys()].filter((h) => h.startsWith("x-edge-cache"))).toEqual([]);
    expect(await get(other.app)).toMatchObject({ cache: "HIT", body: { version: 1 } });
    expect(match).toHaveBeenCalledTimes(1);
    expect(other.memory.usage().entries).toBe(1);
  });

  it("stays within its bounds when many distinct answers pass through", async () => {
    const memory = new IsolateCache({ maxEntries: 5, maxBytes: 100_000 });
    const app = new Hono<AppEnv>();
    const run = crypto.randomUUID();
    app.get(
      "/n/:n",
      edgeCache(async (c) => `test/${run}/${c.req.param("n")}`, 60, memory),
      (c) => c.json({ n: c.req.param("n") }),
    );
    const ctx = createExecutionContext();
    for (let n = 0; n < 20; n++) await app.fetch(new Request(`http://x/n/${n}`), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(memory.usage().entries).toBe(5);
  });
});
