import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { rebuildSearchDocument } from "../../shared/catalog/indexer";
import { dbOf } from "../../shared/platform/db";
import {
  approvePendingRevision,
  newSeller,
  operatorToken,
  postProduct,
  putOnShelf,
  SEED_DATA_PACK,
  SEED_TSHIRT,
  type Seller,
} from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { newShopper } from "../helpers/orders";

type SearchResult = {
  items: {
    productId: string;
    name: string;
    brand: string | null;
    minPrice: { amount: number } | null;
    inStock: boolean;
  }[];
  facets: {
    brand: { id: number; value: string; count: number }[];
    category: { id: number; value: string; count: number }[];
  };
  nextCursor: string | null;
};

const search = async (query: string) => json<SearchResult>(await call("GET", `/v1/products?${query}`));

/** Indexes now rather than waiting for the catalog-events consumer (which converges to the same). */
async function index(...productIds: string[]) {
  for (const id of productIds) await rebuildSearchDocument(dbOf(env.DB), id, Date.now());
}

let seller: Seller;
let categoryId: number;
const ids: Record<string, string> = {};

/** A category of its own, so filter, facet, sort and paging assertions see only this file's products. */
async function isolatedCategory(): Promise<number> {
  const operator = await operatorToken();
  const created = await json<{ id: number }>(
    await call("POST", "/admin/v1/categories", {
      token: operator,
      body: { parentId: 1003, name: `测试类目 ${Date.now()}` },
    }),
  );
  const put = await call("PUT", `/admin/v1/categories/${created.body.id}/attributes`, {
    token: operator,
    body: {
      attributes: [
        { attributeId: 201, kind: "sales", required: true },
        { attributeId: 202, kind: "sales", required: true },
      ],
    },
  });
  expect(put.status).toBe(200);
  return created.body.id;
}

function shoe(name: string, brandId: number, prices: number[], colours: string[]) {
  return {
    categoryId,
    spu: { name, brandId, description: `${name} for search tests` },
    skus: prices.map((price, i) => ({
      skuName: `${colours[i]} 42`,
      price,
      stock: 5,
      salesAttributes: [
        { attributeId: 201, value: colours[i] },
        { attributeId: 202, value: "42" },
      ],
    })),
  };
}

