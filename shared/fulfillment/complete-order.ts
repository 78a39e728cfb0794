/**
 * A delivered order completes: the shopper confirms receipt (`POST /v1/orders/:id/confirm-receipt`),
 * or the events cron completes it `AUTO_COMPLETE_DAYS` after its parcel was delivered. Both are
 * the order machine's DELIVERED → COMPLETED, compared on the version read and logged; the
 * shopper's confirm and the cron racing complete it once.
 */
import { and, eq, inArray, lte } from "drizzle-orm";
import { z } from "zod";
import { orders, shipments } from "../../db/schema";
import { sendOutbox } from "../events/outbox";
import type { Producers } from "../events/producer";
import { getOrder, type OrderView } from "../orders/orders";
import { next } from "../orders/state-machine";
import { type Actor, SYSTEM_ACTOR } from "../platform/actor";
import type { Clock } from "../platform/clock";
import { type Db, isAssertionFailure, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { errorFields, type Logger } from "../platform/logger";
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
 * What completing needs: the database, the clock, the coin rate (COINS_EARN_PER_MAJOR; default
 * when absent), and the queues that order.completed goes out on.
 */
interface CompleteDeps {
  db: Db;
  clock: Clock;
  producers: Producers;
  promotions?: PromotionSettings;
  log?: Logger;
}

async function complete(deps: CompleteDeps, order: OrderRow, actor: Actor, now: number): Promise<boolean> {
  const { db } = deps;
  try {
    await runBatch(
      db,
      moveOrder(db, order, { order: "complete" }, newChange(actor, now), deps.promotions ?? DEFAULT_PROMOTION_SETTINGS),
    );
  } catch (err) {
    if (isAssertionFailure(err)) return false;
    throw err;
  }
  await sendOutbox(db, deps.producers, [completedOutbox(order, now)], deps.clock.now()).catch((err: unknown) =>
    deps.log?.warn("order.completed not queued; the events cron sends it from the outbox", {
      orderId: order.id,
      ...errorFields(err),
    }),
  );
  return true;
}

/** The shopper confirms receipt of one of their orders (another shopper's is 404). */
export async function confirmReceipt(
  deps: CompleteDeps,
  input: { orderId: string; userId: string; actor: Actor },
): Promise<OrderView> {
  const { db } = deps;
  const order = await db.query.orders.findFirst({
    where: and(eq(orders.id, input.orderId), eq(orders.userId, input.userId)),
  });
  if (!order) throw new AppError("not_found", { detail: `No order ${input.orderId}` });
  // COMPLETED already (a retry, or the cron got there first) is 409 like any other state.
  next("order", order.status, "complete");
  if (!(await complete(deps, order, input.actor, deps.clock.now()))) {
    const current = await db.query.orders.findFirst({ where: eq(orders.id, order.id) });
    next("order", current?.status ?? order.status, "complete");
    throw new AppError("version_conflict", { detail: "The order changed meanwhile; retry" });
  }
  return getOrder(db, { all: true }, order.id);
}

/**
 * Completes up to `limit` orders delivered at least `autoCompleteMs` ago and still DELIVERED;
 * answers how many it completed. One that changed meanwhile (confirmed a moment ago) is skipped.
 */
export async function autoCompleteDelivered(
  deps: CompleteDeps,
  settings: { autoCompleteMs: number },
  // D1 binds at most 100 parameters: the ids of one run fit one statement.
  limit = 90,
): Promise<number> {
  const now = deps.clock.now();
  const due = await deps.db
    .selectDistinct({ orderId: shipments.orderId })
    .from(shipments)
    .innerJoin(orders, and(eq(orders.id, shipments.orderId), eq(orders.status, "DELIVERED")))
    .where(and(eq(shipments.status, "DELIVERED"), lte(shipments.deliveredAt, now - settings.autoCompleteMs)))
    .limit(limit);
  if (due.length === 0) return 0;
  const rows = await deps.db
    .select()
    .from(orders)
    .where(
      inArray(
        orders.id,
        due.map((d) => d.orderId),
      ),
    );
  let completed = 0;
  for (const order of rows) if (await complete(deps, order, SYSTEM_ACTOR, now)) completed++;
  return completed;
}
