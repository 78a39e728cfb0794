/**
 * Finishes or undoes order sagas whose runner died (SPEC §4.5: a crash between steps never leaks
 * stock). A saga still `running` or `compensating` after its lease is taken over with a
 * compare-and-set on its version, so two sweepers (or a sweeper and a slow runner) never both
 * act: the runner's final batch requires the saga to still be `running` at version 1.
 *
 * A taken-over saga never wrote its orders (that batch closes the saga atomically), so the undo
 * is always the same: release every planned reservation (idempotent; an id never reserved gets a
 * tombstone so a late reserve holds nothing), give back its vouchers and coins (a hold needs the
 * saga running at version 1, which the take-over ended), give a flash-sale admission it may have
 * redeemed back to the quota (its order was never written, so nothing else ever would) and mark
 * the saga compensated. Each order shard's sagas are swept in turn (OrderStore.all()).
 */
import { and, eq, inArray, lt } from "drizzle-orm";
import { orderSagas, promotionReleases } from "../../db/schema";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import { admissionOfQuoteId } from "../flash-sales/flash-order";
import type { FlashQuota } from "../flash-sales/quota";
import { releaseStockAll } from "../inventory/stock";
import { actorText, SWEEPER_ACTOR } from "../platform/actor";
import type { Clock } from "../platform/clock";
import type { Db } from "../platform/db";
import { releaseSagaPromotions } from "../promotions/holds";
import type { OrderStore } from "./order-store";
import { SAGA_LEASE_MS } from "./settings";
import type { SagaContext } from "./steps/context";

export interface SweepDeps {
  /** The commerce database (the promotions a saga held). */
  db: Db;
  orders: OrderStore;
  clock: Clock;
  inventory: DurableObjectNamespace<SkuInventory>;
  /** Needed to undo a flash-sale order's saga (its quote id names the admission). */
  flashQuota?: FlashQuota;
}

export async function sweepStaleSagas(deps: SweepDeps, limit = 50): Promise<{ compensated: number }> {
  let compensated = 0;
  for (const shard of deps.orders.all()) compensated += await sweepShard(deps, shard.db, limit);
  return { compensated };
}

async function sweepShard(deps: SweepDeps, db: Db, limit: number): Promise<number> {
  const now = deps.clock.now();
  const stale = await db
    .select()
    .from(orderSagas)
    .where(and(inArray(orderSagas.status, ["running", "compensating"]), lt(orderSagas.leaseUntil, now)))
    .limit(limit);
  let compensated = 0;
  for (const saga of stale) {
    const claimed = await db
      .update(orderSagas)
      .set({ status: "compensating", version: saga.version + 1, leaseUntil: now + SAGA_LEASE_MS, updatedAt: now })
      .where(and(eq(orderSagas.id, saga.id), eq(orderSagas.version, saga.version)))
      .returning({ id: orderSagas.id });
    if (claimed.length === 0) continue;
    const context = JSON.parse(saga.context) as SagaContext;
    await releaseStockAll(deps.inventory, context.reservations, {
      actor: actorText(SWEEPER_ACTOR),
      at: now,
      reason: "abandoned checkout",
    });
    await releaseSagaPromotions(deps.db, { sagaId: saga.id, userId: saga.userId, now });
    const admission = admissionOfQuoteId(saga.quoteId);
    if (admission) {
      // Thrown before the saga is marked, so the next sweep tries again rather than strand the unit.
      if (!deps.flashQuota) throw new Error("the sweeper met a flash-sale saga without the flash-sale quota");
      // Only a redeemed one: a saga that died before redeem_admission leaves the shopper's token
      // usable (the quote id is given back with the undo), and the bucket's expiry returns it if not.
      await deps.flashQuota.release({ ...admission, userId: saga.userId, soldOnly: true });
    }
    await db
      .update(orderSagas)
      .set({ status: "compensated", error: saga.error ?? "abandoned", updatedAt: deps.clock.now() })
      .where(and(eq(orderSagas.id, saga.id), eq(orderSagas.version, saga.version + 1)));
    compensated += 1;
  }
  return compensated;
}

/** Finished sagas are kept this long (for support questions), then purged by the cron. */
export const FINISHED_SAGA_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * Deletes sagas that finished (completed or undone) before the retention window, on every shard,
 * and the promotion-release tombstones as old (a hold batch never arrives a week late).
 */
export async function purgeFinishedSagas(deps: { db: Db; orders: OrderStore }, now: number): Promise<number> {
  const before = now - FINISHED_SAGA_RETENTION_MS;
  let purged = 0;
  for (const { db } of deps.orders.all()) {
    const rows = await db
      .delete(orderSagas)
      .where(and(inArray(orderSagas.status, ["completed", "compensated"]), lt(orderSagas.updatedAt, before)))
      .returning({ id: orderSagas.id });
    purged += rows.length;
  }
  await deps.db.delete(promotionReleases).where(lt(promotionReleases.releasedAt, before));
  return purged;
}
