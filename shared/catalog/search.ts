/**
 * Storefront search over `search_documents` and its FTS5 index: full text (Chinese by bigrams,
 * Latin words by prefix), filters (category subtree, brand, price range, attribute values, in
 * stock), brand and category facets, sorts and cursor pagination. Only ON_SHELF products.
 * Relevance is FTS5's bm25 with a boost for products that sell (log of sales).
 *
 * Facets never group every match (a first search at 100k products spent 0.16-0.40 s on that):
 * a browse by category and/or brand only sums `search_facet_counts` (exact; kept by triggers in
 * each write's transaction); any other search (text, price, stock, attributes) counts the first
 * `FACET_SAMPLE` matches in index order, exact when it has no more matches than that.
 *
 * A text search filtered by category and brand at most, sorted by relevance or sales, never reads
 * a document per match: search_fts carries those columns (0036), and only the page is joined.
 */
import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { decodeCursor, encodeCursor } from "../platform/cursor";
import type { Db } from "../platform/db";
import { type Currency, moneySchema } from "../platform/money";
import { invalidField, limitSchema } from "../platform/validation";
import { PRODUCT_STATUS } from "./lifecycle";
import { matchExpression } from "./search-tokens";

export const SORTS = ["relevance", "price_asc", "price_desc", "sales", "newest", "rating"] as const;

const money = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const booleanFlag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const searchParameters = {
  q: z.string().trim().max(200).optional(),
  categoryId: z.coerce.number().int().positive().optional(),
  brandId: z.coerce.number().int().positive().optional(),
  minPrice: money.optional().describe("Minor units"),
  maxPrice: money.optional().describe("Minor units"),
  inStock: booleanFlag.optional(),
  sort: z.enum(SORTS).optional(),
  limit: limitSchema,
  cursor: z.string().min(1).max(512).optional(),
};

/**
 * Strict but for `attr.<name>` (read by `attributeFilters`): search answers are cached under the
 * whole query string, so an ignored parameter (`shopId`, a cache buster) made a new key and a new
 * D1 search per value while answering as if it were absent.
 */
export const searchQuerySchema = z
  .object(searchParameters)
  .catchall(z.unknown())
  .superRefine((query, ctx) => {
    for (const key of Object.keys(query)) {
      if (Object.hasOwn(searchParameters, key) || key.startsWith("attr.")) continue;
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `is not a search parameter (${Object.keys(searchParameters).join(", ")} and attr.<name>)`,
      });
    }
  });
export type SearchQuery = z.infer<typeof searchQuerySchema> & { attributes: Record<string, string> };

/**
 * Matches a text, price, stock or attribute search counts its facets over: its cost is bounded by
 * this, not by how many products match, and the counts are exact up to this many matches.
 */
export const FACET_SAMPLE = 1000;

/** The deepest page a cursor may reach; deeper browsing should narrow the filters. */
export const MAX_OFFSET = 10_000;
const MAX_ATTRIBUTE_FILTERS = 10;

/** `attr.<name>=<value>` query parameters, validated. */
export function attributeFilters(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) {
    if (!key.startsWith("attr.")) continue;
    const name = key.slice(5);
    if (!name || name.length > 100 || !value || value.length > 100) {
      throw invalidField(`query.${key}`, "must be a non-empty name and value of at most 100 characters");
    }
    out[name] = value;
  }
  if (Object.keys(out).length > MAX_ATTRIBUTE_FILTERS) {
    throw invalidField("query.attr", `at most ${MAX_ATTRIBUTE_FILTERS} attribute filters`);
  }
  return out;
}

/** A brand or category as every answer shows it: `{id, name}` (the product detail's `brand` and `category`). */
const namedRef = z.object({ id: z.number().int(), name: z.string() });

export const searchItemSchema = z.object({
  productId: z.string(),
  name: z.string(),
  brand: z
    .string()
    .nullable()
    .meta({ deprecated: true, description: "Deprecated: the brand's name only; read `brandRef` (`{id, name}`)" }),
  category: z
    .string()
    .nullable()
    .meta({ deprecated: true, description: "Deprecated: the category's name only; read `categoryRef` (`{id, name}`)" }),
  brandRef: namedRef
    .nullable()
    .describe("The brand as `{id, name}`, the same shape as `brand` in the product detail; null without a brand"),
  categoryRef: namedRef.describe("The category as `{id, name}`, the same shape as `category` in the product detail"),
  minPrice: moneySchema.nullable(),
  maxPrice: moneySchema.nullable(),
  inStock: z.boolean(),
  image: z.string().nullable(),
});
const facetSchema = z.array(z.object({ value: z.string(), id: z.number().int(), count: z.number().int() }));
export const searchResultSchema = z.object({
  items: z.array(searchItemSchema),
  facets: z.object({ brand: facetSchema, category: facetSchema }),
  nextCursor: z.string().nullable(),
});
export type SearchResult = z.infer<typeof searchResultSchema>;

