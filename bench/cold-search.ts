/**
 * First-time searches: every request a query no cache has seen (the edge cache and the isolate's
 * both miss, and D1 runs it), over the search catalog (BENCH_SEARCH_PRODUCTS, 100,000). The
 * queries rotate through the shapes shoppers send: words alone (Chinese bigrams, English
 * prefixes), a category or brand browse, both, a word within a category, a price range; a
 * `bench` parameter numbers each one, so no two share a cache key. The figure to watch is p50
 * (issue #21: at most 50 ms at 100,000 products) and whether the p99 queues behind itself.
 */
import type { Scenario } from "./lib/load.ts";

export const COLD_SEARCH = "search, cold (distinct queries, caches missed)";

const WORDS = ["T恤", "nike", "跑步鞋", "黑色", "连衣裙", "手机", "耳机", "adidas", "纯棉", "华为", "茶叶", "四件套"];
const CATEGORIES = [1003, 1003001, 1003002, 1003003, 1001, 1001001, 1001002, 1002001, 1004001];
const BRANDS = [2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008];

/** The i-th cold query (a path), of a rotation of shapes over words, categories and brands. */
export function coldSearchPath(i: number): string {
  // The shape turns every request, the values every round of shapes, so each shape meets them all.
  const round = Math.floor(i / 6);
  const word = encodeURIComponent(WORDS[round % WORDS.length] ?? "T恤");
  const category = CATEGORIES[round % CATEGORIES.length];
  const brand = BRANDS[round % BRANDS.length];
  const shapes = [
    `q=${word}`,
    `categoryId=${category}`,
    `brandId=${brand}`,
    `categoryId=${category}&brandId=${brand}`,
    `q=${word}&categoryId=${category}`,
    `categoryId=${category}&minPrice=${(round % 50) * 100}&maxPrice=${20_000 + (round % 50) * 100}`,
  ];
  return `/v1/products?${shapes[i % shapes.length]}&bench=${i}`;
}

/** The scenario: a fresh query per request, numbered from a per-run start so reruns stay cold. */
export function coldSearchScenario(): Scenario {
  let i = Date.now() % 1_000_000_000;
  return { name: COLD_SEARCH, path: coldSearchPath(i), nextPath: () => coldSearchPath(i++) };
}
