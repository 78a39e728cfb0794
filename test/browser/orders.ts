/**
 * Orders for the browser tests, made through the platform's own HTTP API as `npm run dev` serves
 * it: shopper1 orders one unit of one of a seller's on-shelf garments (physical goods, so there is
 * something to ship) and pays it through the sandbox provider, as README's walkthrough does.
 */
import assert from "node:assert/strict";
import { ORIGIN } from "./harness";

const SHOPPER = { username: "shopper1", password: "shopper-dev-password" };
/** shopper1's demo address (the seed's). */
const ADDRESS_ID = "adr_00000000000000000000000001";
/** Categories 1003xxx (men's T-shirts, trainers): physical goods, so the order has a parcel. */
const APPAREL = 1003;
const PAID_WITHIN_MS = 60_000;

async function call<T>(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    headers["idempotency-key"] = crypto.randomUUID();
  }
  const res = await fetch(new URL(path, ORIGIN), {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text.slice(0, 400)}`);
  return (text ? JSON.parse(text) : null) as T;
}

export async function tokenOf(user: { username: string; password: string }): Promise<string> {
  const { accessToken } = await call<{ accessToken: string }>("POST", "/v1/auth/login", { body: user });
  return accessToken;
}

/** An in-stock SKU of one of `seller`'s on-shelf garments. */
export async function garmentSkuOf(seller: { username: string; password: string }): Promise<string> {
  const token = await tokenOf(seller);
  const { items } = await call<{ items: { productId: string; categoryId: number }[] }>(
    "GET",
    "/admin/v1/products?status=ON_SHELF&limit=100",
    { token },
  );
  for (const product of items.filter((p) => Math.floor(p.categoryId / 1000) === APPAREL)) {
    const detail = await call<{ skus: { skuId: string; available: number }[] }>(
      "GET",
      `/v1/products/${product.productId}`,
    );
    const sku = detail.skus.find((s) => s.available > 0);
    if (sku) return sku.skuId;
  }
  throw new Error(`${seller.username} has no garment in stock on shelf`);
}

export interface PaidOrder {
  orderId: string;
  shopperToken: string;
  orderItemId: string;
}

/** shopper1's PAID order of one unit of one of `seller`'s garments. */
export async function paidOrderOf(seller: { username: string; password: string }): Promise<PaidOrder> {
  const skuId = await garmentSkuOf(seller);
  const shopperToken = await tokenOf(SHOPPER);
  const placed = await call<{ payOrderId: string; orders: { orderId: string }[] }>("POST", "/v1/orders", {
    token: shopperToken,
    body: { items: [{ skuId, quantity: 1 }], addressId: ADDRESS_ID },
  });
  const orderId = placed.orders[0]?.orderId ?? "";
  const payment = await call<{ redirectUrl: string }>("POST", `/v1/pay-orders/${placed.payOrderId}/pay`, {
    token: shopperToken,
    body: { method: "sandbox" },
  });
  // The sandbox's hosted page's Pay button, without the page.
  const succeeded = await fetch(`${payment.redirectUrl}/succeed`, { method: "POST" });
  assert.ok(succeeded.ok, `sandbox succeed: ${succeeded.status}`);
  const deadline = Date.now() + PAID_WITHIN_MS;
  for (;;) {
    const order = await call<{ status: string; items: { orderItemId: string }[] }>("GET", `/v1/orders/${orderId}`, {
      token: shopperToken,
    });
    if (order.status === "PAID") return { orderId, shopperToken, orderItemId: order.items[0]?.orderItemId ?? "" };
    assert.ok(Date.now() < deadline, `order ${orderId} still ${order.status} after ${PAID_WITHIN_MS} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** shopper1 asks for `order`'s one unit back; answers the refund's id. */
export async function refundRequested(order: PaidOrder, reason: string): Promise<string> {
  const refund = await call<{ refundId: string }>("POST", `/v1/orders/${order.orderId}/refunds`, {
    token: order.shopperToken,
    body: { items: [{ orderItemId: order.orderItemId, quantity: 1 }], reason, returnGoods: false },
  });
  return refund.refundId;
}
