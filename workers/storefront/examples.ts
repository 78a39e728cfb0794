/**
 * Example answers of the storefront's operations for its OpenAPI document, taken from the
 * platform answering `npm run dev`'s demo data (shopper1 ordering the seed catalog's NIKE T-shirt),
 * each typed by its schema so it cannot drift from what the route answers.
 */
import type { z } from "@hono/zod-openapi";
import type { cartSchema } from "../../shared/cart/cart";
import type { searchResultSchema } from "../../shared/catalog/search";
import type { productDetailSchema } from "../../shared/catalog/storefront-product";
import type { categoryTreeSchema } from "../../shared/catalog/structure";
import type { quoteResponseSchema } from "../../shared/checkout/create-quote";
import type { createOrderResponse } from "../../shared/orders/create-order";
import type { orderSchema } from "../../shared/orders/orders";
import type { paymentStartedSchema } from "../../shared/payments/pay";
import type { payOrderViewSchema } from "../../shared/payments/pay-order-view";
import type { profileSchema, tokenPairSchema } from "../../shared/users/accounts";
import type { addressSchema } from "../../shared/users/addresses";

export const tokenPairExample: z.output<typeof tokenPairSchema> = {
  accessToken:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJyb2xlcyI6WyJzaG9wcGVyIl0sInN1YiI6InVzcl8wMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwNCIsImlzcyI6ImVkZ2UtY29tbWVyY2UiLCJhdWQiOiJlZGdlLWNvbW1lcmNlIiwiaWF0IjoxNzk2MTc3NDY3LCJleHAiOjE3OTYxNzgzNjcsImp0aSI6IjAxTThUOEE2N1g4MzVCNTVBNTZLUVYyRzFUIn0.9bH_C6cK8LKNJHih_mvGixeIeKhYXPhVljVefV4wQag",
  refreshToken: "rt__G_hAcD5gaMryx0cNPwjzCS3HLAU7iQeQf7E4hCzEoI",
  expiresIn: 900,
  tokenType: "Bearer",
};

export const profileExample: z.output<typeof profileSchema> = {
  userId: "usr_00000000000000000000000004",
  username: "shopper1",
  email: "shopper1@example.com",
  phone: "+8613800000001",
  roles: ["shopper"],
  shopId: null,
  coins: { balance: 0 },
  vipLevel: 0,
  createdAt: "2026-01-01T00:00:00.000Z",
};

export const addressExample: z.output<typeof addressSchema> = {
  addressId: "adr_00000000000000000000000001",
  recipient: "Demo Shopper",
  phone: "+8613800000001",
  country: "CN",
  province: "上海",
  city: "上海",
  district: null,
  line1: "南京西路 1 号",
  line2: null,
  postalCode: "200040",
  isDefault: true,
  version: 1,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
};

export const categoryTreeExample: z.output<typeof categoryTreeSchema> = [
  {
    id: 1003,
    name: "服装",
    kind: "physical",
    children: [
      {
        id: 1003001,
        name: "男士T恤",
        kind: "physical",
        children: [],
      },
      {
        id: 1003002,
        name: "女士连衣裙",
        kind: "physical",
        children: [],
      },
      {
        id: 1003003,
        name: "运动鞋",
        kind: "physical",
        children: [],
      },
    ],
  },
];

export const searchResultExample: z.output<typeof searchResultSchema> = {
  items: [
    {
      productId: "spu_00000000000000000000001020",
      name: "优衣库 基础款圆领T恤 U120",
      brand: "优衣库",
      category: "男士T恤",
      brandRef: { id: 2003, name: "优衣库" },
      categoryRef: { id: 1003001, name: "男士T恤" },
      minPrice: {
        amount: 16900,
        currency: "CNY",
      },
      maxPrice: {
        amount: 20100,
        currency: "CNY",
      },
      inStock: true,
      image: "https://images.example.com/demo/spu_00000000000000000000001020.jpg",
    },
    {
      productId: "spu_00000000000000000000001004",
      name: "NIKE 经典纯棉T恤 E104",
      brand: "NIKE",
      category: "男士T恤",
      brandRef: { id: 2001, name: "NIKE" },
      categoryRef: { id: 1003001, name: "男士T恤" },
      minPrice: {
        amount: 21400,
        currency: "CNY",
      },
      maxPrice: {
        amount: 25700,
        currency: "CNY",
      },
      inStock: true,
      image: "https://images.example.com/demo/spu_00000000000000000000001004.jpg",
    },
  ],
  facets: {
    brand: [
      {
        id: 2003,
        value: "优衣库",
        count: 3,
      },
      {
        id: 2004,
        value: "李宁",
        count: 2,
      },
      {
        id: 2001,
        value: "NIKE",
        count: 1,
      },
    ],
    category: [
      {
        id: 1003001,
        value: "男士T恤",
        count: 6,
      },
    ],
  },
  nextCursor: "eyJvZmZzZXQiOjJ9",
};

