/**
 * Example answers of the admin operations for its OpenAPI document, taken from the platform
 * answering `npm run dev`'s demo data (seller1 creating the seed's T-shirt, receiving stock,
 * the demo shopper's order), each typed by its schema so it cannot drift from what the route answers.
 */
import type { z } from "@hono/zod-openapi";
import type { operationLogSchema, snapshotSchema } from "../../shared/catalog/history";
import type { productSummarySchema } from "../../shared/catalog/list-products";
import type { productInput } from "../../shared/catalog/product-input";
import type { adminProductSchema } from "../../shared/catalog/product-views";
import type { revisionSchema } from "../../shared/catalog/revisions-repo";
import type { categorySchema } from "../../shared/catalog/structure";
import type { shippingTemplateView } from "../../shared/checkout/shipping-template-api";
import type { canarySchema } from "../../shared/events/canaries";
import type { deadLetterSchema } from "../../shared/events/dead-letters";
import type { movementViewSchema } from "../../shared/inventory/schemas";
import type { stockAlertSchema, stockViewResponse } from "../../shared/inventory/stock-intake";
import type { warehouseSchema } from "../../shared/inventory/warehouses";
import type { discrepancySchema } from "../../shared/payments/discrepancies";
import type { adminPaymentSchema } from "../../shared/payments/payments-list";
import type { runSchema } from "../../shared/payments/reconciliation";
import type { apiKeySchema } from "../../shared/users/api-keys";
import type { shopListItemSchema, userListItemSchema } from "../../shared/users/directory";

/** The seed's T-shirt as seller1 created it (`POST /admin/v1/products` with the seed's JSON). */
export const PRODUCT_ID = "spu_01M8T8AG0PE04B84VDZ3D87QPJ";
/** Its first SKU (黑色 L). */
export const SKU_ID = "sku_01M8T8AG0PDCWNX7AXX7BJMG4G";
/** seller1's shop and its default warehouse in the demo data. */
export const SHOP_ID = "shp_00000000000000000000000001";
export const WAREHOUSE_ID = "wh_00000000000000000000000001";

/** The seed design's T-shirt product JSON, exactly as written (test/fixtures/seed-tshirt.jsonc). */
export const seedTshirt: z.input<typeof productInput> = {
  categoryId: 1003001,
  spu: {
    name: "经典圆领男士T恤",
    brandId: 2001,
    description: "柔软舒适，100%纯棉",
  },
  basicAttributes: [
    {
      attributeId: 101,
      attributeName: "品牌",
      value: "NIKE",
    },
    {
      attributeId: 102,
      attributeName: "材质",
      value: "棉",
    },
    {
      attributeId: 103,
      attributeName: "产地",
      value: "中国",
    },
    {
      attributeId: 104,
      attributeName: "袖型",
      value: "短袖",
    },
  ],
  skus: [
    {
      skuName: "黑色 L",
      price: 79.0,
      stock: 100,
      salesAttributes: [
        {
          attributeId: 201,
          attributeName: "颜色",
          value: "黑色",
        },
        {
          attributeId: 202,
          attributeName: "尺码",
          value: "L",
        },
      ],
    },
    {
      skuName: "白色 M",
      price: 79.0,
      stock: 150,
      salesAttributes: [
        {
          attributeId: 201,
          attributeName: "颜色",
          value: "白色",
        },
        {
          attributeId: 202,
          attributeName: "尺码",
          value: "M",
        },
      ],
    },
  ],
};

