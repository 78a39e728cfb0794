import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { drainOutbox, OUTBOX_GRACE_MS } from "../../shared/events/outbox";
import { inventoryOf } from "../../shared/inventory/binding";
import { createOrder, ORDER_STEP_NAMES } from "../../shared/orders/create-order";
import { type SagaHooks, SimulatedCrash } from "../../shared/orders/saga";
import { SAGA_LEASE_MS } from "../../shared/orders/settings";
import { sweepStaleSagas } from "../../shared/orders/sweeper";
import { ManualClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { AppError } from "../../shared/platform/errors";
import { countOnShards, orderD1, shopperD1 } from "../helpers/order-d1";
import { newShopper, orderDepsFor, type Shopper, skuOnSale } from "../helpers/orders";

function depsWith(hooks: SagaHooks, clock = new ManualClock(Date.now())) {
  return orderDepsFor(clock, { hooks });
}

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

async function facts(skuId: string, shopper: Shopper) {
  const view = await inventoryOf(env).getByName(skuId).view();
  const orders = await countOnShards("select count(*) as n from order_items where sku_id = ?", skuId);
  const sagas = await (await shopperD1(shopper.id))
    .prepare("select status, error from order_sagas where user_id = ?")
    .bind(shopper.id)
    .all<{ status: string; error: string | null }>();
  return { available: view.available, reserved: view.reserved, orders, sagas: sagas.results };
}

async function setup() {
  const { skuId } = await skuOnSale(undefined, { stock: 10 });
  const shopper = await newShopper();
  const input = {
    userId: shopper.id,
    ip: "10.9.9.9",
    body: { items: [{ skuId, quantity: 3 }], addressId: shopper.addressId },
  };
  return { skuId, shopper, input };
}

const BEFORE_BEGIN = ORDER_STEP_NAMES.slice(0, ORDER_STEP_NAMES.indexOf("begin_saga") + 1);
const PIVOT = "write_orders";
const BEFORE_PIVOT = ORDER_STEP_NAMES.slice(0, ORDER_STEP_NAMES.indexOf(PIVOT) + 1);

describe("the order-creation saga", () => {
  it("has the steps of SPEC §4.5 in order", () => {
    expect(ORDER_STEP_NAMES).toEqual([
      "begin_saga",
      "flash_price",
      "price_checkout",
      "validate_price",
      "anti_fraud",
      "hold_promotions",
      "reserve_stock",
      "allocate_numbers",
      "redeem_admission",
      "snapshot_lines",
      "write_orders",
      "publish_events",
    ]);
  });

  for (const step of BEFORE_PIVOT) {
    it(`undoes every earlier step when ${step} fails`, async () => {
      const { skuId, shopper, input } = await setup();
      await expect(createOrder(depsWith(failAt(step)), input)).rejects.toMatchObject({ code: "unavailable" });
      const after = await facts(skuId, shopper);
      expect(after).toMatchObject({ available: 10, reserved: 0, orders: 0 });
      // The saga row exists once `begin_saga` ran, and then records the undo and the reason.
      if (BEFORE_BEGIN.includes(step)) expect(after.sagas).toEqual([]);
      else expect(after.sagas).toEqual([{ status: "compensated", error: "unavailable" }]);
    });
  }

  it("keeps the order when publishing fails after the write; the outbox sends the events later", async () => {
    const { skuId, shopper, input } = await setup();
    const deps = depsWith(failAt("publish_events"));
    const result = await createOrder(deps, input);
    expect(result.orders).toHaveLength(1);
    expect(await facts(skuId, shopper)).toMatchObject({ available: 7, reserved: 3, orders: 1 });
    // The events wait in the outbox of the order's shard, whose drain sends them.
    const shard = await orderD1(result.payOrderId);
    const waiting = () =>
      shard
        .prepare("select count(*) as n from outbox where body like ?")
        .bind(`%${result.payOrderId}%`)
        .first<{ n: number }>();
    expect((await waiting())?.n).toBe(2);
    deps.clock.advance(OUTBOX_GRACE_MS + 1);
    expect(await drainOutbox(dbOf(shard), env, deps.clock.now(), { deadLetters: deps.db })).toBeGreaterThanOrEqual(2);
    expect((await waiting())?.n).toBe(0);
  });

  for (const step of ORDER_STEP_NAMES) {
    it(`finishes or undoes a checkout whose runner died at ${step}`, async () => {
      const { skuId, shopper, input } = await setup();
      const deps = depsWith(crashAt(step));
      await expect(createOrder(deps, input)).rejects.toBeInstanceOf(SimulatedCrash);
      // The sweeper leaves a saga alone while its lease runs, then takes it over.
      expect((await sweepStaleSagas(deps)).compensated).toBe(0);
      deps.clock.advance(SAGA_LEASE_MS + 1);
      await sweepStaleSagas(deps);
      const after = await facts(skuId, shopper);
      if (step === "publish_events") {
        // Died after the write: the order stands, holding its stock; the cron sends its events.
        expect(after).toMatchObject({ available: 7, reserved: 3, orders: 1, sagas: [{ status: "completed" }] });
      } else {
        expect(after).toMatchObject({ available: 10, reserved: 0, orders: 0 });
        if (BEFORE_BEGIN.includes(step)) expect(after.sagas).toEqual([]);
        else expect(after.sagas).toMatchObject([{ status: "compensated" }]);
      }
      // A second sweep changes nothing.
      expect((await sweepStaleSagas(deps)).compensated).toBe(0);
    });
  }

  it("lets the sweeper win against a runner that stalls past its lease: the late write rolls back", async () => {
    const { skuId, shopper, input } = await setup();
    const clock = new ManualClock(Date.now());
    const deps = depsWith(
      {
        beforeStep: async (name) => {
          if (name !== "write_orders") return;
          clock.advance(SAGA_LEASE_MS + 1);
          expect((await sweepStaleSagas(orderDepsFor(clock))).compensated).toBe(1);
        },
      },
      clock,
    );
    await expect(createOrder(deps, input)).rejects.toMatchObject({ code: "checkout_timed_out", retryable: true });
    expect(await facts(skuId, shopper)).toMatchObject({
      available: 10,
      reserved: 0,
      orders: 0,
      sagas: [{ status: "compensated" }],
    });
  });
});
