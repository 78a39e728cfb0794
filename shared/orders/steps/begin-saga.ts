/**
 * Persists the saga (planned reservations, a lease, the quote id: a quote makes one order at
 * most; the request's idempotency identity: a request makes one order at most) before the first
 * side effect outside D1.
 */
import { and, eq, sql } from "drizzle-orm";
import { orderSagas } from "../../../db/schema";
import { flashQuoteId } from "../../flash-sales/flash-order";
import { AppError } from "../../platform/errors";
import type { Step } from "../saga";
import { SAGA_LEASE_MS } from "../settings";
import { need, type OrderContext, type OrderDeps, reservationIdOf, type SagaContext } from "./context";

export function beginSagaStep(deps: OrderDeps): Step<OrderContext> {
  const { db } = deps;
  return {
    name: "begin_saga",
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
        // A flash-sale order's quote id names its admission: one order per purchase token.
        quoteId: ctx.flash ? flashQuoteId(ctx.flash) : (ctx.claims?.quoteId ?? null),
        requestKey: ctx.requestKey ?? null,
        status: "running" as const,
        context: JSON.stringify(context),
        error: null,
        leaseUntil: ctx.now + SAGA_LEASE_MS,
        version: 1,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      };
      if (ctx.requestKey) await claimRequestKey(deps, ctx.requestKey);
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
        .returning({ id: orderSagas.id })
        .catch((err: unknown) => {
          // Another attempt under the same Idempotency-Key got its saga in first.
          if (String((err as { cause?: unknown })?.cause ?? err).includes("order_sagas.request_key")) {
            throw requestInProgress();
          }
          throw err;
        });
      if (started.length === 0 && ctx.flash) {
        throw new AppError("purchase_token_used", {
          detail: "This purchase token was already used for an order; enter the flash sale again to buy more",
        });
      }
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

/** Stops the saga early: this request (by its Idempotency-Key) already made its order. */
export class OrderAlreadyCreated extends Error {
  constructor(readonly sagaId: string) {
    super(`saga ${sagaId} already created this request's order`);
    this.name = "OrderAlreadyCreated";
  }
}

function requestInProgress(): AppError {
  return new AppError("idempotency_in_progress", {
    detail: "An order for this Idempotency-Key is still being placed; retry shortly",
    headers: { "Retry-After": "1" },
  });
}

/**
 * One request (its idempotency identity) runs one saga at a time and makes one order at most,
 * even when its idempotency lock lapsed or its stored answer was lost: a completed saga answers
 * with its order, a live one is in progress, an undone one hands the key to this attempt.
 */
async function claimRequestKey(deps: OrderDeps, requestKey: string): Promise<void> {
  const earlier = await deps.db.query.orderSagas.findFirst({
    where: eq(orderSagas.requestKey, requestKey),
    columns: { id: true, status: true },
  });
  if (!earlier) return;
  if (earlier.status === "completed") throw new OrderAlreadyCreated(earlier.id);
  if (earlier.status !== "compensated") throw requestInProgress();
  await deps.db
    .update(orderSagas)
    .set({ requestKey: null, updatedAt: deps.clock.now() })
    .where(and(eq(orderSagas.id, earlier.id), eq(orderSagas.status, "compensated")));
}
