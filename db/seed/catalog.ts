/**
 * A generated demo catalog, deterministic for a given size (same seed, same rows), so search,
 * facets and listing have realistic volume: mixed Chinese and English names, several brands per
 * category, 1–4 SKUs per product with sales attributes, standard and promo prices, stock.
 */
import { DEMO_SHOPS, demoId } from "./fixtures.ts";

/** mulberry32: a tiny deterministic PRNG; good enough for demo data, never for secrets. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface LeafSpec {
  categoryId: number;
  shop: 0 | 1;
  brands: number[];
  nouns: string[];
  adjectives: string[];
  /** Basic attribute values: attribute id → candidates. */
  basic: Record<number, string[]>;
  /** Sales attributes: attribute id → candidates; SKUs are combinations of these. */
  sales: Record<number, string[]>;
  /** Price range in minor units (CNY fen). */
  price: [number, number];
  weightGrams: [number, number] | null;
}

const BRAND_NAMES: Record<number, string> = {
  2001: "NIKE",
  2002: "Adidas",
  2003: "优衣库",
  2004: "李宁",
  2005: "Apple",
  2006: "华为",
  2007: "小米",
  2008: "Sony",
  2009: "罗莱家纺",
  2010: "西湖龙井",
  3001: "中国移动",
  3002: "中国联通",
  3003: "中国电信",
};

const LEAVES: LeafSpec[] = [
  {
    categoryId: 1003001,
    shop: 0,
    brands: [2001, 2002, 2003, 2004],
    nouns: ["圆领T恤", "V领T恤", "速干T恤", "印花T恤", "纯棉T恤", "Polo衫"],
    adjectives: ["经典", "宽松", "修身", "复古", "基础款", "运动", "夏季"],
    basic: { 102: ["棉", "涤纶", "莫代尔", "亚麻"], 103: ["中国", "越南", "孟加拉"], 104: ["短袖", "长袖"] },
    sales: { 201: ["黑色", "白色", "灰色", "藏青色", "红色"], 202: ["S", "M", "L", "XL"] },
    price: [3900, 29900],
    weightGrams: [150, 300],
  },
  {
    categoryId: 1003002,
    shop: 0,
    brands: [2003, 2002],
    nouns: ["连衣裙", "碎花裙", "衬衫裙", "针织裙"],
    adjectives: ["法式", "优雅", "通勤", "度假风", "简约"],
    basic: { 102: ["棉", "雪纺", "真丝", "亚麻"] },
    sales: { 201: ["黑色", "白色", "蓝色", "绿色"], 202: ["S", "M", "L"] },
    price: [9900, 59900],
    weightGrams: [200, 500],
  },
  {
    categoryId: 1003003,
    shop: 0,
    brands: [2001, 2002, 2004],
    nouns: ["跑步鞋", "篮球鞋", "板鞋", "训练鞋"],
    adjectives: ["轻量", "缓震", "透气", "专业", "经典"],
    basic: {},
    sales: { 201: ["黑色", "白色", "灰色"], 202: ["40", "41", "42", "43"] },
    price: [29900, 129900],
    weightGrams: [600, 1200],
  },
  {
    categoryId: 1001001,
    shop: 1,
    brands: [2005, 2006, 2007],
    nouns: ["智能手机", "5G手机", "折叠屏手机"],
    adjectives: ["旗舰", "轻薄", "影像", "长续航"],
    basic: { 502: ["5G全网通", "4G全网通"] },
    sales: { 201: ["黑色", "白色", "蓝色"], 501: ["128GB", "256GB", "512GB"] },
    price: [99900, 999900],
    weightGrams: [170, 260],
  },
  {
    categoryId: 1001002,
    shop: 1,
    brands: [2005, 2008, 2007, 2006],
    nouns: ["降噪耳机", "蓝牙耳机", "头戴式耳机", "运动耳机"],
    adjectives: ["无线", "主动降噪", "Hi-Res", "入耳式"],
    basic: {},
    sales: { 201: ["黑色", "白色"] },
    price: [9900, 299900],
    weightGrams: [40, 350],
  },
  {
    categoryId: 1002001,
    shop: 0,
    brands: [2009],
    nouns: ["四件套", "被芯", "枕头", "蚕丝被"],
    adjectives: ["纯棉", "天丝", "全棉", "加厚", "亲肤"],
    basic: { 102: ["棉", "天丝", "蚕丝", "羽绒"] },
    sales: { 504: ["1.5m", "1.8m", "2.0m"] },
    price: [19900, 159900],
    weightGrams: [1000, 4000],
  },
  {
    categoryId: 1004001,
    shop: 1,
    brands: [2010],
    nouns: ["龙井茶", "绿茶", "明前茶"],
    adjectives: ["特级", "一级", "明前", "雨前"],
    basic: { 103: ["杭州", "绍兴"] },
    sales: { 504: ["100g", "250g", "500g"] },
    price: [9900, 99900],
    weightGrams: [100, 600],
  },
  {
    categoryId: 1005002,
    shop: 1,
    brands: [3001, 3002, 3003],
    nouns: ["流量包", "全国流量包", "省内流量包"],
    adjectives: ["日租", "月度", "季度", "假日"],
    basic: { 302: ["4G/5G", "5G"] },
    sales: { 401: ["1GB", "5GB", "10GB", "20GB"], 402: ["7天", "30天", "90天"], 403: ["全国通用", "省内通用"] },
    price: [300, 5000],
    weightGrams: null,
  },
];