const cursorSchema = z.object({ offset: z.number().int().min(0).max(MAX_OFFSET) });

interface Row {
  product_id: string;
  name: string;
  brand_id: number | null;
  brand_name: string | null;
  category_id: number;
  category_name: string | null;
  min_price: number | null;
  max_price: number | null;
  currency: string | null;
  in_stock: number;
  image: string | null;
  [key: string]: unknown;
}

interface FacetRow {
  facet: "brand" | "category";
  id: number;
  value: string;
  count: number;
}

/**
 * Both facets in one statement over `counted` (brand_id, category_id, n): the 50 largest values
 * of each, by count then name; values at 0 (all their products off shelf) are left out.
 */
function facetsOver(counted: SQL): SQL {
  const top = (column: SQL, names: SQL) => sql`
    SELECT m.${column} AS id, t.name AS value, sum(m.n) AS count
      FROM matched m JOIN ${names} t ON t.id = m.${column}
     GROUP BY m.${column} HAVING count > 0 ORDER BY count DESC, value LIMIT 50`;
  return sql`
    WITH matched AS MATERIALIZED (${counted})
    SELECT * FROM (SELECT 'brand' AS facet, * FROM (${top(sql.raw("brand_id"), sql.raw("brands"))})
                   UNION ALL
                   SELECT 'category' AS facet, * FROM (${top(sql.raw("category_id"), sql.raw("categories"))}))
     ORDER BY facet, count DESC, value`;
}

/** Sorts an index on (status, column) returns in order: a browse may walk it instead of sorting. */
const INDEXED_SORTS: ReadonlySet<(typeof SORTS)[number]> = new Set(["newest", "sales"]);

interface CategoryBrowse {
  path: string;
  /** On-shelf documents the browse matches, and on shelf in all (from `search_facet_counts`). */
  matches: number;
  total: number;
}

/**
 * The category's path; for a browse (brandId given, or null for none) also how many on-shelf
 * documents it matches and how many are on shelf, from the precomputed counts, in the same read.
 */
async function categoryBrowse(
  db: Db,
  categoryId: number,
  brandId: number | null | undefined,
): Promise<CategoryBrowse | undefined> {
  if (brandId === undefined) {
    const [row] = await db.all<{ path: string }>(sql`SELECT path FROM categories WHERE id = ${categoryId}`);
    return row && { path: row.path, matches: 0, total: 0 };
  }
  const [row] = await db.all<CategoryBrowse>(sql`
    SELECT c.path,
           (SELECT coalesce(sum(f.on_shelf), 0) FROM search_facet_counts f
             WHERE f.category_path >= c.path AND f.category_path < c.path || char(65535)
               AND (${brandId} IS NULL OR f.brand_key = ${brandId})) AS matches,
           (SELECT coalesce(sum(on_shelf), 0) FROM search_facet_counts) AS total
      FROM categories c WHERE c.id = ${categoryId}`);
  return row;
}

/**
 * Whether a category browse reads its first `rows` in order from the sort's index, filtering as
 * it goes, rather than every match through the category index and sorting them (150-270 ms for a
 * top-level category at 100k products). Walking reads about rows x total / matches documents when
 * the category is spread through the sort order, so it wins while that is at most the matches:
 * rows x total <= matches^2 (about 1,500 matches of 100,000 for a first page).
 */
function walkSortIndex(sort: (typeof SORTS)[number], rows: number, browse: CategoryBrowse): boolean {
  return INDEXED_SORTS.has(sort) && browse.matches > 0 && rows * browse.total <= browse.matches * browse.matches;
}

/** The sales boost of `rankedBy`'s relevance, from search_fts's copy of the sales count. */
const FTS_BOOST = sql`2.0 * sales_count / (sales_count + 100.0)`;

/**
 * Sorts search_fts answers alone (the same order as over the documents), over the columns of
 * `table` (a prefix): search_fts ranking its matches (none), then the page's rows after the join (`p.`).
 */
const FTS_ORDERS: Partial<Record<(typeof SORTS)[number], (table: string) => SQL>> = {
  relevance: (t) => sql.raw(`${t}score ASC, ${t}product_id`),
  sales: (t) => sql.raw(`${t}sales_count DESC, ${t}product_id`),
};

