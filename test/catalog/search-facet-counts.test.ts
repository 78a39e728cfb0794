import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { rebuildSearchDocument, rebuildSearchIndex } from "../../shared/catalog/indexer";
import { FACET_SAMPLE } from "../../shared/catalog/search";
import { dbOf } from "../../shared/platform/db";
import {
  approvePendingRevision,
  newSeller,
  operatorToken,
  postProduct,
  putOnShelf,
  type Seller,
} from "../helpers/catalog";
import { call, json } from "../helpers/http";

type Facet = { id: number; value: string; count: number };
type Facets = { brand: Facet[]; category: Facet[] };

const db = () => dbOf(env.DB);
const index = async (...ids: string[]) => {
  for (const id of ids) await rebuildSearchDocument(db(), id, Date.now());
};
const facetsOf = async (query: string) =>
  (await json<{ facets: Facets }>(await call("GET", `/v1/products?${query}`))).body.facets;

/**
 * The precomputed counts beside their ground truth, read in one batch (one transaction) so a
 * catalog event indexed meanwhile cannot fall between the two reads.
 */
async function countsAndTruth() {
  const [counts, truth] = await env.DB.batch<{ category_path: string; brand_key: number; n: number }>([
    env.DB.prepare(
      "SELECT category_path, brand_key, on_shelf AS n FROM search_facet_counts WHERE on_shelf <> 0 ORDER BY 1, 2",
    ),
    env.DB.prepare(
      `SELECT category_path, coalesce(brand_id, 0) AS brand_key, count(*) AS n FROM search_documents
        WHERE status = 10 GROUP BY 1, 2 ORDER BY 1, 2`,
    ),
  ]);
  return { counts: counts?.results ?? [], truth: truth?.results ?? [] };
}

/**
 * search_fts's copies of what a text search filters, ranks and counts on (0036) equal their
 * documents', and every document is in the index once.
 */
async function expectFtsInStep() {
  const off = await env.DB.prepare(
    `SELECT d.product_id, count(f.product_id) AS n,
            sum(f.status IS NOT d.status OR f.sales_count IS NOT d.sales_count OR f.category_path IS NOT d.category_path
                OR f.category_id IS NOT d.category_id OR f.brand_id IS NOT d.brand_id) AS differ
       FROM search_documents d LEFT JOIN search_fts f ON f.product_id = d.product_id
      GROUP BY d.product_id HAVING n <> 1 OR differ <> 0`,
  ).all();
  expect(off.results).toEqual([]);
}

async function expectCountsExact() {
  const { counts, truth } = await countsAndTruth();
  expect(counts).toEqual(truth);
  expect(truth.length).toBeGreaterThan(0);
  await expectFtsInStep();
}

/** The category's facets as a GROUP BY over its on-shelf documents computes them. */
async function facetTruth(categoryId: number): Promise<Facets> {
  const category = await env.DB.prepare("SELECT path FROM categories WHERE id = ?")
    .bind(categoryId)
    .first<{ path: string }>();
  const path = category?.path ?? "";
  const group = async (column: string, table: string) =>
    (
      await env.DB.prepare(
        `SELECT d.${column} AS id, t.name AS value, count(*) AS count FROM search_documents d
           JOIN ${table} t ON t.id = d.${column}
          WHERE d.status = 10 AND d.category_path >= ? AND d.category_path < ?
          GROUP BY d.${column} ORDER BY count DESC, value LIMIT 50`,
      )
        .bind(path, `${path}\uffff`)
        .all<Facet>()
    ).results;
  return { brand: await group("brand_id", "brands"), category: await group("category_id", "categories") };
}

let seller: Seller;
let parentId: number;
const childIds: number[] = [];
const ids: string[] = [];

async function category(parent: number, name: string): Promise<number> {
  const operator = await operatorToken();
  const created = await json<{ id: number }>(
    await call("POST", "/admin/v1/categories", { token: operator, body: { parentId: parent, name } }),
  );
  expect(created.status).toBe(201);
  return created.body.id;
}

const product = (categoryId: number, brandId: number, name: string) => ({
  categoryId,
  spu: { name, brandId, description: `${name} for facet counts` },
  skus: [{ skuName: `${name} one`, price: 1000, stock: 3 }],
});

beforeAll(async () => {
  seller = await newSeller();
  const stamp = Date.now();
  parentId = await category(1003, `计数父类 ${stamp}`);
  childIds.push(await category(parentId, `计数子类A ${stamp}`), await category(parentId, `计数子类B ${stamp}`));
  const plan: [number, number][] = [
    [0, 2001],
    [0, 2001],
    [0, 2002],
    [1, 2002],
    [1, 2004],
  ];
  for (const [i, [child, brand]] of plan.entries()) {
    const created = await postProduct(seller, product(childIds[child] ?? 0, brand, `Facet Count Item ${stamp} ${i}`));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    ids.push(created.body.productId);
    await putOnShelf(seller, created.body.productId);
  }
}, 120_000);