/** The seed design's data-pack (virtual goods) product JSON (test/fixtures/seed-data-pack.jsonc). */
export const seedDataPack: z.input<typeof productInput> = {
  categoryId: 1005002,
  spu: {
    name: "中国移动流量包充值",
    brandId: 3001,
    description: "全国通用流量包充值，按需选择，自动到账",
  },
  basicAttributes: [
    {
      attributeId: 301,
      attributeName: "运营商",
      value: "中国移动",
    },
    {
      attributeId: 302,
      attributeName: "适用网络",
      value: "4G/5G",
    },
  ],
  skus: [
    {
      skuName: "中国移动1GB全国流量包（7天）",
      price: 5.0,
      stock: 9999,
      salesAttributes: [
        {
          attributeId: 401,
          attributeName: "流量容量",
          value: "1GB",
        },
        {
          attributeId: 402,
          attributeName: "有效期",
          value: "7天",
        },
        {
          attributeId: 403,
          attributeName: "流量类型",
          value: "全国通用",
        },
      ],
    },
    {
      skuName: "中国移动5GB全国流量包（30天）",
      price: 20.0,
      stock: 9999,
      salesAttributes: [
        {
          attributeId: 401,
          attributeName: "流量容量",
          value: "5GB",
        },
        {
          attributeId: 402,
          attributeName: "有效期",
          value: "30天",
        },
        {
          attributeId: 403,
          attributeName: "流量类型",
          value: "全国通用",
        },
      ],
    },
    {
      skuName: "中国移动10GB全国流量包（90天）",
      price: 38.0,
      stock: 9999,
      salesAttributes: [
        {
          attributeId: 401,
          attributeName: "流量容量",
          value: "10GB",
        },
        {
          attributeId: 402,
          attributeName: "有效期",
          value: "90天",
        },
        {
          attributeId: 403,
          attributeName: "流量类型",
          value: "全国通用",
        },
      ],
    },
  ],
};

export const adminProductExample: z.output<typeof adminProductSchema> = {
  productId: "spu_01M8T8AG0PE04B84VDZ3D87QPJ",
  shopId: "shp_00000000000000000000000001",
  categoryId: 1003001,
  brandId: 2001,
  name: "经典圆领男士T恤",
  description: "柔软舒适，100%纯棉",
  nameI18n: null,
  descriptionI18n: null,
  status: "DRAFT",
  statusCode: 0,
  statusReason: null,
  version: 1,
  basicAttributes: [
    {
      attributeId: 101,
      attributeName: "品牌",
      value: "NIKE",
    },
    {
      attributeId: 102,
      attributeName: "材质",
      value: "棉",
    },
    {
      attributeId: 103,
      attributeName: "产地",
      value: "中国",
    },
    {
      attributeId: 104,
      attributeName: "袖型",
      value: "短袖",
    },
  ],
  images: [],
  skus: [
    {
      skuId: "sku_01M8T8AG0PDCWNX7AXX7BJMG4G",
      skuName: "黑色 L",
      sellerSkuCode: null,
      salesAttributes: [
        {
          attributeId: 201,
          attributeName: "颜色",
          value: "黑色",
        },
        {
          attributeId: 202,
          attributeName: "尺码",
          value: "L",
        },
      ],
      price: {
        amount: 7900,
        currency: "CNY",
      },
      prices: [
        {
          type: "standard",
          price: {
            amount: 7900,
            currency: "CNY",
          },
          effectiveAt: "2026-12-02T02:11:17.654Z",
          expiresAt: null,
        },
      ],
      weightGrams: null,
      dimensionsMm: null,
      stock: {
        available: 100,
        reserved: 0,
        sold: 0,
      },
      version: 1,
    },
    {
      skuId: "sku_01M8T8AG0PW7MQ352AJ959FNMC",
      skuName: "白色 M",
      sellerSkuCode: null,
      salesAttributes: [
        {
          attributeId: 201,
          attributeName: "颜色",
          value: "白色",
        },
        {
          attributeId: 202,
          attributeName: "尺码",
          value: "M",
        },
      ],
      price: {
        amount: 7900,
        currency: "CNY",
      },
      prices: [
        {
          type: "standard",
          price: {
            amount: 7900,
            currency: "CNY",
          },
          effectiveAt: "2026-12-02T02:11:17.654Z",
          expiresAt: null,
        },
      ],
      weightGrams: null,
      dimensionsMm: null,
      stock: {
        available: 150,
        reserved: 0,
        sold: 0,
      },
      version: 1,
    },
  ],
  createdAt: "2026-12-02T02:11:17.654Z",
  updatedAt: "2026-12-02T02:11:17.654Z",
  pendingRevision: null,
};

