/**
 * A virtual order (a top-up) has nothing to send back: a refund of it with `returnGoods: true`
 * is a 400 validation_failed naming the field, and holds nothing; without goods it is accepted.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RefundView } from "../../shared/refunds/refunds-read";
import { newSeller, postProduct, putOnShelf, SEED_DATA_PACK } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { countOnShards } from "../helpers/order-d1";
import { newShopper, placeOrder } from "../helpers/orders";
import { pay, settle } from "../helpers/payments";
import { orderRefundState } from "../helpers/refunds";
import { act, calm } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

describe("refunding a virtual order", () => {
  it("refuses returnGoods: true naming the field, and accepts the same request without goods", async () => {
    const seller = await newSeller();
    const product = await postProduct(seller, SEED_DATA_PACK);
    expect(product.status, JSON.stringify(product.body)).toBe(201);
    await putOnShelf(seller, product.body.productId);
    const shopper = await newShopper();
    const phone = `+86139${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}5555`;
    const quoted = await call("POST", "/v1/checkout/quote", {
      token: shopper.token,
      body: { items: [{ skuId: product.body.skuIds[0], quantity: 1, rechargeTarget: phone }] },
    }).then(json<{ quoteToken: string }>);
    expect(quoted.status, JSON.stringify(quoted.body)).toBe(200);
    const placed = await placeOrder(shopper, { quoteToken: quoted.body.quoteToken });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const orderId = placed.body.orders[0]?.orderId ?? "";
    const started = await pay(shopper, placed.body.payOrderId);
    await act(started.body.paymentId, "succeed");
    await settle();
    const { items } = await orderRefundState(orderId);
    const ask = (returnGoods: boolean) =>
      call("POST", `/v1/orders/${orderId}/refunds`, {
        token: shopper.token,
        body: { items: [{ orderItemId: items[0]?.id, quantity: 1 }], reason: "充错了", returnGoods },
        headers: { "idempotency-key": crypto.randomUUID() },
      }).then(json<RefundView & { code?: string; errors?: { field: string; reason: string }[] }>);

    const refused = await ask(true);
    expect(refused.status, JSON.stringify(refused.body)).toBe(400);
    expect(refused.body).toMatchObject({ code: "validation_failed" });
    expect(refused.body.errors?.[0]?.field).toBe("returnGoods");
    expect((await orderRefundState(orderId)).items[0]).toMatchObject({ heldQuantity: 0 });
    expect(await countOnShards("select count(*) as n from refunds where order_id = ?", orderId)).toBe(0);

    const accepted = await ask(false);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
    expect(accepted.body).toMatchObject({ status: "REQUESTED", returnGoods: false });
  });
});
