/** Persists the saga (planned reservations, a lease, the quote id: a quote makes one order at most) before the first side effect outside D1. */
import { and, eq, sql } from "drizzle-orm";
import { orderSagas } from "../../../db/schema";
import { AppError } from "../../platform/errors";
import type { Step } from "../saga";
import { SAGA_LEASE_MS } from "../settings";
import { need, type OrderContext, type OrderDeps, type SagaContext } from "./context";

export function beginStep(deps: OrderDeps): Step<OrderContext> {
  const { db } = deps;
  return {
    name: "begin",
    async run(ctx) {
      const quote = need(ctx.quote, "the quote");
      ctx.reservations = quote.orders.flatMap((o) =>
        o.lines.map((l) => ({ skuId: l.skuId, reservationId: `${ctx.sagaId}:${l.skuId}`, quantity: l.quantity })),
      );
      const context: SagaContext = { reservations: ctx.reservations };
      try {
        await db.insert(orderSagas).values({
          id: ctx.sagaId,
          userId: ctx.userId,
          quoteId: ctx.claims?.quoteId ?? null,
          status: "running",
          context: JSON.stringify(context),
          leaseUntil: ctx.now + SAGA_LEASE_MS,
          createdAt: ctx.now,
          updatedAt: ctx.now,
        });
      } catch (err) {
        if (/UNIQUE constraint failed: order_sagas\.quote_id/.test(String((err as Error)?.cause ?? err))) {
          throw new AppError("quote_used", {
            detail: "This quote was already used for an order; ask for a new quote to order again",
          });
        }
        throw err;
      }
    },
    async compensate(ctx) {
      await db
        .update(orderSagas)
        .set({ status: "compensated", updatedAt: deps.clock.now() })
        .where(and(eq(orderSagas.id, ctx.sagaId), sql`${orderSagas.status} IN ('running', 'compensating')`));
    },
  };
}
