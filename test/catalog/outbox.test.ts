import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { changeStatus } from "../../shared/catalog/product-status";
import { drainOutbox, OUTBOX_GRACE_MS } from "../../shared/events/outbox";
import { inventoryOf } from "../../shared/inventory/binding";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { newSeller, postProduct, tshirt } from "../helpers/catalog";

const pendingFor = (productId: string) =>
  env.DB.prepare("select count(*) as n from outbox where body like ?").bind(`%${productId}%`).first<{ n: number }>();

describe("catalog events through the outbox", () => {
  it("keeps a committed change's event when the queue is down, and the cron sends it later", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    expect((await pendingFor(body.productId))?.n).toBe(0);
    const queueDown = {
      CATALOG_EVENTS: {
        send: async () => {
          throw new Error("queue unavailable");
        },
        sendBatch: async () => {
          throw new Error("queue unavailable");
        },
      } as unknown as Queue,
    };
    const deps = { db: dbOf(env.DB), clock: systemClock, producers: queueDown, inventory: inventoryOf(env) };
    const caller = { userId: seller.id, roles: ["seller" as const], shopId: seller.shopId as string };
    // The change itself succeeds; only its event waits.
    await expect(changeStatus(deps, caller, body.productId, "submit")).resolves.toMatchObject({
      status: "PENDING_AUDIT",
    });
    expect((await pendingFor(body.productId))?.n).toBe(1);
    expect(await drainOutbox(deps.db, env, Date.now() + OUTBOX_GRACE_MS + 1)).toBeGreaterThanOrEqual(1);
    expect((await pendingFor(body.productId))?.n).toBe(0);
  });
});