export const productDetailExample: z.output<typeof productDetailSchema> = {
  productId: "spu_00000000000000000000001004",
  name: "NIKE 经典纯棉T恤 E104",
  description: "NIKE纯棉T恤，经典设计，品质保证。NIKE 经典纯棉T恤 E104 — demo product 4.",
  nameI18n: null,
  brand: {
    id: 2001,
    name: "NIKE",
  },
  category: {
    id: 1003001,
    name: "男士T恤",
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
      value: "亚麻",
    },
    {
      attributeId: 103,
      attributeName: "产地",
      value: "中国",
    },
    {
      attributeId: 104,
      attributeName: "袖型",
      value: "长袖",
    },
  ],
  images: ["https://images.example.com/demo/spu_00000000000000000000001004.jpg"],
  skus: [
    {
      skuId: "sku_00000000000000000000001007",
      name: "白色 M",
      skuName: "白色 M",
      price: {
        amount: 24700,
        currency: "CNY",
      },
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
      available: 404,
    },
    {
      skuId: "sku_00000000000000000000001008",
      name: "红色 M",
      skuName: "红色 M",
      price: {
        amount: 25700,
        currency: "CNY",
      },
      salesAttributes: [
        {
          attributeId: 201,
          attributeName: "颜色",
          value: "红色",
        },
        {
          attributeId: 202,
          attributeName: "尺码",
          value: "M",
        },
      ],
      available: 279,
    },
  ],
  inStock: true,
  rating: { average: 4.5, count: 2 },
  version: 1,
};

export const cartExample: z.output<typeof cartSchema> = {
  items: [
    {
      skuId: "sku_00000000000000000000001007",
      productId: "spu_00000000000000000000001004",
      name: "NIKE 经典纯棉T恤 E104 白色 M",
      quantity: 1,
      unitPrice: {
        amount: 24700,
        currency: "CNY",
      },
      addedUnitPrice: {
        amount: 24700,
        currency: "CNY",
      },
      available: 404,
      problems: [],
    },
  ],
  subtotal: {
    amount: 24700,
    currency: "CNY",
  },
};

export const quoteExample: z.output<typeof quoteResponseSchema> = {
  quoteId: "quo_01M8T8AEX3155CCRNEFB47V6V0",
  quoteToken:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6InF1b3RlK2p3dCJ9.eyJpdGVtcyI6W1sic2t1XzAwMDAwMDAwMDAwMDAwMDAwMDAwMDAxMDA3IiwxLDI0NzAwXV0sImFkciI6ImFkcl8wMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMSIsInBheSI6MjQ3MDAsImN1ciI6IkNOWSIsInN1YiI6InVzcl8wMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwNCIsImp0aSI6InF1b18wMU04VDhBRVgzMTU1Q0NSTkVGQjQ3VjZWMCIsImlzcyI6ImVkZ2UtY29tbWVyY2UiLCJhdWQiOiJjaGVja291dCIsImlhdCI6MTc5NjE3NzQ3NiwiZXhwIjoxNzk2MTc4Mzc2fQ.lrzd8V65gNxP5cboP16NHCrJTRYG2-P-ZCj4Ap0WsWI",
  orders: [
    {
      sellerId: "shp_00000000000000000000000001",
      kind: "physical",
      items: [
        {
          skuId: "sku_00000000000000000000001007",
          productId: "spu_00000000000000000000001004",
          name: "NIKE 经典纯棉T恤 E104 白色 M",
          quantity: 1,
          unitPrice: {
            amount: 24700,
            currency: "CNY",
          },
          lineTotal: {
            amount: 24700,
            currency: "CNY",
          },
          discount: {
            amount: 0,
            currency: "CNY",
          },
          rechargeTarget: null,
        },
      ],
      subtotal: {
        amount: 24700,
        currency: "CNY",
      },
      shippingFee: {
        amount: 0,
        currency: "CNY",
      },
      discount: {
        amount: 0,
        currency: "CNY",
      },
      discounts: [],
      total: {
        amount: 24700,
        currency: "CNY",
      },
    },
  ],
  coinsUsed: 0,
  payable: {
    amount: 24700,
    currency: "CNY",
  },
  expiresAt: "2026-12-02T02:26:16.515Z",
};