export const productSummaryExample: z.output<typeof productSummarySchema> = {
  productId: "spu_01M8T8AG0PE04B84VDZ3D87QPJ",
  shopId: "shp_00000000000000000000000001",
  name: "经典圆领男士T恤",
  categoryId: 1003001,
  brandId: 2001,
  status: "DRAFT",
  version: 1,
  createdAt: "2026-12-02T02:11:17.654Z",
  updatedAt: "2026-12-02T02:11:17.654Z",
};

export const snapshotExample: z.output<typeof snapshotSchema> = {
  snapshotId: "snp_01M8T8AG0PDYE1VX6NK35H8C6N",
  version: 1,
  contentHash: "29c01bcdd35d062f8585af87e4af0cb9bc344c173cabe0435d03efefdd01f3dc",
  content: {
    basicAttributes: [
      {
        attributeId: 101,
        value: "NIKE",
      },
      {
        attributeId: 102,
        value: "棉",
      },
      {
        attributeId: 103,
        value: "中国",
      },
      {
        attributeId: 104,
        value: "短袖",
      },
    ],
    brandId: 2001,
    categoryId: 1003001,
    description: "柔软舒适，100%纯棉",
    descriptionI18n: null,
    images: [],
    name: "经典圆领男士T恤",
    nameI18n: null,
    productId: "spu_01M8T8AG0PE04B84VDZ3D87QPJ",
    skus: [
      {
        dimensionsMm: null,
        salesAttributes: [
          {
            attributeId: 201,
            value: "黑色",
          },
          {
            attributeId: 202,
            value: "L",
          },
        ],
        sellerSkuCode: null,
        skuId: "sku_01M8T8AG0PDCWNX7AXX7BJMG4G",
        skuName: "黑色 L",
        weightGrams: null,
      },
      {
        dimensionsMm: null,
        salesAttributes: [
          {
            attributeId: 201,
            value: "白色",
          },
          {
            attributeId: 202,
            value: "M",
          },
        ],
        sellerSkuCode: null,
        skuId: "sku_01M8T8AG0PW7MQ352AJ959FNMC",
        skuName: "白色 M",
        weightGrams: null,
      },
    ],
  },
  createdBy: "usr_00000000000000000000000002",
  createdAt: "2026-12-02T02:11:17.654Z",
};

export const stockViewExample: z.output<typeof stockViewResponse> = {
  skuId: "sku_01M8T8AG0PDCWNX7AXX7BJMG4G",
  available: 60,
  reserved: 0,
  sold: 0,
  warehouses: [
    {
      warehouseId: "wh_00000000000000000000000001",
      available: 60,
      reserved: 0,
      sold: 0,
    },
  ],
};

export const warehouseExample: z.output<typeof warehouseSchema> = {
  warehouseId: "wh_00000000000000000000000001",
  shopId: "shp_00000000000000000000000001",
  name: "Demo Apparel Flagship main warehouse",
  region: "CN-31",
  priority: 0,
  isDefault: true,
};

export const movementExample: z.output<typeof movementViewSchema> = {
  seq: 2,
  opId: "op_01M8T8AGCC25DMZV5VW3GGRC88",
  warehouseId: "wh_00000000000000000000000001",
  kind: "receive",
  quantity: 50,
  reason: "received",
  actor: "usr_00000000000000000000000002",
  at: 1796177478028,
  availableAfter: 60,
  createdAt: new Date(1796177478028).toISOString(),
};

export const stockAlertExample: z.output<typeof stockAlertSchema> = {
  alertId: "evt_01M8T8AGCC25DMZV5VW3GGRC90",
  shopId: "shp_00000000000000000000000001",
  skuId: SKU_ID,
  productId: PRODUCT_ID,
  productName: "经典圆领男士T恤",
  skuName: "黑色 L",
  sellerSkuCode: "TS-BLK-L",
  available: 8,
  threshold: 10,
  raisedAt: "2026-12-02T02:11:18.028Z",
};

