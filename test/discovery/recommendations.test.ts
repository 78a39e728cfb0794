import { describe, expect, it } from "vitest";
import { awaitingShipment } from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { newShopper, placeOrder, skuOnSale } from "../helpers/orders";
import { eventually, pay, settle } from "../helpers/payments";
import { act } from "../helpers/sandbox";

const recommendations = (productId: string, kind: string) =>
  call("GET", `/v1/products/${productId}/recommendations?kind=${kind}`).then(
    json<{ items: { productId: string; reason: string }[] }>,
  );

describe("recommendations", () => {
  it("reflects paid orders in bought_together, and fills the rest with best sellers", async () => {
    const anchor = await awaitingShipment();
    const partner = await skuOnSale(anchor.seller);
    const shopper = await newShopper();
    const anchorProduct = (
      await json<{ items: { productId: string }[] }>(
        await call("GET", `/v1/orders/${anchor.orderId}`, { token: anchor.shopper.token }),
      )
    ).body.items[0]?.productId as string;
    const placed = await placeOrder(shopper, {
      items: [
        { skuId: anchor.skuId, quantity: 1 },
        { skuId: partner.skuId, quantity: 1 },
      ],
      addressId: shopper.addressId,
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const before = await recommendations(anchorProduct, "bought_together");
    expect(before.body.items.some((i) => i.productId === partner.productId && i.reason === "bought_together")).toBe(
      false,
    );
    const started = await pay(shopper, placed.body.payOrderId);
    await act(started.body.paymentId, "succeed");
    await settle();
    const after = await eventually(
      () => recommendations(anchorProduct, "bought_together"),
      (r) => r.body.items[0]?.productId === partner.productId,
      "bought together",
    );
    expect(after.body.items[0]).toMatchObject({ productId: partner.productId, reason: "bought_together" });
    expect(after.body.items.slice(1).every((i) => i.reason === "best_seller")).toBe(true);
    const guest = await recommendations(anchorProduct, "for_you");
    expect(guest.body.items.every((i) => i.reason === "best_seller")).toBe(true);
  });
});
