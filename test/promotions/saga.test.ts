/**
 * Vouchers and coins in the order-creation saga: a failure at any later step gives them back (the
 * hold's compensation), and a runner that died anywhere after holding them is undone by the
 * sweeper; once the orders are written they stay held.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createOrder, ORDER_STEP_NAMES } from "../../shared/orders/create-order";
import { type SagaHooks, SimulatedCrash } from "../../shared/orders/saga";
import { SAGA_LEASE_MS } from "../../shared/orders/settings";
import { sweepStaleSagas } from "../../shared/orders/sweeper";
import { ManualClock } from "../../shared/platform/clock";
import { AppError } from "../../shared/platform/errors";
import { coinBalance } from "../../shared/promotions/coins";
import { newShopper, orderDepsFor, skuOnSale } from "../helpers/orders";
import { grantCoins, newVoucher } from "../helpers/promotions";

const failAt = (step: string): SagaHooks => ({
  beforeStep: (name) => {
    if (name === step) throw new AppError("unavailable", { detail: `injected failure at ${step}` });
  },
});
const crashAt = (step: string): SagaHooks => ({
  beforeStep: (name) => {
    if (name === step) throw new SimulatedCrash(step);
  },
});

const AFTER_HOLD = ORDER_STEP_NAMES.slice(
  ORDER_STEP_NAMES.indexOf("hold_promotions") + 1,
  ORDER_STEP_NAMES.indexOf("write_orders") + 1,
);
const CRASHES = ORDER_STEP_NAMES.slice(ORDER_STEP_NAMES.indexOf("hold_promotions") + 1);

async function setup() {
  const { skuId } = await skuOnSale(undefined, { stock: 10, price: 100 });
  const shopper = await newShopper();
  await grantCoins(shopper.id, 2000);
  const v = await newVoucher({ totalCount: 3 });
  const input = {
    userId: shopper.id,
    ip: "10.9.9.8",
    body: { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId, voucherCode: v.code, coins: 2000 },
  };
  return { shopper, v, input };
}

async function held(voucherId: string, userId: string) {
  const row = await env.DB.prepare("select taken from vouchers where id = ?")
    .bind(voucherId)
    .first<{ taken: number }>();
  const deps = orderDepsFor(new ManualClock(Date.now()));
  return { taken: row?.taken, coins: await coinBalance(deps.db, userId) };
}

describe("vouchers and coins in the order saga", () => {
  it("holds both, once, when the order is created", async () => {
    const { shopper, v, input } = await setup();
    await createOrder(orderDepsFor(new ManualClock(Date.now())), input);
    expect(await held(v.voucherId, shopper.id)).toEqual({ taken: 1, coins: 0 });
  });

  for (const step of AFTER_HOLD) {
    it(`gives them back when ${step} fails`, async () => {
      const { shopper, v, input } = await setup();
      await expect(
        createOrder(orderDepsFor(new ManualClock(Date.now()), { hooks: failAt(step) }), input),
      ).rejects.toMatchObject({
        code: "unavailable",
      });
      expect(await held(v.voucherId, shopper.id)).toEqual({ taken: 0, coins: 2000 });
    });
  }

  for (const step of CRASHES) {
    it(`leaves the sweeper to give them back when the runner dies at ${step}`, async () => {
      const { shopper, v, input } = await setup();
      const deps = orderDepsFor(new ManualClock(Date.now()), { hooks: crashAt(step) });
      await expect(createOrder(deps, input)).rejects.toBeInstanceOf(SimulatedCrash);
      expect(await held(v.voucherId, shopper.id)).toEqual({ taken: 1, coins: 0 });
      deps.clock.advance(SAGA_LEASE_MS + 1);
      await sweepStaleSagas(deps);
      await sweepStaleSagas(deps);
      // Died after the orders were written: they keep their voucher and coins.
      expect(await held(v.voucherId, shopper.id)).toEqual(
        step === "publish_events" ? { taken: 1, coins: 0 } : { taken: 0, coins: 2000 },
      );
    });
  }
});