beforeAll(async () => {
  seller = await newSeller();
  categoryId = await isolatedCategory();
  const make = async (key: string, body: string | object, onShelf = true) => {
    const created = await postProduct(seller, body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    ids[key] = created.body.productId;
    if (onShelf) await putOnShelf(seller, created.body.productId);
  };
  await make("tshirt", SEED_TSHIRT);
  await make("dataPack", SEED_DATA_PACK);
  await make("pegasus", shoe("Pegasus Running Shoe", 2001, [699, 799], ["黑色", "白色"]));
  await make("ultraboost", shoe("Ultraboost Running Shoe", 2002, [1299], ["白色"]));
  await make("court", shoe("Court Classic Sneaker", 2001, [399], ["灰色"]));
  await make("runner", shoe("Trail Runner Shoe", 2004, [499], ["蓝色"]));
  await make("draft", shoe("Hidden Draft Running Shoe", 2001, [100], ["黑色"]), false);
  await index(...Object.values(ids));
});

describe("GET /v1/products search", () => {
  it("finds Chinese text by two-character words and longer", async () => {
    expect((await search("q=T恤")).body.items.map((i) => i.productId)).toContain(ids.tshirt);
    expect((await search(`q=${encodeURIComponent("流量包")}`)).body.items.map((i) => i.productId)).toContain(
      ids.dataPack,
    );
    expect((await search(`q=${encodeURIComponent("圆领")}`)).body.items.map((i) => i.productId)).toContain(ids.tshirt);
    expect((await search(`q=${encodeURIComponent("圆领流量")}`)).body.items.map((i) => i.productId)).not.toContain(
      ids.tshirt,
    );
  });

  it("finds English words by prefix, brand names, and never products off shelf", async () => {
    const running = (await search(`q=runn&categoryId=${categoryId}`)).body.items.map((i) => i.productId);
    expect(running).toEqual(expect.arrayContaining([ids.pegasus, ids.ultraboost, ids.runner]));
    expect(running).not.toContain(ids.draft);
    expect(running).not.toContain(ids.court);
    expect((await search("q=nike")).body.items.map((i) => i.productId)).toContain(ids.tshirt);
  });

  it("filters by category subtree, brand, price range, attribute value and stock", async () => {
    const inCategory = (await search(`categoryId=${categoryId}&limit=100`)).body.items.map((i) => i.productId);
    expect(inCategory.sort()).toEqual([ids.pegasus, ids.ultraboost, ids.court, ids.runner].sort());
    const parent = (await search("categoryId=1003&limit=100")).body.items.map((i) => i.productId);
    expect(parent).toEqual(expect.arrayContaining([ids.tshirt, ids.pegasus]));
    expect((await search(`categoryId=${categoryId}&brandId=2001`)).body.items.map((i) => i.productId).sort()).toEqual(
      [ids.pegasus, ids.court].sort(),
    );
    expect(
      (await search(`categoryId=${categoryId}&minPrice=50000&maxPrice=80000`)).body.items.map((i) => i.productId),
    ).toEqual([ids.pegasus]);
    const white = (
      await search(`categoryId=${categoryId}&attr.${encodeURIComponent("颜色")}=${encodeURIComponent("白色")}`)
    ).body.items.map((i) => i.productId);
    expect(white.sort()).toEqual([ids.pegasus, ids.ultraboost].sort());
    expect((await search(`categoryId=${categoryId}&inStock=true`)).body.items).toHaveLength(4);
  });

  it("counts facets over the whole result", async () => {
    const { facets } = (await search(`categoryId=${categoryId}`)).body;
    expect(facets.brand.find((b) => b.id === 2001)).toMatchObject({ value: "NIKE", count: 2 });
    expect(facets.brand.find((b) => b.id === 2002)).toMatchObject({ count: 1 });
    expect(facets.category).toEqual([expect.objectContaining({ id: categoryId, count: 4 })]);
  });

  it("sorts by price, newest and relevance", async () => {
    const names = async (sort: string) =>
      (await search(`categoryId=${categoryId}&sort=${sort}`)).body.items.map((i) => i.productId);
    expect(await names("price_asc")).toEqual([ids.court, ids.runner, ids.pegasus, ids.ultraboost]);
    expect(await names("price_desc")).toEqual([ids.ultraboost, ids.pegasus, ids.runner, ids.court]);
    expect(await names("newest")).toEqual([ids.runner, ids.court, ids.ultraboost, ids.pegasus]);
    expect((await search(`categoryId=${categoryId}&sort=relevance`)).body).toMatchObject({ code: "validation_failed" });
    const relevant = (await search(`q=pegasus&categoryId=${categoryId}&sort=relevance`)).body.items.map(
      (i) => i.productId,
    );
    expect(relevant[0]).toBe(ids.pegasus);
  });

  it("pages with a cursor without repeating or skipping", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: SearchResult } = await search(
        `categoryId=${categoryId}&sort=price_asc&limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.body.items.map((i) => i.productId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([ids.court, ids.runner, ids.pegasus, ids.ultraboost]);
    expect((await search("cursor=nonsense")).status).toBe(400);
  });

  it("refuses a parameter it does not know, naming it, instead of caching an answer that ignored it", async () => {
    const unknown = await search(`categoryId=${categoryId}&shopId=${seller.shopId}&bench=1`);
    expect(unknown.status).toBe(400);
    expect(unknown.res.headers.get("content-type")).toContain("application/problem+json");
    expect(unknown.body).toMatchObject({ code: "validation_failed" });
    const errors = (unknown.body as unknown as { errors: { field: string; reason: string }[] }).errors;
    expect(errors.map((e) => e.field).sort()).toEqual(["query.bench", "query.shopId"]);
    expect(errors[0]?.reason).toContain("is not a search parameter");
    // Attribute filters and every documented parameter are still accepted.
    const documented = await search(
      `q=pegasus&categoryId=${categoryId}&brandId=2001&minPrice=1&maxPrice=9000000&inStock=true&sort=price_asc` +
        `&limit=5&attr.${encodeURIComponent("颜色")}=${encodeURIComponent("白色")}`,
    );
    expect(documented.status, JSON.stringify(documented.body)).toBe(200);
    expect(documented.body.items.map((i) => i.productId)).toEqual([ids.pegasus]);
  });

  it("is as strict as the storefront's other GET routes that take a query", async () => {
    const shopper = await newShopper();
    const lists = [
      `/v1/products/${ids.pegasus}/reviews?limit=5`,
      `/v1/products/${ids.pegasus}/recommendations?kind=similar`,
      "/v1/vouchers?limit=5",
      "/v1/me/addresses?limit=5",
      "/v1/me/coins?limit=5",
    ];
    for (const path of lists) {
      const known = await call("GET", path, { token: shopper.token });
      expect(known.status, path).toBe(200);
      const unknown = await json<{ errors: { field: string }[] }>(
        await call("GET", `${path}&sellerId=x`, { token: shopper.token }),
      );
      expect(unknown.status, path).toBe(400);
      expect(unknown.body.errors, path).toEqual([{ field: "query.sellerId", reason: "is not a known field" }]);
    }
  });

  it("refreshes the index from catalog events after an edit", async () => {
    const product = await json<{ version: number }>(
      await call("GET", `/admin/v1/products/${ids.court}`, { token: seller.token }),
    );
    const marker = `Zephyrquartz${Date.now()}`;
    const edit = await call("PATCH", `/admin/v1/products/${ids.court}`, {
      token: seller.token,
      body: { version: product.body.version, name: `Court Classic ${marker}` },
    });
    expect(edit.status).toBe(200);
    // The product is on shelf: the rename goes live (and to the index) once an operator approves it.
    await approvePendingRevision(ids.court ?? "");
    await vi.waitUntil(async () => (await search(`q=${marker}`)).body.items.length === 1, {
      timeout: 10_000,
      interval: 100,
    });
    const found = (await search(`q=${marker}`)).body.items;
    expect(found.map((i) => [i.productId, i.name])).toEqual([[ids.court, `Court Classic ${marker}`]]);
  });
});

describe("GET /v1/products/:id", () => {
  it("serves the detail from the edge cache, and a new version or price at once after an edit", async () => {
    const first = await call("GET", `/v1/products/${ids.pegasus}`);
    const body = (await first.json()) as {
      name: string;
      version: number;
      skus: { skuId: string; price: { amount: number }; available: number }[];
    };
    expect(first.status).toBe(200);
    expect(first.headers.get("x-cache")).toBe("MISS");
    expect(body.skus.map((s) => [s.price.amount, s.available])).toEqual([
      [69900, 5],
      [79900, 5],
    ]);
    const second = await call("GET", `/v1/products/${ids.pegasus}`);
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(await second.json()).toEqual(body);

    await call("PATCH", `/admin/v1/products/${ids.pegasus}`, {
      token: seller.token,
      body: { version: body.version, name: "Pegasus 41" },
    });
    // On shelf, so the rename waits for approval; the storefront keeps serving the approved copy.
    expect((await call("GET", `/v1/products/${ids.pegasus}`)).headers.get("x-cache")).toBe("HIT");
    await approvePendingRevision(ids.pegasus ?? "");
    const edited = await call("GET", `/v1/products/${ids.pegasus}`);
    expect(edited.headers.get("x-cache")).toBe("MISS");
    expect(((await edited.json()) as { name: string }).name).toBe("Pegasus 41");

    const skuId = body.skus[0]?.skuId;
    await call("PUT", `/admin/v1/skus/${skuId}/prices`, {
      token: seller.token,
      body: { prices: [{ type: "standard", price: { amount: 59900, currency: "CNY" } }] },
    });
    const repriced = (await (await call("GET", `/v1/products/${ids.pegasus}`)).json()) as {
      skus: { price: { amount: number } }[];
    };
    expect(repriced.skus[0]?.price.amount).toBe(59900);
  });

  it("answers 404 for products that are not on shelf", async () => {
    expect((await call("GET", `/v1/products/${ids.draft}`)).status).toBe(404);
    expect((await call("GET", "/v1/products/spu_nope")).status).toBe(404);
  });
});

describe("GET /v1/categories", () => {
  it("answers the tree with children", async () => {
    const tree = await json<{ id: number; children: { id: number }[] }[]>(await call("GET", "/v1/categories"));
    const apparel = tree.body.find((c) => c.id === 1003);
    expect(apparel?.children.map((c) => c.id)).toEqual(expect.arrayContaining([1003001, categoryId]));
  });
});

describe("read-your-writes across replicas", () => {
  it("answers each D1-backed read and write with a bookmark that a later read can start from", async () => {
    const edit = await call("GET", `/admin/v1/products/${ids.runner}`, { token: seller.token });
    const bookmark = edit.headers.get("x-d1-bookmark");
    expect(bookmark).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/);
    const read = await call("GET", `/v1/products/${ids.runner}`, { headers: { "x-d1-bookmark": bookmark ?? "" } });
    expect(read.status).toBe(200);
    const after = read.headers.get("x-d1-bookmark");
    expect(after && bookmark && after >= bookmark).toBe(true);
  });
});

describe("the search index rebuild tool", () => {
  it("indexes products that have no search document, by a rebuild job", async () => {
    await env.DB.prepare("delete from search_documents where product_id = ?").bind(ids.runner).run();
    await env.DB.prepare("delete from search_fts where product_id = ?").bind(ids.runner).run();
    expect((await search(`categoryId=${categoryId}`)).body.items.map((i) => i.productId)).not.toContain(ids.runner);
    const operator = await operatorToken();
    const started = await json<{ jobId: string }>(
      await call("POST", "/admin/v1/ops/search/rebuild", {
        token: operator,
        body: { missingOnly: true, chunkSize: 100 },
      }),
    );
    expect(started.status).toBe(202);
    await vi.waitUntil(
      async () =>
        (
          await json<{ status: string }>(
            await call("GET", `/admin/v1/ops/search/rebuild/${started.body.jobId}`, { token: operator }),
          )
        ).body.status === "completed",
      { timeout: 20_000, interval: 100 },
    );
    expect((await search(`categoryId=${categoryId}`)).body.items.map((i) => i.productId)).toContain(ids.runner);
  });
});

describe("cached search results", () => {
  it("serves a repeated search from the cache and a fresh one after any index change", async () => {
    const query = `categoryId=${categoryId}&sort=price_asc&limit=2`;
    const first = await call("GET", `/v1/products?${query}`);
    expect(first.headers.get("x-cache")).toBe("MISS");
    const again = await call("GET", `/v1/products?limit=2&sort=price_asc&categoryId=${categoryId}`);
    expect(again.headers.get("x-cache")).toBe("HIT");
    expect(await again.json()).toEqual(await first.json());
    // Re-indexing without a visible change keeps the cache; a change to any document drops it.
    await index(ids.court ?? "");
    expect((await call("GET", `/v1/products?${query}`)).headers.get("x-cache")).toBe("HIT");
    await env.DB.prepare("update products set sales_count = sales_count + 1 where id = ?").bind(ids.court).run();
    await index(ids.court ?? "");
    expect((await call("GET", `/v1/products?${query}`)).headers.get("x-cache")).toBe("MISS");
  });
});
