import { describe, expect, it } from "vitest";
import { HELD_UNITS_DEFAULT } from "../../shared/orders/settings";
import { call, json } from "../helpers/http";
import { newShopper, placeOrder, skuOnSale } from "../helpers/orders";

// Regression (issue #11, defect 12): nothing capped how much stock one shopper could hold in
// unpaid orders, so one account could take a SKU's whole stock off sale for the payment window.
// The test Worker keeps the default cap (ORDER_HELD_UNITS_LIMIT unset).
describe("held units per shopper", () => {
  it("refuses an order past the cap with 409 hold_limit_reached naming it, holding nothing; a cancel frees the allowance", async () => {
    expect(HELD_UNITS_DEFAULT).toBe(500);
    const { skuId, seller } = await skuOnSale(undefined, { stock: 2000, price: 1 });
    const shopper = await newShopper();
    const order = (quantity: number) =>
      placeOrder(shopper, { items: [{ skuId, quantity }], addressId: shopper.addressId });
    const first = await order(300);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const refused = await order(201);
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body).toMatchObject({ code: "hold_limit_reached", limit: 500, held: 300 });
    const stock = await json<{ reserved: number }>(
      await call("GET", `/admin/v1/skus/${skuId}/stock`, { token: seller.token }),
    );
    expect(stock.body.reserved).toBe(300);
    // Exactly up to the cap is fine.
    const second = await order(200);
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect((await order(1)).status).toBe(409);
    // Another shopper has an allowance of its own.
    const other = await newShopper();
    const theirs = await placeOrder(other, { items: [{ skuId, quantity: 5 }], addressId: other.addressId });
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);
    // A cancelled order's units no longer count.
    const cancelled = await call("POST", `/v1/orders/${first.body.orders[0]?.orderId}/cancel`, {
      token: shopper.token,
      body: {},
    });
    expect(cancelled.status).toBe(200);
    const after = await order(300);
    expect(after.status, JSON.stringify(after.body)).toBe(201);
  });
});
