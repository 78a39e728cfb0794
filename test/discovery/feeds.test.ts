/**
 * Feeds (issue #22 part 6): a seller's external catalog, served here by the feed-origin auxiliary
 * Worker (test/fixtures/feed-origin.js, every outbound fetch of the test Worker goes through it),
 * synced by seller SKU code through the bulk-job path. Runs are started with "run now" and, for
 * the schedule, with the cron's function under a manual clock.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { feedSettingsSchema, fetchFeed } from "../../shared/discovery/feeds/feed-fetch";
import { runDueFeeds } from "../../shared/discovery/feeds/feed-run";
import { checkFeedUrl } from "../../shared/discovery/feeds/feed-url";
import { ManualClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { newSeller, operatorToken, putOnShelf, type Seller } from "../helpers/catalog";
import { call, json } from "../helpers/http";

const ORIGIN = "https://origin.feeds.test";
let seq = 0;
const unique = (what: string) => `${what}-${Date.now().toString(36)}-${++seq}`;

async function serve(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${ORIGIN}/__feeds${path}`, { method: "PUT", body, headers });
  expect(res.status).toBe(204);
}

async function originStats(path: string) {
  return (await fetch(`${ORIGIN}/__feeds${path}`)).json<{
    hits: number;
    notModified: number;
    conditional: { ifNoneMatch: string | null; ifModifiedSince: string | null }[];
  }>();
}

type Summary = Record<
  "items" | "creates" | "contentEdits" | "priceChanges" | "stockChanges" | "delisted" | "missing" | "rejected",
  number
>;
type Run = {
  runId: string;
  trigger: string;
  outcome: string;
  httpStatus: number | null;
  jobId: string | null;
  summary: Summary | null;
  error: { code: string; detail: string } | null;
};
type Job = {
  kind: string;
  status: string;
  total: number;
  done: number;
  failed: number;
  errors: { row: number; ref: string | null; code: string; detail: string }[];
  created: { productId: string; ref: string | null }[];
};

async function register(seller: Seller, path: string, extra: object = {}) {
  const res = await json<{ feedId: string }>(
    await call("POST", "/admin/v1/feeds", {
      token: seller.token,
      body: { url: `${ORIGIN}${path}`, format: "json", intervalMinutes: 60, ...extra },
    }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.feedId;
}

async function runNow(seller: Seller, feedId: string): Promise<Run> {
  const res = await json<Run>(await call("POST", `/admin/v1/feeds/${feedId}/run`, { token: seller.token }));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body;
}

async function finished(seller: Seller, jobId: string | null): Promise<Job> {
  expect(jobId).toBeTruthy();
  return vi.waitUntil(
    async () => {
      const job = await json<Job>(await call("GET", `/admin/v1/bulk-jobs/${jobId}`, { token: seller.token }));
      return job.body.status === "completed" || job.body.status === "failed" ? job.body : null;
    },
    { timeout: 20_000, interval: 150 },
  );
}

function product(name: string, skus: { code: string; price: number; stock: number; colour: string }[]) {
  return {
    categoryId: 1003001,
    spu: { name, brandId: 2001, description: `${name} 描述` },
    basicAttributes: [
      { attributeId: 101, value: "NIKE" },
      { attributeId: 102, value: "棉" },
    ],
    skus: skus.map((s) => ({
      skuName: `${s.colour} L`,
      price: s.price,
      stock: s.stock,
      sellerSkuCode: s.code,
      salesAttributes: [
        { attributeId: 201, value: s.colour },
        { attributeId: 202, value: "L" },
      ],
    })),
  };
}

/** What the shop has for a code: product, name, status, standard price, available, and the price row's id. */
async function skuState(shopId: string, code: string) {
  return env.DB.prepare(
    `select s.id as skuId, p.id as productId, p.name as name, p.status as status,
            (select amount from prices where sku_id = s.id and type = 'standard') as price,
            (select id from prices where sku_id = s.id and type = 'standard') as priceRowId,
            (select sum(available) from sku_stock where sku_id = s.id) as available
       from skus s join products p on p.id = s.product_id where s.shop_id = ? and s.seller_sku_code = ?`,
  )
    .bind(shopId, code)
    .first<{
      skuId: string;
      productId: string;
      name: string;
      status: number;
      price: number;
      priceRowId: string;
      available: number;
    }>();
}

async function productCount(shopId: string) {
  return (
    (await env.DB.prepare("select count(*) as n from products where shop_id = ?").bind(shopId).first<{ n: number }>())
      ?.n ?? 0
  );
}

