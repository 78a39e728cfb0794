/**
 * The saga's first step, in one D1 round trip of two requests sent together: the shopper's order
 * shard persists the saga row, the write-ahead record of this order, and reads the units the
 * shopper holds in unpaid orders; the commerce database reads every checkout fact
 * (checkout-facts.ts: the buyer, SKUs, prices, address, templates, warehouses, and the promotions
 * the request may use). The row holds the planned reservations (one per SKU the request names,
 * known before any read), a lease, the quote id (a quote makes one order at most) and the
 * request's idempotency identity (a request makes one order at most); the shopper's quotes,
 * requests and purchase tokens are all the shopper's, so their uniqueness holds within one shard.
 * The row is committed before any side effect outside D1, so a runner that dies after holding
 * stock leaves a `running` saga the sweeper undoes once its lease lapses.
 *
 * The insert claims the quote id and the request key or does nothing: the batch first hands
 * over the ones an undone (compensated) attempt held, then reads who holds them, so one round
 * trip tells a fresh checkout from a replay (the earlier order is answered), one in progress
 * (409 `idempotency_in_progress`) and a used quote (409 `quote_used` / `purchase_token_used`).
 * A refusal the facts prove (a disabled account, an unknown voucher code) marks the row undone.
 */
import { and, eq, or, sql } from "drizzle-orm";
import { orderSagas } from "../../../db/schema";
import { cartSkusRead } from "../../cart/cart";
import { assertMayOrder, checkoutFactsRead } from "../../checkout/checkout-facts";
import { flashQuoteId } from "../../flash-sales/flash-order";
import { type BatchRead, batchRead, batchReads, combineReads } from "../../platform/d1-chunks";
import type { Db } from "../../platform/db";
import { AppError, isAppError } from "../../platform/errors";
import { promotionFactsOf } from "../../promotions/promotion-facts";
import { heldUnitsRead } from "../held-units";
import type { Step } from "../saga";
import { SAGA_LEASE_MS } from "../settings";
import { type OrderContext, type OrderDeps, reservationIdOf, type SagaContext } from "./context";

export function beginSagaStep(deps: OrderDeps): Step<OrderContext> {
  return {
    name: "begin_saga",
    async run(ctx) {
      const { items, addressId } = ctx.request;
      ctx.reservations = items.map((i) => ({
        skuId: i.skuId,
        reservationId: reservationIdOf(ctx.sagaId, i.skuId),
        quantity: i.quantity,
      }));
      const skuIds = items.map((i) => i.skuId);
      const facts = combineReads(
        {
          checkout: checkoutFactsRead(
            deps.db,
            { userId: ctx.userId, skuIds, addressId, promotions: ctx.request },
            ctx.now,
          ),
          inCart: cartSkusRead(deps.db, ctx.userId, skuIds),
        },
        (v) => v,
      );
      const mine = combineReads(
        { saga: sagaClaimRead(ctx.home.db, ctx), heldUnits: heldUnitsRead(ctx.home.db, ctx.userId) },
        (v) => v,
      );
      // The facts decode later, so a refusal they prove is known to come after the row was written.
      const [claimed, factRows] = await claimAndRead(deps, ctx, mine, facts.groups);
      if (claimed.status === "rejected" || factRows.status === "rejected") {
        const err = claimed.status === "rejected" ? claimed.reason : (factRows as PromiseRejectedResult).reason;
        // The row may be there (its batch may have committed with the answer lost, or the facts
        // failed beside it): undo it, as nothing else was done yet; if even that fails the sweeper
        // does it once the lease lapses.
        await markUndone(deps, ctx, err).catch(() => undefined);
        throw err;
      }
      const { saga, heldUnits } = claimed.value;
      if (saga.kind === "replay") throw new OrderAlreadyCreated(saga.sagaId);
      if (saga.kind === "in_progress") throw requestInProgress();
      if (saga.kind === "quote_used") throw quoteUsed(ctx);
      try {
        ctx.heldUnits = heldUnits;
        const { checkout, inCart } = facts.decode(factRows.value as unknown[][]);
        ctx.facts = checkout;
        ctx.inCart = inCart;
        assertMayOrder(ctx.facts);
        ctx.promotions = promotionFactsOf(ctx.facts.offers, ctx.request, ctx.now, deps.promotions);
      } catch (err) {
        await markUndone(deps, ctx, err).catch(() => undefined);
        throw err;
      }
    },
    async compensate(ctx, cause) {
      await markUndone(deps, ctx, cause);
    },
  };
}

/**
 * The saga's claim (on the shopper's shard, behind its fence) and the checkout facts' rows (from
 * the commerce database): two batches sent at once, or one batch when the shard is the commerce
 * database itself (shard 0: a one-database deployment, and every shopper until slots move), so
 * that order pays one round trip for both. The facts' rows come back undecoded either way (they
 * decode after the claim is known).
 */