export const shippingTemplateExample: z.output<typeof shippingTemplateView> = {
  shopId: "shp_00000000000000000000000001",
  currency: "CNY",
  firstWeightGrams: 500,
  firstWeightFee: { amount: 800, currency: "CNY" },
  additionalWeightGrams: 500,
  additionalWeightFee: { amount: 300, currency: "CNY" },
  freeShippingFrom: { amount: 19900, currency: "CNY" },
  firstFee: 800,
  additionalFee: 300,
  freeThreshold: 19900,
  regions: [
    {
      country: "CN",
      provinces: ["新疆", "西藏"],
      firstWeightFee: { amount: 1500, currency: "CNY" },
      additionalWeightFee: { amount: 600, currency: "CNY" },
      firstFee: 1500,
      additionalFee: 600,
    },
  ],
  isDefault: false,
  version: 1,
};

export const operationLogExample: z.output<typeof operationLogSchema> = {
  logId: "opl_01M8T8AGP9CHKCK784C4A0N7ZZ",
  actorId: "usr_00000000000000000000000002",
  actorType: "user",
  shopId: "shp_00000000000000000000000001",
  entityType: "product",
  entityId: "spu_01M8T8AG0PE04B84VDZ3D87QPJ",
  operation: "submit",
  before: {
    status: "DRAFT",
  },
  after: {
    status: "PENDING_AUDIT",
  },
  requestId: "req_01M8T8AGN8J23TSBG4SYNPTPEJ",
  createdAt: "2026-12-02T02:11:18.345Z",
};

export const apiKeyExample: z.output<typeof apiKeySchema> = {
  apiKeyId: "key_01M8T8AFQ36XE7J3HCY4ZGRWA4",
  shopId: "shp_00000000000000000000000001",
  name: "erp sync",
  prefix: "sk_Ed1qPWO",
  scopes: ["catalog:read", "stock:write"],
  createdBy: "usr_00000000000000000000000002",
  createdAt: "2026-12-02T02:11:17.347Z",
  lastUsedAt: null,
  revokedAt: null,
};

export const categoryExample: z.output<typeof categorySchema> = {
  id: 1003004,
  parentId: 1003,
  name: "卫衣",
  level: 2,
  path: "1003/1003004",
  kind: "physical",
};

/** A category's template as `GET/PUT /admin/v1/categories/{categoryId}/attributes` answer it. */
export const attributeTemplateExample: {
  attributes: {
    attributeId: number;
    attributeName: string;
    kind: "basic" | "sales";
    required: boolean;
    allowedValues: string[] | null;
  }[];
} = {
  attributes: [
    {
      attributeId: 101,
      attributeName: "品牌",
      kind: "basic",
      required: true,
      allowedValues: null,
    },
    {
      attributeId: 102,
      attributeName: "材质",
      kind: "basic",
      required: true,
      allowedValues: null,
    },
    {
      attributeId: 103,
      attributeName: "产地",
      kind: "basic",
      required: false,
      allowedValues: null,
    },
    {
      attributeId: 104,
      attributeName: "袖型",
      kind: "basic",
      required: false,
      allowedValues: ["短袖", "长袖", "无袖"],
    },
    {
      attributeId: 201,
      attributeName: "颜色",
      kind: "sales",
      required: true,
      allowedValues: ["黑色", "白色", "灰色", "藏青色", "红色", "蓝色", "绿色"],
    },
    {
      attributeId: 202,
      attributeName: "尺码",
      kind: "sales",
      required: true,
      allowedValues: ["XS", "S", "M", "L", "XL", "XXL"],
    },
  ],
};

