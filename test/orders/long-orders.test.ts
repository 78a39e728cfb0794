import { describe, expect, it } from "vitest";
import { MAX_CHECKOUT_LINES } from "../../shared/checkout/pricing";
import { call, json } from "../helpers/http";
import { skusOnSale } from "../helpers/many-skus";
import { countOnShards } from "../helpers/order-d1";
import { newShopper, placeOrder, quote } from "../helpers/orders";

// Regression (issue #11, defect 5): an order's items were one multi-row insert of 12 values a
// row, past D1's 100 bound parameters from 9 lines on, so a 9-line order answered 500.
describe("orders with many lines", () => {
  it(`places a ${MAX_CHECKOUT_LINES}-line single-seller order through HTTP and reads it back whole`, async () => {
    const { skuIds } = await skusOnSale(MAX_CHECKOUT_LINES, { price: 1, stock: 5 });
    const shopper = await newShopper();
    const items = skuIds.map((skuId) => ({ skuId, quantity: 1 }));
    // The shopper had these in the cart: ordering takes them out again (an IN list of 50 SKUs).
    for (const skuId of skuIds.slice(0, 30))
      await call("PUT", `/v1/cart/items/${skuId}`, { token: shopper.token, body: { quantity: 1 } });
    const q = await quote(shopper, items);
    expect(q.status, JSON.stringify(q.body)).toBe(200);
    expect(q.body.orders).toHaveLength(1);
    const placed = await placeOrder(shopper, { quoteToken: q.body.quoteToken });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const orderId = placed.body.orders[0]?.orderId ?? "";
    const order = await json<{ items: { skuId: string; quantity: number }[] }>(
      await call("GET", `/v1/orders/${orderId}`, { token: shopper.token }),
    );
    expect(order.status, JSON.stringify(order.body)).toBe(200);
    expect(order.body.items.map((i) => i.skuId).sort()).toEqual([...skuIds].sort());
    expect(await countOnShards("select count(*) as n from order_items where order_id = ?", orderId)).toBe(
      MAX_CHECKOUT_LINES,
    );
    const cart = await json<{ items: unknown[] }>(await call("GET", "/v1/cart", { token: shopper.token }));
    expect(cart.body.items).toEqual([]);
  });

  it("lists a shopper's orders when they hold many items between them", async () => {
    const { skuIds } = await skusOnSale(40, { price: 1, stock: 5 });
    const shopper = await newShopper();
    for (const part of [skuIds.slice(0, 20), skuIds.slice(20)]) {
      const placed = await placeOrder(shopper, {
        items: part.map((skuId) => ({ skuId, quantity: 1 })),
        addressId: shopper.addressId,
      });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    }
    const list = await json<{ items: { items: unknown[] }[] }>(
      await call("GET", "/v1/orders", { token: shopper.token }),
    );
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.items.flatMap((o) => o.items)).toHaveLength(40);
  });
});
