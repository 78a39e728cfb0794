/**
 * The coin settings come from Worker vars: COINS_MAX_PERCENT caps what coins pay of a quote and
 * an order, COINS_EARN_PER_MAJOR sets what a completed order earns, in the storefront (quote,
 * order, confirm receipt) and in the events Worker (auto-complete). Requests go straight into
 * the storefront app with the test env's vars replaced.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/platform/clock";
import { runHousekeeping } from "../../workers/events/worker";
import { buildStorefrontApp } from "../../workers/storefront/app";
import { awaitingShipment, carrierReports, settleCarrier, ship, trackingNumber } from "../helpers/fulfillment";
import { callApp, json } from "../helpers/http";
import { newShopper, skuOnSale } from "../helpers/orders";
import { coinsOf, grantCoins } from "../helpers/promotions";
import { calm } from "../helpers/sandbox";

const DAY = 24 * 3600 * 1000;
const app = buildStorefrontApp();
const withVars = (vars: Record<string, string>) => ({ ...env, ...vars }) as Cloudflare.Env;

afterEach(async () => {
  await calm();
  await settleCarrier();
});

/** A delivered order of one ¥123.45 unit, awaiting the shopper's confirmation. */
async function deliveredOrder() {
  const order = await awaitingShipment({ price: 123.45 });
  const tn = trackingNumber();
  const shipped = await ship(order.seller.token, order.orderId, { carrier: "sf-express", trackingNumber: tn });
  expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
  await carrierReports("sf-express", tn, "delivered");
  await settleCarrier();
  return order;
}

describe("COINS_MAX_PERCENT", () => {
  it("caps the coins of a quote and of the order it makes at the configured percent, not the default 50", async () => {
    const shopper = await newShopper();
    const { skuId } = await skuOnSale(undefined, { price: 100, stock: 20 });
    await grantCoins(shopper.id, 100_000);
    const body = { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId, coins: 100_000 };
    const post = async (vars: Record<string, string>, path: string, payload: object) =>
      json<{ coinsUsed: number; quoteToken: string; payable: { amount: number }; code?: string }>(
        await callApp(app, "POST", path, { token: shopper.token, body: payload, env: withVars(vars) }),
      );

    const byDefault = await post({}, "/v1/checkout/quote", body);
    expect(byDefault.status, JSON.stringify(byDefault.body)).toBe(200);
    expect(byDefault.body.coinsUsed).toBe(5000);

    const at20 = await post({ COINS_MAX_PERCENT: "20" }, "/v1/checkout/quote", body);
    expect(at20.status, JSON.stringify(at20.body)).toBe(200);
    expect(at20.body.coinsUsed).toBe(2000);

    // The order re-prices under the same cap, so the quote's payable still holds.
    const placed = await post({ COINS_MAX_PERCENT: "20" }, "/v1/orders", { quoteToken: at20.body.quoteToken });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body.payable).toEqual(at20.body.payable);
    expect(await coinsOf(shopper.token)).toBe(98_000);

    // An order with no quote under a 0 % cap spends no coins at all (its quote says so too).
    const zero = await post({ COINS_MAX_PERCENT: "0" }, "/v1/checkout/quote", { ...body, coins: 1000 });
    expect(zero.body.coinsUsed).toBe(0);
    const none = await post({ COINS_MAX_PERCENT: "0" }, "/v1/orders", { ...body, coins: 1000 });
    expect(none.status, JSON.stringify(none.body)).toBe(201);
    expect(await coinsOf(shopper.token)).toBe(98_000);
  });
});

describe("COINS_EARN_PER_MAJOR", () => {
  it("earns the configured coins per whole yuan when the shopper confirms receipt", async () => {
    const order = await deliveredOrder();
    const confirmed = await callApp(app, "POST", `/v1/orders/${order.orderId}/confirm-receipt`, {
      token: order.shopper.token,
      env: withVars({ COINS_EARN_PER_MAJOR: "3" }),
    });
    expect(confirmed.status, await confirmed.clone().text()).toBe(200);
    expect(await coinsOf(order.shopper.token)).toBe(3 * Math.floor(order.payable / 100));
  });

  it("earns the configured coins when the events Worker's cron completes a delivered order", async () => {
    const order = await deliveredOrder();
    const result = await runHousekeeping(
      withVars({ COINS_EARN_PER_MAJOR: "2" }) as never,
      new ManualClock(Date.now() + 7 * DAY + 60_000),
    );
    expect(result.failed).toEqual([]);
    expect(result.ordersAutoCompleted).toBeGreaterThanOrEqual(1);
    expect(await coinsOf(order.shopper.token)).toBe(2 * Math.floor(order.payable / 100));
  });
});
