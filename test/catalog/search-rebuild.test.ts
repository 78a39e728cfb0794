import { createMessageBatch, env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { processRebuildChunk, type RebuildJob } from "../../shared/catalog/search-rebuild";
import { makeEvent } from "../../shared/events/messages";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";
import { handleBatch } from "../../workers/events/worker";
import { newSeller, operatorToken, postProduct, putOnShelf, tshirt } from "../helpers/catalog";
import { call, json } from "../helpers/http";

async function start(body: object) {
  return json<RebuildJob>(await call("POST", "/admin/v1/ops/search/rebuild", { token: await operatorToken(), body }));
}

async function jobOf(jobId: string) {
  return json<RebuildJob>(await call("GET", `/admin/v1/ops/search/rebuild/${jobId}`, { token: await operatorToken() }));
}

async function completed(jobId: string): Promise<RebuildJob> {
  return vi.waitUntil(
    async () => {
      const job = (await jobOf(jobId)).body;
      return job.status === "completed" ? job : null;
    },
    { timeout: 40_000, interval: 100 },
  );
}

/** On-shelf products whose search documents are then dropped, as if loaded by SQL. */
async function unindexedProducts(n: number): Promise<string[]> {
  const seller = await newSeller();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { body } = await postProduct(seller, tshirt({ name: `重建索引测试 ${i} ${Date.now().toString(36)}` }));
    await putOnShelf(seller, body.productId);
    ids.push(body.productId);
  }
  for (const id of ids) {
    await env.DB.prepare("delete from search_documents where product_id = ?").bind(id).run();
    await env.DB.prepare("delete from search_fts where product_id = ?").bind(id).run();
  }
  return ids;
}

const documents = async (ids: string[]) =>
  (
    await env.DB.prepare(
      `select count(*) as n from search_documents where product_id in (${ids.map(() => "?").join(",")})`,
    )
      .bind(...ids)
      .first<{ n: number }>()
  )?.n ?? 0;

const productCount = async () =>
  (await env.DB.prepare("select count(*) as n from products").first<{ n: number }>())?.n ?? 0;

describe("the search rebuild job", () => {
  it("answers 202 with a queued job, then indexes chunk by chunk to completed with its progress", async () => {
    const ids = await unindexedProducts(5);
    const total = await productCount();
    const started = await start({ chunkSize: 2 });
    expect(started.status).toBe(202);
    expect(started.res.headers.get("location")).toBe(`/admin/v1/ops/search/rebuild/${started.body.jobId}`);
    expect(started.body).toMatchObject({ status: "queued", missingOnly: false, chunkSize: 2, total, done: 0 });
    expect(started.body.progress).toBe(0);
    const job = await completed(started.body.jobId);
    expect(job).toMatchObject({ status: "completed", total, done: total, progress: 1 });
    expect(job.completedAt).not.toBeNull();
    expect(await documents(ids)).toBe(ids.length);
    const found = await json<{ items: { productId: string }[] }>(
      await call("GET", `/v1/products?q=${encodeURIComponent("重建索引测试")}&limit=100`),
    );
    expect(found.body.items.map((i) => i.productId)).toEqual(expect.arrayContaining(ids));
    // The operator who lost the id finds it in the list, newest first.
    const list = await json<{ items: RebuildJob[]; nextCursor: string | null }>(
      await call("GET", "/admin/v1/ops/search/rebuild?limit=1", { token: await operatorToken() }),
    );
    expect(list.body.items[0]?.jobId).toBe(started.body.jobId);
  });

  it("with missingOnly indexes the products that have no search document", async () => {
    const ids = await unindexedProducts(3);
    const started = await start({ missingOnly: true, chunkSize: 1 });
    expect(started.body.total).toBeGreaterThanOrEqual(1);
    const job = await completed(started.body.jobId);
    // Products the catalog events index meanwhile are no longer missing when their chunk comes.
    expect(job.done).toBeLessThanOrEqual(job.total);
    expect(await documents(ids)).toBe(ids.length);
  });

  it("counts a chunk once when its message arrives again, late or several times at once", async () => {
    const ids = await unindexedProducts(3);
    const started = await start({ chunkSize: 10 });
    const job = await completed(started.body.jobId);
    // The first chunk's message again (a redelivery after the job moved on): nothing changes.
    const again = {
      id: newId("request"),
      timestamp: new Date(),
      attempts: 2,
      body: makeEvent("search.rebuild_chunk_ready", { jobId: job.jobId, after: null }, Date.now()),
    };
    await handleBatch(createMessageBatch("bulk-jobs", [again]), env);
    expect((await jobOf(job.jobId)).body).toMatchObject({ status: "completed", done: job.done });

    // Five deliveries of one chunk at once, straight into the handler (and the queue's own one):
    // one leases and counts it, the others are told to retry, and a retry then does nothing.
    for (const id of ids) await env.DB.prepare("delete from search_documents where product_id = ?").bind(id).run();
    const racing = await start({ chunkSize: 500 });
    const deps = { db: dbOf(env.DB), clock: systemClock, producers: env };
    const settled = await Promise.allSettled(
      Array.from({ length: 5 }, () => processRebuildChunk(deps, racing.body.jobId, null)),
    );
    for (const r of settled) {
      if (r.status === "rejected") expect(String(r.reason)).toContain("is leased by another delivery");
    }
    const raced = await completed(racing.body.jobId);
    expect(raced.done).toBe(raced.total);
    await processRebuildChunk(deps, racing.body.jobId, null);
    expect((await jobOf(racing.body.jobId)).body.done).toBe(raced.total);
    expect(await documents(ids)).toBe(ids.length);
  }, 90_000);

  it("refuses the old paged body and unknown jobs, and is the operators' alone", async () => {
    expect((await start({ after: null, limit: 200 })).status).toBe(400);
    expect((await jobOf("job_00000000000000000000000000")).status).toBe(404);
    const seller = await newSeller();
    const refused = await call("POST", "/admin/v1/ops/search/rebuild", { token: seller.token, body: {} });
    expect(refused.status).toBe(403);
  });
});