/** The text, on shelf, the category subtree (its path as SQL) and the brand, over search_fts's columns. */
function ftsFilter(match: string, path: SQL | undefined, brandId: number | undefined): SQL {
  const terms = [sql`search_fts MATCH ${match}`, sql`status = ${PRODUCT_STATUS.ON_SHELF}`];
  if (path) terms.push(sql`category_path >= ${path} AND category_path < ${path} || char(65535)`);
  if (brandId) terms.push(sql`brand_id = ${brandId}`);
  return sql.join(terms, sql` AND `);
}

/** The search index's generation: it moves with every indexed change (cache keys carry it). */
export async function searchGeneration(db: Db): Promise<number> {
  const [row] = await db.all<{ generation: number }>(sql`SELECT generation FROM search_meta WHERE id = 1`);
  return row?.generation ?? 0;
}

/**
 * Searches; with `facets: false` (the `search.facets` switch off) the facet statement is skipped and
 * the facets answer empty.
 */
export async function searchProducts(
  db: Db,
  query: SearchQuery,
  options: { facets: boolean } = { facets: true },
): Promise<SearchResult> {
  const match = query.q ? matchExpression(query.q) : null;
  const sort = query.sort ?? (match ? "relevance" : "newest");
  if (sort === "relevance" && !match) {
    throw invalidField("query.sort", "relevance needs a query q");
  }
  const offset = query.cursor ? decodeCursor(cursorSchema, query.cursor).offset : 0;

  const browse =
    !match &&
    query.minPrice === undefined &&
    query.maxPrice === undefined &&
    query.inStock === undefined &&
    Object.keys(query.attributes).length === 0;
  const where: SQL[] = [sql`d.status = ${PRODUCT_STATUS.ON_SHELF}`];
  // The same category and brand filters over the precomputed counts (on-shelf rows only).
  const countsWhere: SQL[] = [sql`1 = 1`];
  // With text the matches drive the join and the category is only a filter on each: its path is
  // read inside the statement rather than by a round trip before it.
  const textPath = query.categoryId
    ? sql`coalesce((SELECT path FROM categories WHERE id = ${query.categoryId}), ${`/${query.categoryId}/`})`
    : undefined;
  if (match && textPath) {
    where.push(sql`d.category_path >= ${textPath} AND d.category_path < ${textPath} || char(65535)`);
    if (query.brandId) where.push(sql`d.brand_id = ${query.brandId}`);
  } else if (query.categoryId) {
    // A subtree is a path prefix; as a range it uses the (status, category_path) index, unless
    // the browse walks its sort's index instead (see `walkSortIndex`).
    const category = await categoryBrowse(db, query.categoryId, browse ? (query.brandId ?? null) : undefined);
    const path = category?.path ?? `/${query.categoryId}/`;
    const walk = browse && category !== undefined && walkSortIndex(sort, offset + query.limit + 1, category);
    // `+` keeps SQLite from reading these columns' indexes, so it walks the sort's one.
    const column = (name: string) => sql.raw(walk ? `+d.${name}` : `d.${name}`);
    where.push(sql`${column("category_path")} >= ${path} AND ${column("category_path")} < ${`${path}\uffff`}`);
    countsWhere.push(sql`f.category_path >= ${path} AND f.category_path < ${`${path}\uffff`}`);
    if (query.brandId) where.push(sql`${column("brand_id")} = ${query.brandId}`);
  } else if (query.brandId) {
    where.push(sql`d.brand_id = ${query.brandId}`);
  }
  if (query.brandId) countsWhere.push(sql`f.brand_key = ${query.brandId}`);
  if (query.minPrice !== undefined) where.push(sql`d.max_price >= ${query.minPrice}`);
  if (query.maxPrice !== undefined) where.push(sql`d.min_price <= ${query.maxPrice}`);
  if (query.inStock !== undefined) where.push(sql`d.in_stock = ${query.inStock ? 1 : 0}`);
  for (const [name, value] of Object.entries(query.attributes)) {
    where.push(
      sql`EXISTS (SELECT 1 FROM json_each(d.attributes, '$.' || json_quote(${name})) WHERE json_each.value = ${value})`,
    );
  }
  const filter = sql.join(where, sql` AND `);

  // bm25 is lower for better matches; a saturating sales boost (0..2) lifts products that sell.
  const boost = sql`2.0 * d.sales_count / (d.sales_count + 100.0)`;
  // CROSS JOIN: the text's matches drive the join. Left to choose, SQLite started from a
  // category's documents and ran the full-text match again for each of them (minutes at 100k).
  const source = match
    ? sql`search_fts CROSS JOIN search_documents d ON d.product_id = search_fts.product_id AND search_fts MATCH ${match}`
    : sql`search_documents d`;
  const rank = match ? sql`bm25(search_fts) - ${boost}` : sql`0`;
  const order: Record<(typeof SORTS)[number], SQL> = {
    relevance: sql`rank ASC, d.product_id`,
    price_asc: sql`d.min_price ASC, d.product_id`,
    price_desc: sql`d.max_price DESC, d.product_id`,
    sales: sql`d.sales_count DESC, d.product_id`,
    newest: sql`d.created_at DESC, d.product_id DESC`,
    // A Bayesian average (five phantom 3-star reviews), so one 5-star review does not outrank
    // hundreds averaging 4.8; then the most reviewed.
    rating: sql`(d.rating_sum + 15.0) / (d.rating_count + 5) DESC, d.rating_count DESC, d.product_id`,
  };

  // A text search filtered by category and brand at most reads search_fts alone (its unindexed
  // columns, 0036): no document per match, only the page's.
  const ftsWhere =
    match &&
    query.minPrice === undefined &&
    query.maxPrice === undefined &&
    query.inStock === undefined &&
    Object.keys(query.attributes).length === 0
      ? ftsFilter(match, textPath, query.brandId)
      : undefined;

  // Rows of (brand, category, documents it stands for) the facets sum: the counts, or the sample
  // (the same first matches in index order either way).
  const counted = browse
    ? sql`SELECT brand_key AS brand_id, category_id, on_shelf AS n FROM search_facet_counts f
           WHERE ${sql.join(countsWhere, sql` AND `)}`
    : ftsWhere
      ? sql`SELECT brand_id, category_id, 1 AS n FROM search_fts WHERE ${ftsWhere} LIMIT ${FACET_SAMPLE}`
      : sql`SELECT d.brand_id, d.category_id, 1 AS n FROM ${source} WHERE ${filter} LIMIT ${FACET_SAMPLE}`;

  const ftsPage = ftsWhere && FTS_ORDERS[sort];
  const [rows, facetRows] = await Promise.all([
    ftsPage
      ? db.all<Row>(sql`
      WITH page AS MATERIALIZED (
        SELECT product_id, sales_count, bm25(search_fts) - ${FTS_BOOST} AS score
          FROM search_fts WHERE ${ftsWhere}
         ORDER BY ${ftsPage("")} LIMIT ${query.limit + 1} OFFSET ${offset})
      SELECT d.product_id, d.name, d.brand_id, b.name AS brand_name, d.category_id, c.name AS category_name,
             d.min_price, d.max_price, d.currency, d.in_stock, d.image
        FROM page p CROSS JOIN search_documents d ON d.product_id = p.product_id
        LEFT JOIN brands b ON b.id = d.brand_id
        LEFT JOIN categories c ON c.id = d.category_id
       ORDER BY ${ftsPage("p.")}`)
      : db.all<Row>(sql`
      SELECT d.product_id, d.name, d.brand_id, b.name AS brand_name, d.category_id, c.name AS category_name,
             d.min_price, d.max_price,
             d.currency, d.in_stock, d.image, ${rank} AS rank
        FROM ${source}
        LEFT JOIN brands b ON b.id = d.brand_id
        LEFT JOIN categories c ON c.id = d.category_id
       WHERE ${filter}
       ORDER BY ${order[sort]}
       LIMIT ${query.limit + 1} OFFSET ${offset}`),
    options.facets ? db.all<FacetRow>(facetsOver(counted)) : Promise.resolve([]),
  ]);
  const facetOf = (facet: FacetRow["facet"]) =>
    facetRows.filter((r) => r.facet === facet).map(({ id, value, count }) => ({ id, value, count }));

  const page = rows.slice(0, query.limit);
  const next = offset + query.limit;
  const asMoney = (amount: number | null, currency: string | null) =>
    amount === null || currency === null ? null : { amount, currency: currency as Currency };
  return {
    items: page.map((r) => ({
      productId: r.product_id,
      name: r.name,
      brand: r.brand_name,
      category: r.category_name,
      minPrice: asMoney(r.min_price, r.currency),
      maxPrice: asMoney(r.max_price, r.currency),
      inStock: r.in_stock === 1,
      brandRef: r.brand_id !== null && r.brand_name !== null ? { id: r.brand_id, name: r.brand_name } : null,
      // The detail answers a category whose row is gone with an empty name; so does search.
      categoryRef: { id: r.category_id, name: r.category_name ?? "" },
      image: r.image,
    })),
    facets: { brand: facetOf("brand"), category: facetOf("category") },
    nextCursor: rows.length > query.limit && next <= MAX_OFFSET ? encodeCursor({ offset: next }) : null,
  };
}
