/** Coins earned on completed orders: COINS_EARN_PER_MAJOR per whole currency unit paid, once per order. */
import { afterEach, describe, expect, it } from "vitest";
import { awaitingShipment, carrierReports, settleCarrier, ship, trackingNumber } from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { coinsOf } from "../helpers/promotions";
import { calm } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settleCarrier();
});

describe("coins earned", () => {
  it("credits 1 coin per yuan paid when the order completes, once under racing confirmations", async () => {
    const order = await awaitingShipment({ price: 123.45 });
    const tn = trackingNumber();
    const shipped = await ship(order.seller.token, order.orderId, { carrier: "sf-express", trackingNumber: tn });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    await carrierReports("sf-express", tn, "delivered");
    await settleCarrier();
    expect(await coinsOf(order.shopper.token)).toBe(0);
    const answers = await Promise.all(
      Array.from({ length: 5 }, async () =>
        json<{ status: string }>(
          await call("POST", `/v1/orders/${order.orderId}/confirm-receipt`, { token: order.shopper.token }),
        ),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    // Paid ¥123.45 plus shipping: the whole yuan of the total.
    expect(await coinsOf(order.shopper.token)).toBe(Math.floor(order.payable / 100));
    const history = await json<{ items: { amount: number; reason: string; orderId?: string }[] }>(
      await call("GET", "/v1/me/coins", { token: order.shopper.token }),
    );
    expect(history.body.items).toEqual([
      expect.objectContaining({
        amount: Math.floor(order.payable / 100),
        reason: "order completed",
        orderId: order.orderId,
      }),
    ]);
  });
});
