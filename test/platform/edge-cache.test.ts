import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../shared/platform/app-env";
import { edgeCache } from "../../shared/platform/edge-cache";

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
