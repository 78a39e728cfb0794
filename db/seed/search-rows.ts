/**
 * Search-index rows for generated products, written by the seed (and the search bench) so a
 * freshly seeded catalog is searchable without re-indexing each product through the Worker. The
 * text matches what shared/catalog/indexer.ts builds from the same data.
 */
import { documentTokens } from "../../shared/catalog/search-tokens.ts";
import { insertRows } from "./build-sql.ts";
import type { GeneratedProduct } from "./catalog.ts";
import { DEMO_ATTRIBUTES, DEMO_BRANDS, DEMO_CATEGORIES } from "./fixtures.ts";

const brands = new Map(DEMO_BRANDS.map((b) => [b.id, b.name]));
const attributeNames = new Map(DEMO_ATTRIBUTES.map((a) => [a.id, a.name]));
const categories = new Map(DEMO_CATEGORIES.map((c) => [c.id, c]));

function pathOf(id: number): number[] {
  const c = categories.get(id);
  return c ? [...(c.parentId === null ? [] : pathOf(c.parentId)), id] : [];
}

/** `search_documents` rows and `search_fts` statements for `products` (their names as given). */
export function searchStatements(
  products: readonly GeneratedProduct[],
  image: (p: GeneratedProduct) => string | null,
): string[] {
  const docs = products.map((p) => {
    const path = pathOf(p.categoryId);
    const attrs: Record<string, string[]> = {};
    for (const a of [...p.basic, ...p.skus.flatMap((s) => s.sales)]) {
      const name = attributeNames.get(a.attributeId) ?? String(a.attributeId);
      attrs[name] = [...new Set([...(attrs[name] ?? []), a.value])];
    }
    const text = [
      p.name,
      p.description,
      brands.get(p.brandId),
      ...path.map((id) => categories.get(id)?.name),
      ...Object.values(attrs).flat(),
      ...p.skus.map((s) => s.name),
    ]
      .filter(Boolean)
      .join(" ");
    const prices = p.skus.map((s) => s.promoPrice ?? s.price);
    return {
      doc: {
        product_id: p.id,
        shop_id: p.shopId,
        status: p.status,
        category_id: p.categoryId,
        category_path: `/${path.join("/")}/`,
        brand_id: p.brandId,
        name: p.name,
        text,
        attributes: JSON.stringify(attrs),
        min_price: prices.length ? Math.min(...prices) : null,
        max_price: prices.length ? Math.max(...prices) : null,
        currency: "CNY",
        in_stock: p.skus.some((s) => s.stock > 0),
        sales_count: p.salesCount,
        image: image(p),
        product_version: 1,
        created_at: p.createdAt,
        indexed_at: p.createdAt,
      },
      // The document's filter columns too (migration 0036), in search_fts's column order.
      fts: {
        product_id: p.id,
        status: p.status,
        sales_count: p.salesCount,
        category_path: `/${path.join("/")}/`,
        category_id: p.categoryId,
        brand_id: p.brandId,
        tokens: documentTokens(text),
      },
    };
  });
  return [
    ...insertRows(
      "search_documents",
      docs.map((d) => d.doc),
      40,
    ),
    ...ftsStatements(docs.map((d) => d.fts)),
  ];
}

/**
 * FTS5 tables have no unique key to ignore conflicts on, so each chunk inserts only when its first
 * product is not indexed yet: loading the seed twice adds nothing.
 */
function ftsStatements(rows: Record<string, string | number | null>[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += 40) {
    const chunk = rows.slice(i, i + 40);
    const [insert] = insertRows("search_fts", chunk, chunk.length);
    if (!insert) continue;
    out.push(
      `${insert
        .replace(
          /^INSERT OR IGNORE INTO search_fts (\([^)]*\)) VALUES/,
          "INSERT INTO search_fts $1 SELECT * FROM (VALUES",
        )
        .replace(/;$/, "")}) WHERE NOT EXISTS (SELECT 1 FROM search_fts WHERE product_id = '${chunk[0]?.product_id}');`,
    );
  }
  return out;
}
