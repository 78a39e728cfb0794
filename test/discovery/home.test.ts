import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { rebuildSearchDocument } from "../../shared/catalog/indexer";
import { ManualClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { buildStorefrontApp } from "../../workers/storefront/app";
import { DEMO, tokenFor } from "../helpers/callers";
import { newSeller, operatorToken, type Seller } from "../helpers/catalog";
import { call, callApp, json } from "../helpers/http";
import { newShopper, skuOnSale } from "../helpers/orders";

interface HomeView {
  version: number;
  modules: {
    moduleId: string;
    kind: string;
    title: string;
    items: { productId?: string; name?: string; minPrice?: { amount: number } | null; inStock?: boolean }[];
  }[];
}
interface AdminView {
  draft: { version: number; modules: { moduleId: string; title: string }[] };
  published: { version: number } | null;
}

async function index(...productIds: string[]) {
  for (const id of productIds) await rebuildSearchDocument(dbOf(env.DB), id, Date.now());
}

const shopHome = (seller: Seller) => `/admin/v1/shops/${seller.shopId}/home`;

async function putDraft(path: string, token: string, body: object) {
  const res = await json<AdminView>(await call("PUT", path, { token, body }));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function publish(path: string, token: string) {
  const res = await json<{ version: number }>(await call("POST", `${path}/publish`, { token }));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function storefrontHome(path: string, token?: string) {
  const res = await json<HomeView>(await call("GET", path, { token }));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { ...res.body, cache: res.res.headers.get("x-cache") };
}

/** A seller with two products on shelf, indexed, and a third taken off shelf. */
async function shopWithProducts() {
  const seller = await newSeller();
  const a = await skuOnSale(seller, { price: 50 });
  const b = await skuOnSale(seller, { price: 60 });
  const off = await skuOnSale(seller, { price: 70 });
  const res = await call("POST", `/admin/v1/products/${off.productId}/off-shelf`, { token: seller.token, body: {} });
  expect(res.status).toBe(200);
  await index(a.productId, b.productId, off.productId);
  return { seller, a, b, off };
}

describe("home pages", () => {
  it("keeps a draft off the storefront until it is published, and previews it to its editors only", async () => {
    const { seller, a, b, off } = await shopWithProducts();
    const draft = await putDraft(shopHome(seller), seller.token, {
      modules: [
        { kind: "products", title: "店长推荐", source: { productIds: [b.productId, off.productId, a.productId] } },
        { kind: "flash_sale", title: "秒杀" },
      ],
    });
    expect(draft.draft.version).toBe(1);
    expect(draft.published).toBeNull();

    const page = `/v1/shops/${seller.shopId}/home`;
    expect(await storefrontHome(page)).toMatchObject({ version: 0, modules: [] });

    const preview = await storefrontHome(`${page}?preview=draft`, seller.token);
    expect(preview.cache).toBeNull();
    // Hand-picked order kept; the product off shelf is left out; the shop runs no flash sale, so its slot is empty.
    expect(preview.modules.map((m) => m.items.map((i) => i.productId))).toEqual([[b.productId, a.productId], []]);
    expect(preview.modules[0]?.items[0]).toMatchObject({ minPrice: { amount: 6000 }, inStock: true });

    const operator = await operatorToken();
    expect((await call("GET", `${page}?preview=draft`, { token: operator })).status).toBe(200);
    const other = await newSeller();
    const shopper = await newShopper();
    expect((await call("GET", `${page}?preview=draft`, { token: other.token })).status).toBe(403);
    expect((await call("GET", `${page}?preview=draft`, { token: shopper.token })).status).toBe(403);
    expect((await call("GET", `${page}?preview=draft`)).status).toBe(401);

    await publish(shopHome(seller), seller.token);
    const live = await storefrontHome(page);
    expect(live.version).toBe(1);
    expect(live.modules.map((m) => m.kind)).toEqual(["products", "flash_sale"]);
    expect(live.modules[0]?.items.map((i) => i.productId)).toEqual([b.productId, a.productId]);
  });

  it("never serves an edit stale after publish, even to many requests at once", async () => {
    const { seller, a } = await shopWithProducts();
    const page = `/v1/shops/${seller.shopId}/home`;
    await putDraft(shopHome(seller), seller.token, {
      modules: [{ kind: "products", title: "第一版", source: { productIds: [a.productId] } }],
    });
    await publish(shopHome(seller), seller.token);
    expect((await storefrontHome(page)).cache).toBe("MISS");
    const cached = await storefrontHome(page);
    expect(cached.cache).toBe("HIT");
    expect(cached.modules[0]?.title).toBe("第一版");

    // An edit to the draft changes nothing live; the cached page stays valid.
    const edited = await putDraft(shopHome(seller), seller.token, {
      version: 1,
      modules: [{ kind: "products", title: "第二版", source: { rule: "best_sellers" } }],
    });
    expect(edited.draft.version).toBe(2);
    expect((await storefrontHome(page)).modules[0]?.title).toBe("第一版");

    await publish(shopHome(seller), seller.token);
    const after = await Promise.all(Array.from({ length: 20 }, () => storefrontHome(page)));
    expect(after.map((p) => p.modules[0]?.title)).toEqual(Array(20).fill("第二版"));
    expect(after.every((p) => p.version === 2)).toBe(true);
  });

  it("shows a scheduled module from its start and hides it from its end, cached in between", async () => {
    const { seller, a } = await shopWithProducts();
    const start = Date.UTC(2031, 0, 1, 10);
    const hour = 3_600_000;
    await putDraft(shopHome(seller), seller.token, {
      modules: [
        { kind: "products", title: "常驻", source: { productIds: [a.productId] } },
        {
          kind: "banner",
          title: "限时",
          startsAt: new Date(start + hour).toISOString(),
          endsAt: new Date(start + 2 * hour).toISOString(),
          banners: [{ image: "https://img.example.com/b.jpg", link: "/v1/products?q=T恤" }],
        },
      ],
    });
    await publish(shopHome(seller), seller.token);
    const clock = new ManualClock(start);
    const app = buildStorefrontApp({ clock });
    const titles = async () => {
      const res = await json<HomeView>(await callApp(app, "GET", `/v1/shops/${seller.shopId}/home`));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.modules.map((m) => m.title);
    };
    expect(await titles()).toEqual(["常驻"]);
    clock.set(start + hour - 1);
    expect(await titles()).toEqual(["常驻"]);
    clock.set(start + hour);
    expect(await titles()).toEqual(["常驻", "限时"]);
    clock.set(start + 2 * hour - 1);
    expect(await titles()).toEqual(["常驻", "限时"]);
    clock.set(start + 2 * hour);
    expect(await titles()).toEqual(["常驻"]);
  });

  it("resolves rule rails to the shop's products on shelf, and follows a price change", async () => {
    const { seller, a, b, off } = await shopWithProducts();
    const elsewhere = await skuOnSale(undefined, { price: 10 });
    await index(elsewhere.productId);
    await putDraft(shopHome(seller), seller.token, {
      modules: [
        { kind: "products", title: "新品", source: { rule: "new_arrivals" } },
        { kind: "products", title: "促销", source: { rule: "on_promotion" } },
      ],
    });
    await publish(shopHome(seller), seller.token);
    const page = `/v1/shops/${seller.shopId}/home`;
    const first = await storefrontHome(page);
    const newest = first.modules[0]?.items.map((i) => i.productId) ?? [];
    expect(newest.sort()).toEqual([a.productId, b.productId].sort());
    expect(newest).not.toContain(off.productId);
    expect(newest).not.toContain(elsewhere.productId);
    expect(first.modules[1]?.items).toEqual([]);

    const priced = await call("PUT", `/admin/v1/skus/${a.skuId}/prices`, {
      token: seller.token,
      body: {
        prices: [
          { type: "standard", price: { amount: 5000, currency: "CNY" } },
          { type: "promo", price: { amount: 3900, currency: "CNY" } },
        ],
      },
    });
    expect(priced.status).toBe(200);
    await index(a.productId);
    const after = await storefrontHome(page);
    expect(after.modules[1]?.items.map((i) => [i.productId, i.minPrice?.amount])).toEqual([[a.productId, 3900]]);
  });

  it("refuses a stale draft version, and lets exactly one of concurrent editors of one version win", async () => {
    const seller = await newSeller();
    const body = (title: string, version?: number) => ({
      ...(version ? { version } : {}),
      modules: [{ kind: "categories", title, categoryIds: [1003001] }],
    });
    await putDraft(shopHome(seller), seller.token, body("v1"));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call("PUT", shopHome(seller), { token: seller.token, body: body(`editor ${i}`, 1) }).then(json),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) {
      expect(r.body).toMatchObject({ status: 409, code: "version_conflict" });
    }
    const view = await json<AdminView>(await call("GET", shopHome(seller), { token: seller.token }));
    expect(view.body.draft.version).toBe(2);
  });

  it("keeps shops' pages apart and the platform's to operators", async () => {
    const seller = await newSeller();
    const other = await newSeller();
    const put = await call("PUT", shopHome(seller), {
      token: other.token,
      body: { modules: [] },
    });
    expect(put.status).toBe(404);
    expect((await call("GET", "/v1/shops/shp_does_not_exist/home")).status).toBe(404);
    expect((await call("PUT", "/admin/v1/home", { token: seller.token, body: { modules: [] } })).status).toBe(403);

    const operator = await tokenFor(DEMO.operator);
    const { a } = await shopWithProducts();
    await putDraft("/admin/v1/home", operator, {
      modules: [
        { kind: "categories", title: "分类", categoryIds: [1003001, 999999] },
        { kind: "products", title: "热销", source: { productIds: [a.productId] } },
      ],
    });
    await publish("/admin/v1/home", operator);
    const home = await storefrontHome("/v1/home");
    expect(home.modules[0]?.items).toEqual([{ categoryId: 1003001, name: "男士T恤" }]);
    expect(home.modules[1]?.items.map((i) => i.productId)).toEqual([a.productId]);
  });

  it("validates modules: a window ending before it starts, an unknown kind or rule", async () => {
    const seller = await newSeller();
    for (const module of [
      { kind: "banner", title: "x", startsAt: "2031-01-02T00:00:00Z", endsAt: "2031-01-01T00:00:00Z", banners: [] },
      { kind: "video", title: "x" },
      { kind: "products", title: "x", source: { rule: "trending" } },
    ]) {
      const res = await json(await call("PUT", shopHome(seller), { token: seller.token, body: { modules: [module] } }));
      expect(res.body, JSON.stringify(res.body)).toMatchObject({ status: 400, code: "validation_failed" });
    }
    expect((await call("POST", `${shopHome(seller)}/publish`, { token: seller.token })).status).toBe(404);
  });
});
