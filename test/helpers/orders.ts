/** Checkout helpers: shoppers with an address, products on sale with a given stock, orders. */
import { env } from "cloudflare:test";
import { inventoryOf } from "../../shared/inventory/binding";
import type { OrderDeps } from "../../shared/orders/create-order";
import { OrderStore, orderShardBindings, orderStoreOf, SlotTableCache } from "../../shared/orders/order-store";
import type { SagaHooks } from "../../shared/orders/saga";
import { orderSettingsSchema } from "../../shared/orders/settings";
import type { ManualClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { createLogger } from "../../shared/platform/logger";
import { tokenFor } from "./callers";
import { newSeller, postProduct, putOnShelf, type Seller, tshirt } from "./catalog";
import { createUser, type TestUser } from "./factories";
import { call, json } from "./http";

export interface Shopper extends TestUser {
  token: string;
  addressId: string;
}

export const SHANGHAI = {
  recipient: "张三",
  phone: "+86 138 0000 0000",
  country: "CN",
  province: "上海",
  city: "上海",
  line1: "南京西路 1 号",
  postalCode: "200000",
};

/** A fresh shopper with one address. */
export async function newShopper(address: object = SHANGHAI): Promise<Shopper> {
  const user = await createUser("shopper");
  const token = await tokenFor({ userId: user.id, roles: ["shopper"] });
  const res = await json<{ addressId: string }>(await call("POST", "/v1/me/addresses", { token, body: address }));
  if (res.status !== 201) throw new Error(`address: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...user, token, addressId: res.body.addressId };
}

/** A product on shelf with one SKU of `stock` units at `price` yuan (and weight); returns the SKU id. */
export async function skuOnSale(
  seller?: Seller,
  options: { stock?: number; price?: number; weightGrams?: number } = {},
): Promise<{ seller: Seller; skuId: string; productId: string }> {
  const owner = seller ?? (await newSeller());
  const { body, status } = await postProduct(
    owner,
    tshirt({
      skus: [
        {
          skuName: "黑色 L",
          price: options.price ?? 79.0,
          stock: options.stock ?? 10,
          weightGrams: options.weightGrams ?? 300,
          salesAttributes: [
            { attributeId: 201, value: "黑色" },
            { attributeId: 202, value: "L" },
          ],
        },
      ],
    }),
  );
  if (status !== 201) throw new Error(`product: ${status} ${JSON.stringify(body)}`);
  await putOnShelf(owner, body.productId);
  return { seller: owner, skuId: body.skuIds[0] as string, productId: body.productId };
}

export interface QuoteAnswer {
  quoteToken: string;
  quoteId: string;
  orders: {
    sellerId: string;
    kind: string;
    items: { skuId: string; quantity: number; unitPrice: { amount: number }; discount: { amount: number } }[];
    subtotal: { amount: number };
    shippingFee: { amount: number };
    discount: { amount: number };
    total: { amount: number };
  }[];
  payable: { amount: number; currency: string };
  expiresAt: string;
}

export async function quote(shopper: Shopper, items: { skuId: string; quantity: number }[], extra: object = {}) {
  return json<QuoteAnswer>(
    await call("POST", "/v1/checkout/quote", {
      token: shopper.token,
      body: { items, addressId: shopper.addressId, ...extra },
    }),
  );
}

export interface CreatedOrders {
  payOrderId: string;
  orders: { orderId: string; sellerId: string; status: string; total: { amount: number } }[];
  payable: { amount: number };
  payBy: string;
}

export async function placeOrder(shopper: Shopper, body: object, headers: Record<string, string> = {}) {
  return json<CreatedOrders & { code?: string }>(
    await call("POST", "/v1/orders", { token: shopper.token, body, headers }),
  );
}

export async function stockOf(seller: Seller, skuId: string) {
  return json<{ available: number; reserved: number; sold: number; warehouses: { warehouseId: string }[] }>(
    await call("GET", `/admin/v1/skus/${skuId}/stock`, { token: seller.token }),
  );
}

/** The order shards with each binding passed through `wrap` (e.g. test/helpers/faulty-d1.ts), routed by a fresh slot table. */
export function ordersThrough(wrap: (shard: D1Database) => D1Database, clock: { now(): number } = Date): OrderStore {
  return new OrderStore({
    commerce: dbOf(env.DB),
    shards: orderShardBindings(env).map(wrap),
    now: () => clock.now(),
    cache: new SlotTableCache(),
  });
}

/** Order-creation deps over the test env, with the velocity limits out of the way unless `vars` set them. */
export function orderDepsFor(
  clock: ManualClock,
  options: { vars?: Record<string, string>; hooks?: SagaHooks } = {},
): OrderDeps & { clock: ManualClock } {
  return {
    db: dbOf(env.DB),
    orders: orderStoreOf(env, clock),
    clock,
    producers: env,
    inventory: inventoryOf(env),
    orderNumbers: env.ORDER_NUMBERS,
    rateLimiter: env.RATE_LIMITER,
    settings: orderSettingsSchema.parse({
      ORDER_USER_LIMIT_PER_MINUTE: "100000",
      ORDER_IP_LIMIT_PER_MINUTE: "100000",
      ...options.vars,
    }),
    tokenKey: { secret: env.JWT_SECRET, issuer: "edge-commerce" },
    log: createLogger({ test: "orders" }),
    ...(options.hooks ? { hooks: options.hooks } : {}),
  };
}