/** One generated product with everything the seed inserts for it. */
export interface GeneratedProduct {
  id: string;
  shopId: string;
  warehouseId: string;
  categoryId: number;
  brandId: number;
  name: string;
  description: string;
  status: number;
  salesCount: number;
  createdAt: number;
  basic: { attributeId: number; value: string }[];
  skus: {
    id: string;
    code: string;
    name: string;
    weightGrams: number | null;
    sales: { attributeId: number; value: string }[];
    price: number;
    promoPrice: number | null;
    stock: number;
  }[];
}

const ON_SHELF = 10;
const OFF_SHELF = 11;
const DRAFT = 0;

/** Generates `count` products deterministically; ids start after the fixtures' range. */
export function generateCatalog(count: number, baseTime = Date.UTC(2026, 0, 1)): GeneratedProduct[] {
  const random = prng(20261124);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const products: GeneratedProduct[] = [];
  let skuSeq = 1;
  for (let i = 1; i <= count; i++) {
    const leaf = pick(LEAVES);
    const shop = DEMO_SHOPS[leaf.shop];
    const brandId = pick(leaf.brands);
    const brand = BRAND_NAMES[brandId] ?? "";
    const noun = pick(leaf.nouns);
    const name = `${brand} ${pick(leaf.adjectives)}${noun} ${String.fromCharCode(65 + (i % 26))}${100 + (i % 900)}`;
    const roll = random();
    const status = roll < 0.85 ? ON_SHELF : roll < 0.93 ? OFF_SHELF : DRAFT;
    const basic = Object.entries(leaf.basic).map(([id, values]) => ({ attributeId: Number(id), value: pick(values) }));
    if (leaf.categoryId !== 1004001 && !leaf.categoryId.toString().startsWith("1005")) {
      basic.unshift({ attributeId: 101, value: brand });
    }
    if (leaf.categoryId === 1005002) basic.unshift({ attributeId: 301, value: brand });
    const salesAttrs = Object.entries(leaf.sales);
    const skuCount = between(1, 4);
    const seen = new Set<string>();
    const basePrice = Math.round(between(leaf.price[0], leaf.price[1]) / 100) * 100;
    const skus: GeneratedProduct["skus"] = [];
    for (let attempt = 0; attempt < skuCount * 4 && skus.length < skuCount; attempt++) {
      const sales = salesAttrs.map(([id, values]) => ({ attributeId: Number(id), value: pick(values) }));
      const combo = sales.map((s) => s.value).join(" ");
      if (seen.has(combo)) continue;
      seen.add(combo);
      const price = basePrice + skus.length * 1000;
      skus.push({
        id: demoId("sku", 1000 + skuSeq),
        code: `DEMO-${String(i).padStart(5, "0")}-${skus.length + 1}`,
        name: combo,
        weightGrams: leaf.weightGrams ? between(leaf.weightGrams[0], leaf.weightGrams[1]) : null,
        sales,
        price,
        promoPrice: random() < 0.2 ? Math.round((price * 0.8) / 100) * 100 : null,
        stock: leaf.weightGrams === null ? 9999 : random() < 0.1 ? 0 : between(5, 500),
      });
      skuSeq++;
    }
    products.push({
      id: demoId("spu", 1000 + i),
      shopId: shop.id,
      warehouseId: shop.warehouseId,
      categoryId: leaf.categoryId,
      brandId,
      name,
      description: `${brand}${noun}，${pick(leaf.adjectives)}设计，品质保证。${name} — demo product ${i}.`,
      status,
      salesCount: Math.floor(random() ** 3 * 5000),
      createdAt: baseTime + i * 60_000,
      basic,
      skus,
    });
  }
  return products;
}