export const createdOrdersExample: z.output<typeof createOrderResponse> = {
  payOrderId: "1796177476010990000",
  orders: [
    {
      orderId: "1796177476010990001",
      sellerId: "shp_00000000000000000000000001",
      status: "CREATED",
      total: {
        amount: 24700,
        currency: "CNY",
      },
    },
  ],
  payable: {
    amount: 24700,
    currency: "CNY",
  },
  payBy: "2026-12-02T02:41:16.575Z",
};

export const orderExample: z.output<typeof orderSchema> = {
  orderId: "1796177476010990001",
  payOrderId: "1796177476010990000",
  sellerId: "shp_00000000000000000000000001",
  kind: "physical",
  status: "CREATED",
  paymentStatus: "UNPAID",
  fulfillmentStatus: "NONE",
  refundStatus: "NONE",
  items: [
    {
      orderItemId: "oit_01M8T8AEYZCYRJQBSP8BY7AF00",
      skuId: "sku_00000000000000000000001007",
      productId: "spu_00000000000000000000001004",
      snapshotId: "osn_303dcc699e1bbb4c9203a1c34305b9e8",
      name: "NIKE 经典纯棉T恤 E104 白色 M",
      quantity: 1,
      unitPrice: {
        amount: 24700,
        currency: "CNY",
      },
      discount: {
        amount: 0,
        currency: "CNY",
      },
      paidAmount: {
        amount: 24700,
        currency: "CNY",
      },
      rechargeTarget: null,
      status: "CREATED",
    },
  ],
  itemsAmount: {
    amount: 24700,
    currency: "CNY",
  },
  shippingFee: {
    amount: 0,
    currency: "CNY",
  },
  discount: {
    amount: 0,
    currency: "CNY",
  },
  total: {
    amount: 24700,
    currency: "CNY",
  },
  address: {
    addressId: "adr_00000000000000000000000001",
    recipient: "Demo Shopper",
    phone: "+8613800000001",
    country: "CN",
    province: "上海",
    city: "上海",
    district: null,
    line1: "南京西路 1 号",
    line2: null,
    postalCode: "200040",
  },
  cancelReason: null,
  payBy: "2026-12-02T02:41:16.575Z",
  version: 1,
  shipments: [],
  refunds: [],
  createdAt: "2026-12-02T02:11:16.575Z",
  updatedAt: "2026-12-02T02:11:16.575Z",
};

export const paymentStartedExample: z.output<typeof paymentStartedSchema> = {
  paymentId: "pay_01M8T8AF9X2J6FC7HX2N7BHFHM",
  payOrderId: "1796177476010990000",
  provider: "sandbox",
  status: "PENDING",
  amount: {
    amount: 24700,
    currency: "CNY",
  },
  redirectUrl: "http://127.0.0.1:8787/sandbox/pay/pi_01M8T8AFCB63VRTS75K8MEY7YD",
};

export const payOrderViewExample: z.output<typeof payOrderViewSchema> = {
  payOrderId: "1796177476010990000",
  paymentStatus: "PENDING",
  payable: {
    amount: 24700,
    currency: "CNY",
  },
  payBy: "2026-12-02T02:41:16.575Z",
  orders: [
    {
      orderId: "1796177476010990001",
      status: "CREATED",
      paymentStatus: "PENDING",
    },
  ],
  payments: [
    {
      paymentId: "pay_01M8T8AF9X2J6FC7HX2N7BHFHM",
      provider: "sandbox",
      status: "PENDING",
      amount: {
        amount: 24700,
        currency: "CNY",
      },
      createdAt: "2026-12-02T02:11:16.925Z",
    },
  ],
};
