/**
 * Persists the saga (planned reservations, a lease, the quote id: a quote makes one order at
 * most) before the first side effect outside D1.
 */
import { and, eq, sql } from "drizzle-orm";
import { orderSagas } from "../../../db/schema";
import { AppError } from "../../platform/errors";
import type { Step } from "../saga";
import { SAGA_LEASE_MS } from "../settings";
import { need, type OrderContext, type OrderDeps, reservationIdOf, type SagaContext } from "./context";

export function beginStep(deps: OrderDeps): Step<OrderContext> {
  const { db } = deps;
  return {
    name: "begin",
    async run(ctx) {
      const quote = need(ctx.quote, "the quote");
      ctx.reservations = quote.orders.flatMap((o) =>
        o.lines.map((l) => ({
          skuId: l.skuId,
          reservationId: reservationIdOf(ctx.sagaId, l.skuId),
          quantity: l.quantity,
        })),
      );
      const context: SagaContext = { reservations: ctx.reservations };
      const row = {
        id: ctx.sagaId,
        userId: ctx.userId,
        quoteId: ctx.claims?.quoteId ?? null,
        status: "running" as const,
        context: JSON.stringify(context),
        error: null,
        leaseUntil: ctx.now + SAGA_LEASE_MS,
        version: 1,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      };
      // A quote makes one order at most: its id is unique among sagas. An attempt that was fully
      // undone (out of stock, say) gives the quote back, so the shopper may try it again.
      const started = await db
        .insert(orderSagas)
        .values(row)
        .onConflictDoUpdate({
          target: orderSagas.quoteId,
          set: row,
          setWhere: sql`${orderSagas.status} = 'compensated'`,
        })
        .returning({ id: orderSagas.id });
      if (started.length === 0) {
        throw new AppError("quote_used", {
          detail: "This quote was already used for an order; ask for a new quote to order again",
        });
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