export const revisionExample: z.output<typeof revisionSchema> = {
  revisionId: "rev_01M8T8AGP9CHKCK784C4A0N7ZZ",
  productId: PRODUCT_ID,
  status: "PENDING",
  baseVersion: 4,
  changes: { product: { name: "经典圆领男士T恤（2027 款）" } },
  createdBy: "usr_00000000000000000000000002",
  createdAt: "2026-12-02T02:11:18.345Z",
  decidedBy: null,
  decidedAt: null,
  reason: null,
  supersededBy: null,
  appliedVersion: null,
};

export const paymentExample: z.output<typeof adminPaymentSchema> = {
  paymentId: "pay_01M8T8AF9X2J6FC7HX2N7BHFHM",
  payOrderId: "1796177476010990000",
  provider: "sandbox",
  providerPaymentId: "pi_01M8T8AFCB63VRTS75K8MEY7YD",
  status: "PENDING",
  amount: {
    amount: 24700,
    currency: "CNY",
  },
  failureCode: null,
  createdAt: "2026-12-02T02:11:16.925Z",
};

export const reconciliationRunExample: z.output<typeof runSchema> = {
  runId: "rcn_01M8T8AJ0KF8M2W8WYWWGR1R04",
  status: "running",
  trigger: "user:usr_00000000000000000000000001",
  since: "2026-11-25T02:11:19.699Z",
  summary: null,
  error: null,
  startedAt: "2026-12-02T02:11:19.699Z",
  finishedAt: null,
};

export const discrepancyExample: z.output<typeof discrepancySchema> = {
  discrepancyId: "dsc_01M8T8AJ0KF8M2W8WYWWGR1R05",
  kind: "paid_not_recorded",
  ref: "pi_01M8T8AFCB63VRTS75K8MEY7YD",
  expected: { status: "PAID" },
  actual: { status: "PENDING" },
  runId: "rcn_01M8T8AJ0KF8M2W8WYWWGR1R04",
  detectedAt: "2026-12-02T02:11:19.699Z",
  resolvedAt: null,
};

export const deadLetterExample: z.output<typeof deadLetterSchema> = {
  id: "dlq_01M8T8AJ2PTYH1AH2TQBS5NPHT",
  queue: "payment-events",
  messageId: "6f0d1c1e4a2b4d6f9e8a7b6c5d4e3f21",
  eventType: "payment_intent.succeeded",
  body: { eventId: "evt_01M8T8AF9X2J6FC7HX2N7BHFHN" },
  attempts: 5,
  reason: "unknown_payment: pay_unknown",
  status: "dead",
  createdAt: "2026-12-02T02:11:19.766Z",
  replayedAt: null,
  replayedBy: null,
};

export const canaryExample: z.output<typeof canarySchema> = {
  canaryId: "cny_01M8T8AJ2PTYH1AH2TQBS5NPHT",
  queue: "catalog-events",
  status: "sent",
  createdAt: "2026-12-02T02:11:19.766Z",
  consumedAt: null,
  deliveries: 0,
};

/** Shop 1 in the demo data, with the seed's T-shirt created and one order placed. */
export const shopListItemExample: z.output<typeof shopListItemSchema> = {
  shopId: SHOP_ID,
  name: "Demo Apparel Flagship",
  status: "ACTIVE",
  defaultCurrency: "CNY",
  owner: { userId: "usr_00000000000000000000000002", username: "seller1", status: "ACTIVE" },
  members: 1,
  products: 1,
  onShelf: 1,
  orders: 1,
  createdAt: "2026-12-02T02:10:58.114Z",
};

/** seller1 in the demo data. */
export const userListItemExample: z.output<typeof userListItemSchema> = {
  userId: "usr_00000000000000000000000002",
  username: "seller1",
  email: "seller1@example.com",
  phone: null,
  role: "seller",
  status: "ACTIVE",
  lockedUntil: null,
  shopId: SHOP_ID,
  vipLevel: 0,
  createdAt: "2026-12-02T02:10:58.114Z",
  updatedAt: "2026-12-02T02:10:58.114Z",
};