describe("feeds", () => {
  it("a feed run creates, edits and reprices exactly what changed, and a second run changes nothing", async () => {
    const seller = await newSeller();
    const shopId = seller.shopId ?? "";
    const path = `/${unique("catalog")}.json`;
    const [a, b, c] = [unique("同步T恤A"), unique("同步T恤B"), unique("同步T恤C")];
    const codes = { a1: unique("A1"), a2: unique("A2"), b1: unique("B1"), c1: unique("C1") };
    const v1 = [
      product(a, [
        { code: codes.a1, price: 79, stock: 10, colour: "黑色" },
        { code: codes.a2, price: 89.5, stock: 5, colour: "白色" },
      ]),
      product(b, [{ code: codes.b1, price: 79, stock: 3, colour: "黑色" }]),
    ];
    await serve(path, JSON.stringify(v1), { "x-feed-etag": '"v1"' });
    const feedId = await register(seller, path);

    const first = await runNow(seller, feedId);
    expect(first).toMatchObject({ trigger: "manual", outcome: "applied", httpStatus: 200 });
    expect(first.summary).toMatchObject({ items: 2, creates: 2, contentEdits: 0, priceChanges: 0, rejected: 0 });
    const created = await finished(seller, first.jobId);
    expect(created, JSON.stringify(created)).toMatchObject({ kind: "feed", status: "completed", total: 2, done: 2 });
    expect(created.created.map((x) => x.ref).sort()).toEqual([a, b].sort());
    expect(await productCount(shopId)).toBe(2);
    const before = {
      a1: await skuState(shopId, codes.a1),
      a2: await skuState(shopId, codes.a2),
      b1: await skuState(shopId, codes.b1),
    };
    expect(before.b1).toMatchObject({ price: 7900, available: 3 });

    // v2: A renamed, A2 restocked, B1 repriced, C new; A1 exactly as before.
    const renamed = `${a} 新款`;
    const v2 = [
      product(renamed, [
        { code: codes.a1, price: 79, stock: 10, colour: "黑色" },
        { code: codes.a2, price: 89.5, stock: 8, colour: "白色" },
      ]),
      product(b, [{ code: codes.b1, price: 69, stock: 3, colour: "黑色" }]),
      product(c, [{ code: codes.c1, price: 59, stock: 2, colour: "黑色" }]),
    ];
    await serve(path, JSON.stringify(v2), { "x-feed-etag": '"v2"' });
    const second = await runNow(seller, feedId);
    expect(second.outcome).toBe("applied");
    expect(second.summary).toEqual({
      items: 3,
      creates: 1,
      contentEdits: 1,
      priceChanges: 1,
      stockChanges: 1,
      delisted: 0,
      missing: 0,
      rejected: 0,
    });
    const job = await finished(seller, second.jobId);
    expect(job, JSON.stringify(job)).toMatchObject({ status: "completed", total: 4, done: 4, failed: 0 });
    const after = {
      a1: await skuState(shopId, codes.a1),
      a2: await skuState(shopId, codes.a2),
      b1: await skuState(shopId, codes.b1),
      c1: await skuState(shopId, codes.c1),
    };
    expect(after.a1).toEqual({ ...before.a1, name: renamed });
    expect(after.a2).toMatchObject({ name: renamed, price: 8950, available: 8, priceRowId: before.a2?.priceRowId });
    expect(after.b1).toMatchObject({ name: b, price: 6900, available: 3 });
    expect(after.b1?.priceRowId).not.toBe(before.b1?.priceRowId);
    expect(after.c1).toMatchObject({ name: c, price: 5900, available: 2 });
    expect(await productCount(shopId)).toBe(3);

    // The same feed again: the origin's 304 (the ETag sent back), no diff, no job.
    const third = await runNow(seller, feedId);
    expect(third).toMatchObject({ outcome: "not_modified", httpStatus: 304, jobId: null, summary: null });
    const stats = await originStats(path);
    expect(stats.conditional.at(-1)).toEqual({ ifNoneMatch: '"v2"', ifModifiedSince: null });
    expect(stats.notModified).toBe(1);
    // New validators, the same bytes: the content hash says unchanged.
    await serve(path, JSON.stringify(v2), { "x-feed-etag": '"v2-again"' });
    expect(await runNow(seller, feedId)).toMatchObject({ outcome: "unchanged", httpStatus: 200, jobId: null });
    // Other bytes, the same catalog: diffed, and nothing differs from what the last run applied.
    await serve(path, JSON.stringify(v2, null, 2), { "x-feed-etag": '"v2-pretty"' });
    const fifth = await runNow(seller, feedId);
    expect(fifth).toMatchObject({ outcome: "no_changes", jobId: null });
    expect(fifth.summary).toMatchObject({ items: 3, creates: 0, contentEdits: 0, priceChanges: 0, stockChanges: 0 });
    expect(await skuState(shopId, codes.b1)).toEqual(after.b1);

    const feed = await json<{ runs: Run[] }>(await call("GET", `/admin/v1/feeds/${feedId}`, { token: seller.token }));
    expect(feed.body.runs.map((r) => r.outcome)).toEqual([
      "no_changes",
      "unchanged",
      "not_modified",
      "applied",
      "applied",
    ]);
    const runs = await json<{ items: Run[]; nextCursor: string | null }>(
      await call("GET", `/admin/v1/feeds/${feedId}/runs?limit=2`, { token: seller.token }),
    );
    expect(runs.body.items.map((r) => r.runId)).toEqual(feed.body.runs.slice(0, 2).map((r) => r.runId));
    expect(runs.body.nextCursor).not.toBeNull();
  });

  it("does not delist what left the feed unless deleteMissing is on, then takes it off shelf", async () => {
    const seller = await newSeller();
    const shopId = seller.shopId ?? "";
    const path = `/${unique("delist")}.json`;
    const keep = { name: unique("留下"), code: unique("KEEP") };
    const gone = { name: unique("下架"), code: unique("GONE") };
    const v1 = [
      product(keep.name, [{ code: keep.code, price: 10, stock: 4, colour: "黑色" }]),
      product(gone.name, [{ code: gone.code, price: 20, stock: 6, colour: "黑色" }]),
    ];
    await serve(path, JSON.stringify(v1));
    const feedId = await register(seller, path);
    await finished(seller, (await runNow(seller, feedId)).jobId);
    const goneSku = await skuState(shopId, gone.code);
    await putOnShelf(seller, goneSku?.productId ?? "");

    await serve(path, JSON.stringify([v1[0]]));
    const kept = await runNow(seller, feedId);
    expect(kept).toMatchObject({ outcome: "no_changes", jobId: null });
    expect(kept.summary).toMatchObject({ missing: 1, delisted: 0 });
    expect(await skuState(shopId, gone.code)).toMatchObject({ status: 10, available: 6 });

    const patched = await json<{ deleteMissing: boolean }>(
      await call("PATCH", `/admin/v1/feeds/${feedId}`, { token: seller.token, body: { deleteMissing: true } }),
    );
    expect(patched).toMatchObject({ status: 200, body: { deleteMissing: true } });
    // The same body as before: the setting changed what it means, so it is diffed again.
    const delisted = await runNow(seller, feedId);
    expect(delisted).toMatchObject({ outcome: "applied" });
    expect(delisted.summary).toMatchObject({ delisted: 1, missing: 0, creates: 0 });
    expect(await finished(seller, delisted.jobId)).toMatchObject({ status: "completed", done: 1, failed: 0 });
    expect(await skuState(shopId, gone.code)).toMatchObject({ status: 11, available: 0 });
    expect(await skuState(shopId, keep.code)).toMatchObject({ status: 0, available: 4 });
  });

  it("a bad item is a failed row of the run's job and the rest applies", async () => {
    const seller = await newSeller();
    const shopId = seller.shopId ?? "";
    const path = `/${unique("bad-rows")}.json`;
    const good = [unique("好的1"), unique("好的2")];
    const noCode = product(unique("无编码"), [{ code: "x", price: 10, stock: 1, colour: "黑色" }]);
    delete (noCode.skus[0] as { sellerSkuCode?: string }).sellerSkuCode;
    const feed = [
      product(good[0] ?? "", [{ code: unique("G1"), price: 10, stock: 1, colour: "黑色" }]),
      { categoryId: 1003001, spu: { name: unique("没有SKU") }, skus: [] },
      noCode,
      product(good[1] ?? "", [{ code: unique("G2"), price: 0, stock: 1, colour: "黑色" }]),
      product(unique("好的3"), [{ code: unique("G3"), price: 12.5, stock: 1, colour: "黑色" }]),
    ];
    await serve(path, JSON.stringify(feed));
    const run = await runNow(seller, await register(seller, path));
    expect(run.summary).toMatchObject({ items: 5, creates: 4, rejected: 1 });
    const job = await finished(seller, run.jobId);
    expect(job, JSON.stringify(job)).toMatchObject({ status: "completed", total: 5, done: 2, failed: 3 });
    expect(job.errors.map((e) => e.code)).toEqual(["validation_failed", "validation_failed", "validation_failed"]);
    expect(job.errors.map((e) => e.detail).join(" | ")).toMatch(/skus.*seller SKU code.*price/s);
    expect(await productCount(shopId)).toBe(2);
  });

  it("syncs a Shopify CSV feed: creates its products, then reprices and restocks by Variant SKU", async () => {
    const seller = await newSeller();
    const shopId = seller.shopId ?? "";
    const path = `/${unique("shopify")}.csv`;
    const [black, white] = [unique("PEG-BLK"), unique("PEG-WHT")];
    const handle = unique("pegasus");
    const csv = (price: string, whiteQty: number) =>
      `Handle,Title,Body (HTML),Vendor,Type,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Price,Variant Inventory Qty
${handle},NIKE 跑步鞋 ${handle},<p>轻量</p>,NIKE,运动鞋,颜色,黑色,尺码,42,${black},${price},20
${handle},,,,,,白色,,43,${white},699.00,${whiteQty}
`;
    await serve(path, csv("699.00", 15), { "content-type": "text/csv" });
    const feedId = await register(seller, path, { format: "shopify_csv" });
    const first = await runNow(seller, feedId);
    expect(first.summary).toMatchObject({ items: 1, creates: 1 });
    expect(await finished(seller, first.jobId)).toMatchObject({ status: "completed", done: 1 });
    expect(await skuState(shopId, white)).toMatchObject({ price: 69900, available: 15 });

    await serve(path, csv("649.00", 9), { "content-type": "text/csv" });
    const second = await runNow(seller, feedId);
    expect(second.summary).toMatchObject({ creates: 0, contentEdits: 0, priceChanges: 1, stockChanges: 1 });
    expect(await finished(seller, second.jobId)).toMatchObject({ status: "completed", total: 2, done: 2 });
    expect(await skuState(shopId, black)).toMatchObject({ price: 64900, available: 20 });
    expect(await skuState(shopId, white)).toMatchObject({ price: 69900, available: 9 });
  });

  it("another shop's seller gets 404 for every feed route; operators read but do not change", async () => {
    const owner = await newSeller();
    const other = await newSeller();
    const path = `/${unique("private")}.json`;
    await serve(path, "[]");
    const feedId = await register(owner, path);
    for (const [method, route, body] of [
      ["GET", `/admin/v1/feeds/${feedId}`, undefined],
      ["GET", `/admin/v1/feeds/${feedId}/runs`, undefined],
      ["PATCH", `/admin/v1/feeds/${feedId}`, { enabled: false }],
      ["POST", `/admin/v1/feeds/${feedId}/run`, undefined],
      ["DELETE", `/admin/v1/feeds/${feedId}`, undefined],
    ] as const) {
      const res = await json(await call(method, route, { token: other.token, ...(body ? { body } : {}) }));
      expect(res, `${method} ${route}`).toMatchObject({ status: 404, body: { code: "not_found" } });
    }
    const listed = await json<{ items: { feedId: string }[] }>(
      await call("GET", "/admin/v1/feeds", { token: other.token }),
    );
    expect(listed.body.items).toEqual([]);
    const operator = await operatorToken();
    expect((await call("GET", `/admin/v1/feeds/${feedId}`, { token: operator })).status).toBe(200);
    expect((await call("POST", `/admin/v1/feeds/${feedId}/run`, { token: operator })).status).toBe(403);
    const deleted = await json(await call("DELETE", `/admin/v1/feeds/${feedId}`, { token: owner.token }));
    expect(deleted).toMatchObject({ status: 200, body: { feedId, deleted: true } });
    expect((await call("GET", `/admin/v1/feeds/${feedId}`, { token: owner.token })).status).toBe(404);
  });

  it("a feed registered with an API key runs with that key, and not once it is revoked", async () => {
    const seller = await newSeller();
    const key = await json<{ apiKeyId: string; key: string }>(
      await call("POST", "/admin/v1/api-keys", {
        token: seller.token,
        body: { name: "erp sync", scopes: ["bulk:write", "catalog:write", "prices:write", "stock:write"] },
      }),
    );
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    const path = `/${unique("by-key")}.json`;
    await serve(
      path,
      JSON.stringify([product(unique("钥匙"), [{ code: unique("KEY"), price: 5, stock: 1, colour: "黑色" }])]),
    );
    const feedId = await register({ ...seller, token: key.body.key }, path);
    const first = await runNow(seller, feedId);
    expect(await finished(seller, first.jobId)).toMatchObject({ status: "completed", done: 1 });
    expect((await call("DELETE", `/admin/v1/api-keys/${key.body.apiKeyId}`, { token: seller.token })).status).toBe(200);
    const hits = (await originStats(path)).hits;
    await serve(path, "[]");
    const revoked = await runNow(seller, feedId);
    expect(revoked).toMatchObject({ outcome: "failed", jobId: null, error: { code: "forbidden" } });
    expect((await originStats(path)).hits).toBe(hits);
  });

  it("refuses URLs that could reach private networks, at registration and on a redirect", async () => {
    for (const url of [
      "http://feeds.example.com/catalog.json",
      "https://10.0.0.8/catalog.json",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/catalog.json",
      "https://[fd00::1]/catalog.json",
      "https://[::ffff:127.0.0.1]/catalog.json",
      "https://2130706433/catalog.json",
      "https://localhost/catalog.json",
      "https://erp.internal/catalog.json",
      "https://user:secret@feeds.example.com/catalog.json",
      "https://feeds.example.com:8443/catalog.json",
      "file:///etc/passwd",
    ]) {
      expect(checkFeedUrl(url, "production").ok, url).toBe(false);
    }
    expect(checkFeedUrl("https://feeds.example.com/catalog.json", "production").ok).toBe(true);
    expect(checkFeedUrl("https://93.184.216.34/catalog.json", "production").ok).toBe(true);
    expect(checkFeedUrl("http://localhost:8787/feed.json", "production").ok).toBe(false);
    expect(checkFeedUrl("http://localhost:8787/feed.json", "development").ok).toBe(true);
    expect(checkFeedUrl("http://127.0.0.1:9000/feed.json", "development").ok).toBe(true);
    expect(checkFeedUrl("http://10.0.0.8/feed.json", "development").ok).toBe(false);

    const seller = await newSeller();
    const refused = await json<{ code: string; errors: { field: string; reason: string }[] }>(
      await call("POST", "/admin/v1/feeds", {
        token: seller.token,
        body: { url: "https://169.254.169.254/latest", format: "json", intervalMinutes: 60 },
      }),
    );
    expect(refused).toMatchObject({ status: 400, body: { code: "validation_failed", errors: [{ field: "url" }] } });

    const path = `/${unique("redirect")}.json`;
    await serve(path, "", { "x-feed-status": "302", "x-feed-location": "https://10.1.2.3/feed.json" });
    const run = await runNow(seller, await register(seller, path));
    expect(run).toMatchObject({ outcome: "failed", error: { code: "feed_url_refused" } });
    expect(run.error?.detail).toContain("10.1.2.3");
  });

  it("stops reading a body past the size cap", async () => {
    const path = `/${unique("big")}.json`;
    await serve(path, JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ filler: `item ${i}` }))));
    const settings = feedSettingsSchema.parse({ ENVIRONMENT: "test", FEED_MAX_BYTES: "512" });
    const fetched = await fetchFeed(`${ORIGIN}${path}`, { etag: null, lastModified: null }, settings);
    expect(fetched).toMatchObject({ kind: "failed", code: "feed_too_large" });
  });

  it("the cron runs a feed when its interval comes round, and not before", async () => {
    const seller = await newSeller();
    const path = `/${unique("cron")}.json`;
    await serve(
      path,
      JSON.stringify([product(unique("定时"), [{ code: unique("CRON"), price: 9, stock: 1, colour: "黑色" }])]),
    );
    const feedId = await register(seller, path, { intervalMinutes: 30 });
    const clock = new ManualClock(Date.now());
    const deps = {
      db: dbOf(env.DB),
      clock,
      producers: env,
      settings: feedSettingsSchema.parse({ ENVIRONMENT: "test" }),
    };
    const runsOf = async () =>
      (await json<{ items: Run[] }>(await call("GET", `/admin/v1/feeds/${feedId}/runs`, { token: seller.token }))).body
        .items;
    await runDueFeeds(deps);
    const [scheduled] = await runsOf();
    expect(scheduled).toMatchObject({ trigger: "schedule", outcome: "applied" });
    await finished(seller, scheduled?.jobId ?? null);
    clock.advance(29 * 60_000);
    await runDueFeeds(deps);
    expect(await runsOf()).toHaveLength(1);
    clock.advance(2 * 60_000);
    await runDueFeeds(deps);
    expect((await runsOf()).map((r) => [r.trigger, r.outcome])).toEqual([
      ["schedule", "unchanged"],
      ["schedule", "applied"],
    ]);
  });
});
