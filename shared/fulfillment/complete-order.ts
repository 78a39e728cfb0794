/**
 * A delivered order completes: the shopper confirms receipt (`POST /v1/orders/:id/confirm-receipt`),
 * or the events cron completes it `AUTO_COMPLETE_DAYS` after its parcel was delivered. Both are
 * the order machine's DELIVERED → COMPLETED, compared on the version read and logged; the
 * shopper's confirm and the cron racing complete it once.
 *
 * Across order shards (issue #20): the completion (order, status log, `order.completed` in the
 * outbox) commits on the order's shard behind its slot's fence; the coins it earns are posted to
 * the commerce ledger after that commit, once by the posting's key (`coins:earn:<order>`), and
 * again by the `order.completed` consumer, so a crash between the two still earns them, and an
 * order whose completion lost its race (or was refused by a fence) earns nothing.
 */
import { and, eq, lte } from "drizzle-orm";
import { z } from "zod";
import { orders, shipments } from "../../db/schema";
import { sendOutbox } from "../events/outbox";
import type { Producers } from "../events/producer";
import type { OrderHome, OrderStore } from "../orders/order-store";
import { getOrder, type OrderView } from "../orders/orders";
import { next } from "../orders/state-machine";
import { type Actor, SYSTEM_ACTOR } from "../platform/actor";
import type { Clock } from "../platform/clock";
import { type Db, isAssertionFailure, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { errorFields, type Logger } from "../platform/logger";
import { coinsEarnedStatements } from "../promotions/coins";
import { DEFAULT_PROMOTION_SETTINGS, type PromotionSettings } from "../promotions/settings";
import { completedOutbox, moveOrder, newChange, type OrderRow } from "./status-writes";

/** Fulfillment settings from Worker vars (read by the events Worker's cron). */
export const fulfillmentSettingsSchema = z
  .object({
    /** Days after delivery before an unconfirmed order completes by itself. */
    AUTO_COMPLETE_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  })
  .transform((e) => ({ autoCompleteMs: e.AUTO_COMPLETE_DAYS * 86_400_000 }));

/**
 * What completing needs: the commerce database (the coins' ledger), the order shards, the clock,
 * the coin rate (COINS_EARN_PER_MAJOR; default when absent), and the queues that order.completed
 * goes out on.
 */
interface CompleteDeps {
  db: Db;
  orders: OrderStore;
  clock: Clock;
  producers: Producers;
  promotions?: PromotionSettings;
  log?: Logger;
}

/** Posts the coins completed order `order` earns to the commerce ledger: once, whoever calls it how often. */
export async function earnCompletedCoins(
  db: Db,
  order: { id: string; userId: string; currency: string; totalAmount: number },
  now: number,
  promotions: PromotionSettings = DEFAULT_PROMOTION_SETTINGS,
): Promise<void> {
  const statements = coinsEarnedStatements(db, order, now, promotions.coinsEarnPerMajor);
  if (statements.length > 0) await runBatch(db, [...statements]);
}

/**
 * After a completion committed on the order's shard: its coins, then its order.completed. Either
 * failing is repaired: the event waits in the shard's outbox for the cron, and its consumer posts
 * the coins (by the same key) too.
 */
export async function afterCompletion(
  deps: Omit<CompleteDeps, "orders">,
  home: OrderHome,
  order: OrderRow,
  now: number,
): Promise<void> {
  await earnCompletedCoins(deps.db, order, now, deps.promotions).catch((err: unknown) =>
    deps.log?.warn("completed order's coins not posted; the order.completed consumer posts them", {
      orderId: order.id,
      ...errorFields(err),
    }),
  );
  await sendOutbox(home.db, deps.producers, [completedOutbox(order, now)], deps.clock.now()).catch((err: unknown) =>
    deps.log?.warn("order.completed not queued; the events cron sends it from the outbox", {
      orderId: order.id,
      ...errorFields(err),
    }),
  );
}

async function complete(deps: CompleteDeps, home: OrderHome, order: OrderRow, actor: Actor, now: number) {
  try {
    await home.batch(moveOrder(home.db, order, { order: "complete" }, newChange(actor, now)));
  } catch (err) {
    if (isAssertionFailure(err)) return false;
    throw err;
  }
  await afterCompletion(deps, home, order, now);
  return true;
}

/** The shopper confirms receipt of one of their orders (another shopper's is 404). */
export async function confirmReceipt(
  deps: CompleteDeps,
  input: { orderId: string; userId: string; actor: Actor },
): Promise<OrderView> {
  const home = await deps.orders.homeOfOrder(input.orderId);
  const { db } = home;
  const order = await db.query.orders.findFirst({
    where: and(eq(orders.id, input.orderId), eq(orders.userId, input.userId)),
  });
  if (!order) throw new AppError("not_found", { detail: `No order ${input.orderId}` });
  // COMPLETED already (a retry, or the cron got there first) is 409 like any other state.
  next("order", order.status, "complete");
  if (!(await complete(deps, home, order, input.actor, deps.clock.now()))) {
    const current = await db.query.orders.findFirst({ where: eq(orders.id, order.id) });
    next("order", current?.status ?? order.status, "complete");
    throw new AppError("version_conflict", { detail: "The order changed meanwhile; retry" });
  }
  return getOrder(db, { all: true }, order.id);
}

/**
 * Completes up to `limit` orders per order shard delivered at least `autoCompleteMs` ago and still
 * DELIVERED; answers how many it completed. Every shard is scanned (a moved slot's copy awaiting its
 * purge is left to the slot's own shard); one that changed meanwhile (confirmed a moment ago) or
 * whose slot is being moved is skipped until the next run.
 */
export async function autoCompleteDelivered(
  deps: CompleteDeps,
  settings: { autoCompleteMs: number },
  limit = 90,
): Promise<number> {
  const now = deps.clock.now();
  let completed = 0;
  for (const shard of deps.orders.all()) {
    const due = await shard.db
      .selectDistinct({ orderId: shipments.orderId })
      .from(shipments)
      .innerJoin(orders, and(eq(orders.id, shipments.orderId), eq(orders.status, "DELIVERED")))
      .where(and(eq(shipments.status, "DELIVERED"), lte(shipments.deliveredAt, now - settings.autoCompleteMs)))
      .limit(limit);
    for (const { orderId } of due) {
      const home = await deps.orders.homeOfOrder(orderId);
      if (home.shard !== shard.index) continue;
      const order = await home.db.query.orders.findFirst({ where: eq(orders.id, orderId) });
      if (order?.status !== "DELIVERED") continue;
      try {
        if (await complete(deps, home, order, SYSTEM_ACTOR, now)) completed++;
      } catch (err) {
        if (!(err instanceof AppError && err.code === "order_slot_moving")) throw err;
        deps.log?.info("auto-complete skipped while the order's slot moves", { orderId });
      }
    }
  }
  return completed;
}
