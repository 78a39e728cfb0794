import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { submitBulkJob } from "../../shared/catalog/bulk-jobs";
import { sendChange } from "../../shared/catalog/product-events";
import { makeEvent } from "../../shared/events/messages";
import { outboxRow } from "../../shared/events/outbox";
import { inventoryOf } from "../../shared/inventory/binding";
import { orderStoreOf } from "../../shared/orders/order-store";
import { cancelOrder } from "../../shared/orders/orders";
import { SYSTEM_ACTOR } from "../../shared/platform/actor";
import { ManualClock, systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";
import type { LogFields, Logger } from "../../shared/platform/logger";
import { newSeller, tshirt } from "../helpers/catalog";
import { newShopper, placeOrder, skuOnSale } from "../helpers/orders";

/** A logger that keeps its lines, to see what a best-effort step reported. */
function capture(base: LogFields = {}): Logger & { lines: (LogFields & { level: string; msg: string })[] } {
  const lines: (LogFields & { level: string; msg: string })[] = [];
  const make = (fields: LogFields): Logger => ({
    debug: (msg, f) => lines.push({ level: "debug", msg, ...fields, ...f }),
    info: (msg, f) => lines.push({ level: "info", msg, ...fields, ...f }),
    warn: (msg, f) => lines.push({ level: "warn", msg, ...fields, ...f }),
    error: (msg, f) => lines.push({ level: "error", msg, ...fields, ...f }),
    child: (f) => make({ ...fields, ...f }),
  });
  return Object.assign(make(base), { lines });
}

const noQueues = {}; // a Worker whose queue sends fail (no producer bindings)

// Regression (issue #11, defect 12): four best-effort steps ended in `.catch(() => undefined)`,
// so a failed send or release left no trace. Each now logs what it swallowed, with the request id.
describe("best-effort steps log what they swallow", () => {
  it("a bulk submission whose chunk events cannot be sent", async () => {
    const seller = await newSeller();
    const log = capture();
    const job = await submitBulkJob(
      { db: dbOf(env.DB), clock: systemClock, producers: noQueues, log, requestId: "req_bulk_swallow" },
      { userId: seller.id, roles: ["seller"], ...(seller.shopId ? { shopId: seller.shopId } : {}) },
      { kind: "import", format: "json", body: JSON.stringify([tshirt()]) },
    );
    expect(job.status).toBe("queued");
    expect(log.lines).toEqual([
      expect.objectContaining({
        level: "warn",
        requestId: "req_bulk_swallow",
        jobId: job.jobId,
        error: expect.anything(),
      }),
    ]);
  });

  it("a catalog change whose event cannot be sent", async () => {
    const log = capture();
    const event = outboxRow(
      "catalog-events",
      makeEvent(
        "catalog.product_changed",
        { productId: newId("product"), shopId: newId("shop"), change: "updated", version: 2 },
        Date.now(),
      ),
    );
    await sendChange(
      {
        db: dbOf(env.DB),
        clock: systemClock,
        producers: noQueues,
        inventory: inventoryOf(env),
        log,
        requestId: "req_change",
      },
      event,
    );
    expect(log.lines).toEqual([
      expect.objectContaining({ level: "warn", requestId: "req_change", eventId: event.id, error: expect.anything() }),
    ]);
  });

  it("a cancel whose stock release and event both fail", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: 5 });
    const shopper = await newShopper();
    const placed = await placeOrder(shopper, { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const orderId = placed.body.orders[0]?.orderId as string;
    const real = inventoryOf(env);
    const unreachable = {
      getByName: () => ({
        release: async () => {
          throw new Error("object unreachable");
        },
      }),
    } as unknown as typeof real;
    const log = capture({ requestId: "req_cancel" });
    const cancelled = await cancelOrder(
      {
        db: dbOf(env.DB),
        orders: orderStoreOf(env, systemClock),
        clock: new ManualClock(Date.now()),
        producers: noQueues,
        inventory: unreachable,
        log,
      },
      { orderId, actor: SYSTEM_ACTOR, reason: "changed my mind" },
    );
    expect(cancelled.status).toBe("CANCELLED");
    expect(log.lines.map((l) => [l.level, l.requestId, l.orderId, typeof l.error])).toEqual([
      ["warn", "req_cancel", orderId, "object"],
      ["warn", "req_cancel", orderId, "object"],
    ]);
  });
});
