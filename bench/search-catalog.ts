/**
 * A large catalog for the search bench: N generated products written straight into `products`,
 * `search_documents` and `search_fts` (what search reads), with ids in their own range so they
 * never collide with the demo catalog. Idempotent. Load it after the demo seed (its rows name the
 * seed's shops, categories and brands). Usage: tsx bench/search-catalog.ts 100000
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { insertRows } from "../db/seed/build-sql.ts";
import { generateCatalog } from "../db/seed/catalog.ts";
import { demoId } from "../db/seed/fixtures.ts";
import { searchStatements } from "../db/seed/search-rows.ts";
import { executeLocalSql } from "../scripts/local.ts";

/** Bench products are numbered from here, far above the demo catalog. */
export const BENCH_ID_BASE = 10_000_000;

export async function writeSearchCatalog(count: number, file: string): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  const batch = 2000;
  for (let start = 0; start < count; start += batch) {
    const products = generateCatalog(Math.min(batch, count - start), Date.UTC(2026, 0, 1) + start * 60_000).map(
      (p, i) => {
        const id = demoId("spu", BENCH_ID_BASE + start + i);
        return { ...p, id, status: 10, name: `${p.name} #${id.slice(-7)}` };
      },
    );
    const productRows = products.map((p) => ({
      id: p.id,
      shop_id: p.shopId,
      category_id: p.categoryId,
      brand_id: p.brandId,
      name: p.name,
      description: p.description,
      status: 10,
      sales_count: p.salesCount,
      created_at: p.createdAt,
      updated_at: p.createdAt,
    }));
    for (const statement of [...insertRows("products", productRows, 100), ...searchStatements(products, () => null)]) {
      await write(`${statement}\n`);
    }
  }
  // Cached searches are keyed by the index generation: a load by SQL moves it like the indexer does.
  await write("UPDATE search_meta SET generation = generation + 1 WHERE id = 1;\n");
  out.end();
  await once(out, "finish");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 100_000);
  const file = ".wrangler/bench-search.sql";
  const started = Date.now();
  await writeSearchCatalog(count, file);
  executeLocalSql(file);
  console.log(`search catalog of ${count} products loaded in ${Math.round((Date.now() - started) / 1000)} s`);
}
