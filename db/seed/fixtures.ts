/**
 * The fixed part of the demo data: local accounts (API.md), shops, warehouses, and the catalog
 * structure the seed's two product JSON examples refer to by id (categories 1003001 and 1005002,
 * brands 2001 and 3001, attributes 101–104, 201–202, 301–302, 401–403 with the seed's names).
 * Local dev and tests only: production never loads this.
 */

/** A demo id in the house format: prefix + 26 Crockford digits, readable and stable. */
export function demoId(prefix: string, n: number): string {
  return `${prefix}_${String(n).padStart(26, "0")}`;
}

export const DEMO_ACCOUNTS = [
  {
    id: demoId("usr", 1),
    username: "admin",
    password: "admin-dev-password",
    role: "operator",
    email: "admin@example.com",
  },
  {
    id: demoId("usr", 2),
    username: "seller1",
    password: "seller-dev-password",
    role: "seller",
    email: "seller1@example.com",
  },
  {
    id: demoId("usr", 3),
    username: "seller2",
    password: "seller2-dev-password",
    role: "seller",
    email: "seller2@example.com",
  },
  {
    id: demoId("usr", 4),
    username: "shopper1",
    password: "shopper-dev-password",
    role: "shopper",
    email: "shopper1@example.com",
    phone: "+8613800000001",
  },
] as const;

/** Shop 1 belongs to seller1 (API.md), shop 2 to seller2. */
export const DEMO_SHOPS = [
  {
    id: demoId("shp", 1),
    name: "Demo Apparel Flagship",
    ownerUserId: demoId("usr", 2),
    warehouseId: demoId("wh", 1),
    region: "CN-31",
  },
  {
    id: demoId("shp", 2),
    name: "Demo Digital & Top-up Store",
    ownerUserId: demoId("usr", 3),
    warehouseId: demoId("wh", 2),
    region: "CN-44",
  },
] as const;

/** shopper1's address, so a checkout works on a fresh start (`addressId` in quotes and orders). */
export const DEMO_ADDRESS = {
  id: demoId("adr", 1),
  userId: demoId("usr", 4),
  recipient: "Demo Shopper",
  phone: "+8613800000001",
  country: "CN",
  province: "上海",
  city: "上海",
  line1: "南京西路 1 号",
  postalCode: "200040",
} as const;

/**
 * Shop 1 ships under its own template (¥8 for the first 500 g, ¥3 per further 500 g, ¥15/¥6 to
 * Xinjiang and Tibet, free from ¥199); shop 2 sells top-ups and uses the platform default.
 */
export const DEMO_SHIPPING_TEMPLATE = {
  shopId: demoId("shp", 1),
  currency: "CNY",
  firstWeightGrams: 500,
  firstFee: 800,
  additionalWeightGrams: 500,
  additionalFee: 300,
  freeThreshold: 19900,
  regions: [{ country: "CN", provinces: ["新疆", "西藏"], firstFee: 1500, additionalFee: 600 }],
} as const;

export interface CategoryFixture {
  id: number;
  parentId: number | null;
  name: string;
  kind: "physical" | "virtual";
}

export const DEMO_CATEGORIES: CategoryFixture[] = [
  { id: 1003, parentId: null, name: "服装", kind: "physical" },
  { id: 1003001, parentId: 1003, name: "男士T恤", kind: "physical" },
  { id: 1003002, parentId: 1003, name: "女士连衣裙", kind: "physical" },
  { id: 1003003, parentId: 1003, name: "运动鞋", kind: "physical" },
  { id: 1001, parentId: null, name: "数码", kind: "physical" },
  { id: 1001001, parentId: 1001, name: "手机", kind: "physical" },
  { id: 1001002, parentId: 1001, name: "耳机", kind: "physical" },
  { id: 1002, parentId: null, name: "家居", kind: "physical" },
  { id: 1002001, parentId: 1002, name: "床上用品", kind: "physical" },
  { id: 1004, parentId: null, name: "食品", kind: "physical" },
  { id: 1004001, parentId: 1004, name: "茶叶", kind: "physical" },
  { id: 1005, parentId: null, name: "充值", kind: "virtual" },
  { id: 1005001, parentId: 1005, name: "话费充值", kind: "virtual" },
  { id: 1005002, parentId: 1005, name: "流量充值", kind: "virtual" },
];

export const DEMO_BRANDS = [
  { id: 2001, name: "NIKE" },
  { id: 2002, name: "Adidas" },
  { id: 2003, name: "优衣库" },
  { id: 2004, name: "李宁" },
  { id: 2005, name: "Apple" },
  { id: 2006, name: "华为" },
  { id: 2007, name: "小米" },
  { id: 2008, name: "Sony" },
  { id: 2009, name: "罗莱家纺" },
  { id: 2010, name: "西湖龙井" },
  { id: 3001, name: "中国移动" },
  { id: 3002, name: "中国联通" },
  { id: 3003, name: "中国电信" },
];