async function claimAndRead<T>(
  deps: OrderDeps,
  ctx: OrderContext,
  claim: BatchRead<T>,
  factGroups: BatchRead<unknown>["groups"],
): Promise<[PromiseSettledResult<T>, PromiseSettledResult<unknown[][]>]> {
  if (!ctx.home.isCommerce) return Promise.allSettled([ctx.home.run(claim), batchReads(deps.db, factGroups)]);
  const rows: BatchRead<unknown[][]> = { groups: factGroups, decode: (found) => [...found] };
  try {
    const both = await ctx.home.run(combineReads({ claim, rows }, (v) => v));
    return [
      { status: "fulfilled", value: both.claim },
      { status: "fulfilled", value: both.rows },
    ];
  } catch (reason) {
    return [
      { status: "rejected", reason },
      { status: "rejected", reason },
    ];
  }
}

/** What the batch found: this saga started, or who else holds its request key or quote. */
type SagaClaim =
  | { kind: "started" }
  | { kind: "replay"; sagaId: string }
  | { kind: "in_progress" }
  | { kind: "quote_used" };

/**
 * The saga row's statements for the facts' batch: hand over the request key and quote id an
 * undone attempt held, insert this saga unless a live or completed one holds either, and read
 * who holds them.
 */
function sagaClaimRead(db: Db, ctx: OrderContext): BatchRead<SagaClaim> {
  // A flash-sale order's quote id names its admission: one order per purchase token.
  const quoteId = ctx.flash ? flashQuoteId(ctx.flash) : (ctx.claims?.quoteId ?? null);
  const requestKey = ctx.requestKey ?? null;
  const context: SagaContext = { reservations: ctx.reservations };
  const undone = eq(orderSagas.status, "compensated");
  const handOver = [
    ...(requestKey
      ? [
          db
            .update(orderSagas)
            .set({ requestKey: null, updatedAt: ctx.now })
            .where(and(eq(orderSagas.requestKey, requestKey), undone))
            .returning({ id: orderSagas.id }),
        ]
      : []),
    ...(quoteId
      ? [
          db
            .update(orderSagas)
            .set({ quoteId: null, updatedAt: ctx.now })
            .where(and(eq(orderSagas.quoteId, quoteId), undone))
            .returning({ id: orderSagas.id }),
        ]
      : []),
  ];
  const holders = [
    ...(requestKey ? [eq(orderSagas.requestKey, requestKey)] : []),
    ...(quoteId ? [eq(orderSagas.quoteId, quoteId)] : []),
  ];
  return batchRead(
    [
      handOver,
      [
        db
          .insert(orderSagas)
          .values({
            id: ctx.sagaId,
            userId: ctx.userId,
            quoteId,
            requestKey,
            status: "running",
            context: JSON.stringify(context),
            error: null,
            leaseUntil: ctx.now + SAGA_LEASE_MS,
            version: 1,
            createdAt: ctx.now,
            updatedAt: ctx.now,
          })
          .onConflictDoNothing()
          .returning({ id: orderSagas.id }),
      ],
      holders.length === 0
        ? []
        : [
            db
              .select({ holderId: orderSagas.id, holderStatus: orderSagas.status, heldKey: orderSagas.requestKey })
              .from(orderSagas)
              .where(or(...holders)),
          ],
    ],
    ([, inserted, held]): SagaClaim => {
      if (inserted.length === 1) return { kind: "started" };
      const byKey = held.find((h) => requestKey !== null && h.heldKey === requestKey);
      if (byKey?.holderStatus === "completed") return { kind: "replay", sagaId: byKey.holderId };
      if (byKey) return { kind: "in_progress" };
      return { kind: "quote_used" };
    },
  );
}

/**
 * Marks the saga undone with why (its steps' compensations ran, or nothing was held). Not behind
 * the slot's fence: a saga row a slot move already copied stays `running` on the new home, and
 * its lease lapsing there has the sweeper undo it again (releases are idempotent).
 */
async function markUndone(deps: OrderDeps, ctx: OrderContext, cause: unknown): Promise<void> {
  const error = isAppError(cause) ? cause.code : cause instanceof Error ? cause.name : "error";
  await ctx.home.db
    .update(orderSagas)
    .set({ status: "compensated", error, updatedAt: deps.clock.now() })
    .where(and(eq(orderSagas.id, ctx.sagaId), sql`${orderSagas.status} IN ('running', 'compensating')`));
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

function quoteUsed(ctx: OrderContext): AppError {
  if (ctx.flash) {
    return new AppError("purchase_token_used", {
      detail: "This purchase token was already used for an order; enter the flash sale again to buy more",
    });
  }
  return new AppError("quote_used", {
    detail: "This quote was already used for an order; ask for a new quote to order again",
  });
}
