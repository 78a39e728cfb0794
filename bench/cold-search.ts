/**
 * First-time searches: every request a query no cache has seen (the edge cache and the isolate's
 * both miss, and D1 runs it), over the search catalog (BENCH_SEARCH_PRODUCTS, 100,000). The
 * queries rotate through the shapes shoppers send: words alone (Chinese bigrams, English
 * prefixes), a category or brand browse, both, a word within a category, a price range. Only
 * documented parameters make them distinct (search refuses any other): `limit` turns through
 * 11-30 (around the default 20) every round, the words and ids every 20 rounds, and once a
 * shape has met all its values the sort turns, so no two of a run's first 4,800 requests share a
 * cache key.
 * The figure to watch is p50 (issue #21: at most 50 ms at 100,000 products) and whether the p99
 * queues behind itself.
 */
import type { Scenario } from "./lib/load.ts";

export const COLD_SEARCH = "search, cold (distinct queries, caches missed)";

const WORDS = [
  "T恤",
  "nike",
  "跑步鞋",
  "黑色",
  "连衣裙",
  "手机",
  "耳机",
  "adidas",
  "纯棉",
  "华为",
  "茶叶",
  "四件套",
  "经典",
  "宽松",
  "修身",
  "复古",
  "运动",
  "夏季",
  "polo",
  "圆领",
  "速干",
  "印花",
  "apple",
  "sony",
  "小米",
  "李宁",
  "优衣库",
  "降噪",
  "蓝牙",
  "篮球鞋",
];
const CATEGORIES = [1003, 1003001, 1003002, 1003003, 1001, 1001001, 1001002, 1002001, 1004001];
const BRANDS = [2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008];
/** The default sort first (relevance with words, newest without), then the others. */
const TEXT_SORTS = ["", "sales", "price_asc", "newest", "price_desc", "rating"];
const BROWSE_SORTS = ["", "sales", "price_asc", "price_desc", "rating"];
const LIMITS = 20;

const at = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;

/** A shape: its parameters for the v-th value, how many distinct values it has, its sorts. */
interface Shape {
  params(v: number): string;
  values: number;
  sorts: readonly string[];
}

const word = (v: number) => encodeURIComponent(at(WORDS, v));
const SHAPES: Shape[] = [
  { params: (v) => `q=${word(v)}`, values: WORDS.length, sorts: TEXT_SORTS },
  { params: (v) => `categoryId=${at(CATEGORIES, v)}`, values: CATEGORIES.length, sorts: BROWSE_SORTS },
  { params: (v) => `brandId=${at(BRANDS, v)}`, values: BRANDS.length, sorts: BROWSE_SORTS },
  {
    params: (v) => `categoryId=${at(CATEGORIES, v)}&brandId=${at(BRANDS, v)}`,
    values: CATEGORIES.length * BRANDS.length,
    sorts: BROWSE_SORTS,
  },
  {
    params: (v) => `q=${word(v)}&categoryId=${at(CATEGORIES, v)}`,
    values: WORDS.length * CATEGORIES.length,
    sorts: TEXT_SORTS,
  },
  {
    params: (v) => `categoryId=${at(CATEGORIES, v)}&minPrice=${(v % 50) * 100}&maxPrice=${20_000 + (v % 50) * 100}`,
    values: CATEGORIES.length * 50,
    sorts: BROWSE_SORTS,
  },
];

/** The i-th cold query (a path); distinct from every other for thousands of requests a shape. */
export function coldSearchPath(i: number): string {
  const shape = at(SHAPES, i);
  const round = Math.floor(i / SHAPES.length);
  const limit = 11 + (round % LIMITS);
  const v = Math.floor(round / LIMITS);
  const sort = at(shape.sorts, Math.floor(v / shape.values));
  return `/v1/products?${shape.params(v)}&limit=${limit}${sort ? `&sort=${sort}` : ""}`;
}

/**
 * The scenario: a fresh query per request, numbered from 0 so every run sends the same mix (the
 * default sorts first). Reruns stay cold because the search catalog's load moves the index
 * generation, which every search cache key carries.
 */
export function coldSearchScenario(): Scenario {
  let i = 0;
  return { name: COLD_SEARCH, path: coldSearchPath(i), nextPath: () => coldSearchPath(i++) };
}