describe("search_facet_counts", () => {
  it("equals the GROUP BY ground truth after indexing, and a browse's facets read it", async () => {
    await index(...ids);
    await expectCountsExact();
    const facets = await facetsOf(`categoryId=${parentId}`);
    expect(facets).toEqual(await facetTruth(parentId));
    expect(facets.brand.find((b) => b.id === 2001)?.count).toBe(2);
    expect(facets.category.find((c) => c.id === childIds[0])?.count).toBe(3);
    // A brand filter narrows both facets through the same counts.
    expect((await facetsOf(`categoryId=${parentId}&brandId=2002`)).category.map((c) => c.count).sort()).toEqual([1, 1]);
  });

  it("follows an edit, a delisting and a product coming back", async () => {
    const [first, second, third] = ids as [string, string, string];
    const seen = await json<{ version: number }>(
      await call("GET", `/admin/v1/products/${first}`, { token: seller.token }),
    );
    const edited = await call("PATCH", `/admin/v1/products/${first}`, {
      token: seller.token,
      body: { version: seen.body.version, brandId: 2004 },
    });
    expect(edited.status).toBe(200);
    await approvePendingRevision(first);
    const off = await call("POST", `/admin/v1/products/${second}/off-shelf`, { token: seller.token, body: {} });
    expect(off.status).toBe(200);
    await index(first, second, third);
    await expectCountsExact();
    const facets = await facetsOf(`categoryId=${parentId}`);
    expect(facets).toEqual(await facetTruth(parentId));
    expect(facets.brand.find((b) => b.id === 2001)).toBeUndefined();
    expect(facets.brand.find((b) => b.id === 2004)?.count).toBe(2);

    const on = await call("POST", `/admin/v1/products/${second}/on-shelf`, { token: seller.token, body: {} });
    expect(on.status).toBe(200);
    await index(second);
    await expectCountsExact();
    expect((await facetsOf(`categoryId=${parentId}`)).brand.find((b) => b.id === 2001)?.count).toBe(1);
  });

  it("stays exact under concurrent indexing of the same products, a lost document and a rebuild", async () => {
    const [, second, , fourth] = ids as [string, string, string, string];
    const off = await call("POST", `/admin/v1/products/${fourth}/off-shelf`, { token: seller.token, body: {} });
    expect(off.status).toBe(200);
    // Every copy read the document before any wrote it: each decides from what it read, the
    // counts from the row each write actually replaced.
    await Promise.all([...ids, ...ids, ...ids, fourth, fourth].map((id) => index(id)));
    await expectCountsExact();

    // A document removed by SQL (as tests and operators do), then the missing-only rebuild.
    await env.DB.prepare("DELETE FROM search_documents WHERE product_id = ?").bind(second).run();
    await expectCountsExact();
    await rebuildSearchIndex(db(), Date.now(), null, 1000, true);
    await expectCountsExact();
    // A full rebuild changes nothing in the counts.
    const before = await countsAndTruth();
    await rebuildSearchIndex(db(), Date.now(), null, 1000);
    expect((await countsAndTruth()).counts).toEqual(before.counts);
    await expectCountsExact();
    expect(await facetsOf(`categoryId=${parentId}`)).toEqual(await facetTruth(parentId));
  });

  it("counts a text search's facets over its matches, exactly while they are at most FACET_SAMPLE", async () => {
    expect(ids.length).toBeLessThan(FACET_SAMPLE);
    const facets = await facetsOf(`q=${encodeURIComponent("Facet Count Item")}&categoryId=${parentId}`);
    expect(facets).toEqual(await facetTruth(parentId));
    // A price filter takes the same bounded path.
    expect(await facetsOf(`categoryId=${parentId}&minPrice=1`)).toEqual(await facetTruth(parentId));
  });

  it("ranks and filters a text search over search_fts's columns as over the documents", async () => {
    const text = `q=${encodeURIComponent("Facet Count Item")}&categoryId=${parentId}`;
    const itemsOf = async (query: string) =>
      (await json<{ items: { productId: string }[] }>(await call("GET", `/v1/products?${query}`))).body.items.map(
        (i) => i.productId,
      );
    const onShelf = async (where: string, order: string, ...bind: (string | number)[]) =>
      (
        await env.DB.prepare(`SELECT product_id FROM search_documents WHERE status = 10 AND ${where} ORDER BY ${order}`)
          .bind(...bind)
          .all<{ product_id: string }>()
      ).results.map((r) => r.product_id);
    const byText = onShelf.bind(null, "name LIKE 'Facet Count Item %' AND category_id IN (?, ?)");
    const [a, b] = childIds as [number, number];
    expect((await itemsOf(`${text}&sort=sales`)).length).toBeGreaterThan(1);
    expect(await itemsOf(`${text}&sort=sales`)).toEqual(await byText("sales_count DESC, product_id", a, b));
    expect((await itemsOf(text)).sort()).toEqual(await byText("product_id", a, b));
    expect((await itemsOf(`${text}&brandId=2002`)).sort()).toEqual(
      await onShelf("name LIKE 'Facet Count Item %' AND brand_id = 2002", "product_id"),
    );
    // A child category is a narrower path; a category with no such products answers none.
    expect((await itemsOf(`q=${encodeURIComponent("Facet Count Item")}&categoryId=${b}`)).sort()).toEqual(
      await onShelf("name LIKE 'Facet Count Item %' AND category_id = ?", "product_id", b),
    );
    expect(await itemsOf(`q=${encodeURIComponent("Facet Count Item")}&categoryId=1001`)).toEqual([]);
  });
});
