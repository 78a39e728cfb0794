/** Which checkout made an order: the quote id its saga carried (a flash-sale order's names its admission). */
import { eq } from "drizzle-orm";
import { orderSagas, orders, payOrders } from "../../db/schema";
import type { OrderStore } from "./order-store";

/** The quote id of the saga that created `orderId` (null for an order placed without one, or unknown). */
export async function quoteIdOfOrder(
  store: OrderStore,
  orderId: string,
): Promise<{ quoteId: string | null; userId: string } | null> {
  const home = await store.homeOfNumber(orderId);
  if (!home) return null;
  const rows = await home.db
    .select({ quoteId: orderSagas.quoteId, userId: orders.userId })
    .from(orders)
    .innerJoin(payOrders, eq(payOrders.id, orders.payOrderId))
    .innerJoin(orderSagas, eq(orderSagas.id, payOrders.sagaId))
    .where(eq(orders.id, orderId))
    .limit(1);
  return rows[0] ?? null;
}