export const DEMO_ATTRIBUTES = [
  { id: 101, name: "品牌" },
  { id: 102, name: "材质" },
  { id: 103, name: "产地" },
  { id: 104, name: "袖型" },
  { id: 201, name: "颜色" },
  { id: 202, name: "尺码" },
  { id: 301, name: "运营商" },
  { id: 302, name: "适用网络" },
  { id: 401, name: "流量容量" },
  { id: 402, name: "有效期" },
  { id: 403, name: "流量类型" },
  { id: 501, name: "存储容量" },
  { id: 502, name: "网络制式" },
  { id: 503, name: "面额" },
  { id: 504, name: "规格" },
];

export interface TemplateFixture {
  categoryId: number;
  attributeId: number;
  kind: "basic" | "sales";
  required: boolean;
  allowedValues?: string[];
}

const SIZES = ["XS", "S", "M", "L", "XL", "XXL"];
const COLOURS = ["黑色", "白色", "灰色", "藏青色", "红色", "蓝色", "绿色"];

/** Attribute templates: which attributes each leaf category uses, as basic or sales. */
export const DEMO_TEMPLATES: TemplateFixture[] = [
  // The seed's T-shirt: brand, material, origin, sleeve; sold by colour and size.
  { categoryId: 1003001, attributeId: 101, kind: "basic", required: true },
  { categoryId: 1003001, attributeId: 102, kind: "basic", required: true },
  { categoryId: 1003001, attributeId: 103, kind: "basic", required: false },
  { categoryId: 1003001, attributeId: 104, kind: "basic", required: false, allowedValues: ["短袖", "长袖", "无袖"] },
  { categoryId: 1003001, attributeId: 201, kind: "sales", required: true, allowedValues: COLOURS },
  { categoryId: 1003001, attributeId: 202, kind: "sales", required: true, allowedValues: SIZES },
  { categoryId: 1003002, attributeId: 101, kind: "basic", required: true },
  { categoryId: 1003002, attributeId: 102, kind: "basic", required: false },
  { categoryId: 1003002, attributeId: 201, kind: "sales", required: true, allowedValues: COLOURS },
  { categoryId: 1003002, attributeId: 202, kind: "sales", required: true, allowedValues: SIZES },
  { categoryId: 1003003, attributeId: 101, kind: "basic", required: true },
  { categoryId: 1003003, attributeId: 201, kind: "sales", required: true, allowedValues: COLOURS },
  {
    categoryId: 1003003,
    attributeId: 202,
    kind: "sales",
    required: true,
    allowedValues: ["39", "40", "41", "42", "43", "44"],
  },
  { categoryId: 1001001, attributeId: 101, kind: "basic", required: true },
  { categoryId: 1001001, attributeId: 502, kind: "basic", required: false },
  { categoryId: 1001001, attributeId: 201, kind: "sales", required: true },
  {
    categoryId: 1001001,
    attributeId: 501,
    kind: "sales",
    required: true,
    allowedValues: ["128GB", "256GB", "512GB", "1TB"],
  },
  { categoryId: 1001002, attributeId: 101, kind: "basic", required: true },
  { categoryId: 1001002, attributeId: 201, kind: "sales", required: true },
  { categoryId: 1002001, attributeId: 101, kind: "basic", required: true },
  { categoryId: 1002001, attributeId: 102, kind: "basic", required: false },
  { categoryId: 1002001, attributeId: 504, kind: "sales", required: true, allowedValues: ["1.5m", "1.8m", "2.0m"] },
  { categoryId: 1004001, attributeId: 103, kind: "basic", required: false },
  { categoryId: 1004001, attributeId: 504, kind: "sales", required: true },
  // The seed's data pack: carrier and network; sold by volume, validity and type.
  {
    categoryId: 1005002,
    attributeId: 301,
    kind: "basic",
    required: true,
    allowedValues: ["中国移动", "中国联通", "中国电信"],
  },
  { categoryId: 1005002, attributeId: 302, kind: "basic", required: false },
  { categoryId: 1005002, attributeId: 401, kind: "sales", required: true },
  { categoryId: 1005002, attributeId: 402, kind: "sales", required: true },
  { categoryId: 1005002, attributeId: 403, kind: "sales", required: true, allowedValues: ["全国通用", "省内通用"] },
  {
    categoryId: 1005001,
    attributeId: 301,
    kind: "basic",
    required: true,
    allowedValues: ["中国移动", "中国联通", "中国电信"],
  },
  {
    categoryId: 1005001,
    attributeId: 503,
    kind: "sales",
    required: true,
    allowedValues: ["30元", "50元", "100元", "200元"],
  },
];
