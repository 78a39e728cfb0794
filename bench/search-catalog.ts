/**
 * A large catalog for the search bench: N generated products written straight into `products`,
 * `search_documents` and `search_fts` (what search reads), with ids in their own range so they
 * never collide with the demo catalog. Idempotent (INSERT OR IGNORE). Usage: tsx bench/search-catalog.ts 100000
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { insertRows } from "../db/seed/build.ts";
import { generateCatalog } from "../db/seed/catalog.ts";
import { DEMO_ATTRIBUTES, DEMO_BRANDS, DEMO_CATEGORIES, demoId } from "../db/seed/fixtures.ts";
import { PERSIST_DIR, wrangler } from "../scripts/local.ts";
import { documentTokens } from "../shared/catalog/search-tokens.ts";

/** Bench products are numbered from here, far above the demo catalog. */
export const BENCH_ID_BASE = 10_000_000;

/**
 * FTS5 tables have no unique key to ignore conflicts on, so each chunk inserts only when its first
 * product is not indexed yet: reruns add nothing.
 */
function ftsStatements(rows: { product_id: string; tokens: string }[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += 40) {
    const chunk = rows.slice(i, i + 40);
    const [insert] = insertRows("search_fts", chunk, chunk.length);
    if (!insert) continue;
    out.push(
      `${insert
        .replace(
          "INSERT OR IGNORE INTO search_fts (product_id, tokens) VALUES",
          "INSERT INTO search_fts (product_id, tokens) SELECT * FROM (VALUES",
        )
        .replace(/;$/, "")}) WHERE NOT EXISTS (SELECT 1 FROM search_fts WHERE product_id = '${chunk[0]?.product_id}');`,
    );
  }
  return out;
}

export async function writeSearchCatalog(count: number, file: string): Promise<void> {
  const brands = new Map(DEMO_BRANDS.map((b) => [b.id, b.name]));
  const attributes = new Map(DEMO_ATTRIBUTES.map((a) => [a.id, a.name]));
  const categories = new Map(DEMO_CATEGORIES.map((c) => [c.id, c]));
  const pathOf = (id: number): number[] => {
    const c = categories.get(id);
    return c ? [...(c.parentId === null ? [] : pathOf(c.parentId)), id] : [];
  };
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  const batch = 2000;
  for (let start = 0; start < count; start += batch) {
    const products = generateCatalog(Math.min(batch, count - start), Date.UTC(2026, 0, 1) + start * 60_000).map(
      (p, i) => ({
        ...p,
        id: demoId("spu", BENCH_ID_BASE + start + i),
        status: 10,
      }),
    );
    const productRows = products.map((p) => ({
      id: p.id,
      shop_id: p.shopId,
      category_id: p.categoryId,
      brand_id: p.brandId,
      name: `${p.name} #${p.id.slice(-7)}`,
      description: p.description,
      status: 10,
      sales_count: p.salesCount,
      created_at: p.createdAt,
      updated_at: p.createdAt,
    }));
    const docs = products.map((p, i) => {
      const path = pathOf(p.categoryId);
      const attrs: Record<string, string[]> = {};
      for (const a of [...p.basic, ...p.skus.flatMap((s) => s.sales)]) {
        const name = attributes.get(a.attributeId) ?? String(a.attributeId);
        attrs[name] = [...new Set([...(attrs[name] ?? []), a.value])];
      }
      const text = [
        productRows[i]?.name,
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
          status: 10,
          category_id: p.categoryId,
          category_path: `/${path.join("/")}/`,
          brand_id: p.brandId,
          name: productRows[i]?.name ?? "",
          text,
          attributes: JSON.stringify(attrs),
          min_price: Math.min(...prices),
          max_price: Math.max(...prices),
          currency: "CNY",
          in_stock: p.skus.some((s) => s.stock > 0),
          sales_count: p.salesCount,
          image: null,
          product_version: 1,
          created_at: p.createdAt,
          indexed_at: p.createdAt,
        },
        fts: { product_id: p.id, tokens: documentTokens(text) },
      };
    });
    for (const statement of [
      ...insertRows("products", productRows, 100),
      ...insertRows(
        "search_documents",
        docs.map((d) => d.doc),
        40,
      ),
      ...ftsStatements(docs.map((d) => d.fts)),
    ]) {
      await write(`${statement}\n`);
    }
  }
  out.end();
  await once(out, "finish");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 100_000);
  const file = ".wrangler/bench-search.sql";
  const started = Date.now();
  await writeSearchCatalog(count, file);
  execFileSync(
    wrangler,
    ["d1", "execute", "commerce", "--local", "--persist-to", PERSIST_DIR, "-c", "wrangler.toml", "--file", file],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  console.log(`search catalog of ${count} products loaded in ${Math.round((Date.now() - started) / 1000)} s`);
}
