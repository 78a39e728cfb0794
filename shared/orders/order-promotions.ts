/**
 * The orders domain's side of promotions: when an order is cancelled its coins and (once no order
 * of its checkout still uses them) its voucher uses go back; when it is paid they are consumed.
 * Both read the order and its pay order's saga (whose id the holds carry) from the order's shard
 * and hand them to the promotions domain, whose counters are the commerce database's; both are
 * idempotent, so the request and the queue consumer may both run them.
 */
import { and, eq, ne } from "drizzle-orm";
import { orders, payOrders } from "../../db/schema";
import type { Clock } from "../platform/clock";
import type { Db } from "../platform/db";
import { consumeOrderPromotions, returnOrderPromotions } from "../promotions/holds";
import type { OrderStore } from "./order-store";

type Deps = { db: Db; orders: OrderStore; clock: Clock };

async function orderWithSaga(deps: Deps, orderId: string) {
  const home = await deps.orders.homeOfNumber(orderId);
  if (!home) return undefined;
  const [row] = await home.db
    .select({ order: orders, sagaId: payOrders.sagaId })
    .from(orders)
    .innerJoin(payOrders, eq(payOrders.id, orders.payOrderId))
    .where(eq(orders.id, orderId));
  return row && { ...row, orderDb: home.db };
}

/** A cancelled order gives back its coins and the voucher uses no open order of its checkout shares. */
export async function returnCancelledOrderPromotions(deps: Deps, orderId: string): Promise<void> {
  const row = await orderWithSaga(deps, orderId);
  if (row?.order.status !== "CANCELLED") return;
  const open = await row.orderDb
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.payOrderId, row.order.payOrderId), ne(orders.status, "CANCELLED")));
  await returnOrderPromotions(deps.db, row.orderDb, {
    orderId,
    userId: row.order.userId,
    sagaId: row.sagaId,
    openOrderIds: open.map((o) => o.id),
    now: deps.clock.now(),
  });
}

/** A paid order's held coins are spent and its voucher uses consumed. */
export async function consumePaidOrderPromotions(deps: Deps, orderId: string): Promise<void> {
  const row = await orderWithSaga(deps, orderId);
  if (!row || row.order.status === "CREATED" || row.order.status === "CANCELLED") return;
  await consumeOrderPromotions(deps.db, row.orderDb, {
    orderId,
    userId: row.order.userId,
    sagaId: row.sagaId,
    now: deps.clock.now(),
  });
}
