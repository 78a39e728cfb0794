// Issue #11 defect 9: the events cron drained the outbox first, and one row whose body no longer
// parsed threw on every run, skipping the saga sweeper and unpaid-order expiry behind it.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { makeEvent } from "../../shared/events/messages";
import { OUTBOX_GRACE_MS } from "../../shared/events/outbox";
import { inventoryOf } from "../../shared/inventory/binding";
import { createOrder } from "../../shared/orders/create-order";
import { SimulatedCrash } from "../../shared/orders/saga";
import { SAGA_LEASE_MS } from "../../shared/orders/settings";
import { ManualClock } from "../../shared/platform/clock";
import { newId } from "../../shared/platform/ids";
import { HOUSEKEEPING_JOBS, runHousekeeping, scheduled } from "../../workers/events/worker";
import { newShopper, orderDepsFor, skuOnSale } from "../helpers/orders";

/** A checkout whose runner died after holding stock: a stale saga for the sweeper. */
async function abandonedCheckout(clock: ManualClock) {
  const { skuId } = await skuOnSale(undefined, { stock: 10 });
  const shopper = await newShopper();
  clock.set(Date.now());
  const deps = orderDepsFor(clock, {
    hooks: {
      beforeStep: (name) => {
        if (name === "allocate_numbers") throw new SimulatedCrash(name);
      },
    },
  });
  await expect(
    createOrder(deps, {
      userId: shopper.id,
      ip: "10.7.7.7",
      body: { items: [{ skuId, quantity: 4 }], addressId: shopper.addressId },
    }),
  ).rejects.toBeInstanceOf(SimulatedCrash);
  expect(await inventoryOf(env).getByName(skuId).view()).toMatchObject({ available: 6, reserved: 4 });
  return skuId;
}

async function plantOutboxRow(id: string, queue: string, body: string, createdAt: number) {
  await env.DB.prepare("insert into outbox (id, queue, body, deliver_at, created_at) values (?, ?, ?, null, ?)")
    .bind(id, queue, body, createdAt)
    .run();
}

/** The env with the payment-events producer replaced by one that records what it is sent. */
function capturingPaymentEvents() {
  const sent: unknown[] = [];
  const queue = {
    send: async (body: unknown) => {
      sent.push(body);
    },
    sendBatch: async (messages: { body: unknown }[]) => {
      sent.push(...messages.map((m) => m.body));
    },
  } as unknown as Queue;
  return { sent, env: { ...env, PAYMENT_EVENTS: queue } };
}

const outboxHas = async (id: string) =>
  ((await env.DB.prepare("select count(*) as n from outbox where id = ?").bind(id).first<{ n: number }>())?.n ?? 0) > 0;

describe("events cron housekeeping", () => {
  it("dead-letters an outbox row whose body no longer parses, still sends the rows behind it and sweeps", async () => {
    const clock = new ManualClock(Date.now());
    const skuId = await abandonedCheckout(clock);
    const old = clock.now() - 1;
    // Oldest first: the corrupt rows sort ahead of the good one.
    const notJson = newId("event");
    const wrongShape = newId("event");
    await plantOutboxRow(notJson, "order-events", '{"id":"evt_1","type":"order.created",', old - 2);
    await plantOutboxRow(
      wrongShape,
      "order-events",
      JSON.stringify({ id: wrongShape, type: "order.created", occurredAt: old, data: { payOrderId: 7 } }),
      old - 1,
    );
    const good = makeEvent("platform.canary", { canaryId: newId("request"), queue: "payment-events" }, old);
    await plantOutboxRow(good.id, "payment-events", JSON.stringify(good), old);

    clock.advance(Math.max(SAGA_LEASE_MS, OUTBOX_GRACE_MS) + 1);
    const capture = capturingPaymentEvents();
    const result = await runHousekeeping(capture.env, clock);

    expect(result.failed).toEqual([]);
    expect(capture.sent).toEqual([good]);
    expect(result.outboxSent).toBeGreaterThanOrEqual(3);
    for (const id of [notJson, wrongShape, good.id]) expect(await outboxHas(id), id).toBe(false);
    const dead = await env.DB.prepare(
      "select message_id, queue, reason, status from dead_letters where message_id in (?, ?) order by message_id",
    )
      .bind(notJson, wrongShape)
      .all<{ message_id: string; queue: string; reason: string; status: string }>();
    expect(dead.results.map((r) => r.message_id).sort()).toEqual([notJson, wrongShape].sort());
    for (const row of dead.results) {
      expect(row).toMatchObject({ queue: "order-events", status: "dead" });
      expect(row.reason).toMatch(/^unsendable_outbox_row: /);
    }
    expect(dead.results.find((r) => r.message_id === notJson)?.reason).toContain("not JSON");
    expect(dead.results.find((r) => r.message_id === wrongShape)?.reason).toContain("payOrderId");
    // The sweeper ran after the outbox: the abandoned checkout's hold is released.
    expect(result.sagasCompensated).toBeGreaterThanOrEqual(1);
    expect(await inventoryOf(env).getByName(skuId).view()).toMatchObject({ available: 10, reserved: 0 });
  });

  it("runs every job even when one throws, names the failed one, and the cron invocation fails", async () => {
    const clock = new ManualClock(Date.now());
    const skuId = await abandonedCheckout(clock);
    clock.advance(SAGA_LEASE_MS + 1);
    const ran: string[] = [];
    const jobs = Object.fromEntries(
      Object.entries(HOUSEKEEPING_JOBS).map(([name, job]) => [
        name,
        async (deps: Parameters<typeof job>[0]) => {
          ran.push(name);
          if (name === "outboxSent") throw new Error("injected: the outbox query failed");
          return job(deps);
        },
      ]),
    ) as typeof HOUSEKEEPING_JOBS;
    const result = await runHousekeeping(env, clock, jobs);
    expect(ran).toEqual(Object.keys(HOUSEKEEPING_JOBS));
    expect(result.failed).toEqual(["outboxSent"]);
    expect(result.outboxSent).toBe(0);
    expect(result.sagasCompensated).toBeGreaterThanOrEqual(1);
    expect(await inventoryOf(env).getByName(skuId).view()).toMatchObject({ available: 10, reserved: 0 });
  });

  it("fails the scheduled invocation when a job failed, after running the rest", async () => {
    const clock = new ManualClock(Date.now());
    const failing = {
      ...HOUSEKEEPING_JOBS,
      idempotencyKeysPurged: async () => {
        throw new Error("injected: D1 unavailable");
      },
    };
    await expect(scheduled(env, clock, failing)).rejects.toThrow("housekeeping jobs failed: idempotencyKeysPurged");
    await expect(scheduled(env, clock)).resolves.toMatchObject({ failed: [] });
  });
});
