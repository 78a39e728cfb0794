/**
 * Order creation (创单, SPEC §4.5) as a saga of steps with compensations:
 *
 *   begin_saga → flash_price → price_checkout → validate_price → anti_fraud
 *   → hold_promotions → reserve_stock
 *   → allocate_numbers → redeem_admission → snapshot_lines → write_orders → publish_events
 *
 * Two D1 round trips on the request path of an order without vouchers or coins: `begin_saga`
 * persists the saga (its planned reservations and a lease) on the shopper's order shard while
 * the commerce database reads every checkout fact (promotions included), both at once (in one
 * batch when the shard is the commerce database itself, shard 0), before the first step with a
 * side effect outside D1; `write_orders` writes snapshots, the pay order,
 * the orders, their items, their first status-log rows, the saga's completion and the events
 * (outbox) in one atomic D1 batch on the shard (the events are sent, their outbox rows deleted
 * and the cart cleared after the response). The shard is the one OrderStore names for the
 * shopper's slot (order-store.ts); the order numbers carry that slot. Failure before that batch
 * undoes the completed steps in reverse (stock released, saga marked compensated with the
 * reason). A crash leaves a `running` saga whose lease lapses; the sweeper (sweeper.ts) then
 * releases its reservations, and the object's hold expiry is the last backstop. A crash after
 * the batch loses nothing: the outbox rows are sent by the events cron.
 *
 * Each step is a module in `steps/` (with its compensation where it has one).
 *
 * Flash sales: an order with a purchase token is priced at the flash price with no promotions
 * (`flash_price`), holds units split out of its campaign's carve-out, and redeems its admission
 * once (`redeem_admission`); see shared/flash-sales/flash-order.ts.
 *
 * Promotions: `begin_saga`'s batch reads the vouchers the request names, its shops' threshold
 * discounts and the shopper's coins; `price_checkout` stacks them; `hold_promotions` holds the
 * voucher uses, budget and coins (all or nothing, 409 `voucher_exhausted`) before any stock, and
 * its compensation (or the sweeper) gives them back. Payment consumes them, cancel returns them
 * (shared/orders/order-promotions.ts).
 */
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import { orders, payOrders } from "../../db/schema";
import { checkoutItemsSchema, type QuoteBody, quoteBody } from "../checkout/pricing";
import { verifyQuoteToken } from "../checkout/quote-token";
import { flashPriceStep, redeemAdmissionStep } from "../flash-sales/flash-order";
import { verifyPurchaseToken } from "../flash-sales/tokens";
import type { Db } from "../platform/db";
import { AppError, isAppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { invalidField } from "../platform/validation";
import { CompensationFailed, OutcomeUnknown, runSaga, SimulatedCrash, type Step } from "./saga";
import { allocateNumbersStep } from "./steps/allocate-numbers";
import { antiFraudStep } from "./steps/anti-fraud";
import { beginSagaStep, OrderAlreadyCreated } from "./steps/begin-saga";
import { need, type OrderContext, type OrderDeps } from "./steps/context";
import { holdPromotionsStep } from "./steps/hold-promotions";
import { priceCheckoutStep } from "./steps/price-checkout";
import { publishEventsStep } from "./steps/publish-events";
import { reserveStockStep } from "./steps/reserve-stock";
import { snapshotLinesStep } from "./steps/snapshot-lines";
import { validatePriceStep } from "./steps/validate-price";
import { writeOrdersStep } from "./steps/write-orders";

export type { OrderDeps, PlannedReservation, SagaContext } from "./steps/context";

export const createOrderBody = z.union(
  [
    z.object({ quoteToken: z.string().min(1).max(8192) }).strict(),
    z
      .object({
        items: checkoutItemsSchema,
        addressId: z.string().min(1).max(64).optional(),
        voucherCode: quoteBody.shape.voucherCode,
        voucherCodes: quoteBody.shape.voucherCodes,
        coins: quoteBody.shape.coins,
      })
      .strict(),
    // A flash-sale admission (POST /v1/flash-sales/{campaignId}/enter), ordered at the flash price.
    z
      .object({
        purchaseToken: z.string().min(1).max(4096),
        addressId: z.string().min(1).max(64).optional(),
      })
      .strict(),
  ],
  {
    error:
      "send either {quoteToken} (from POST /v1/checkout/quote), {items, addressId} (addressId when any item ships), " +
      "or {purchaseToken, addressId} (from a flash-sale admission)",
  },
);
export type CreateOrderBody = z.infer<typeof createOrderBody>;

export const createOrderResponse = z.object({
  payOrderId: z.string(),
  orders: z.array(
    z.object({
      orderId: z.string(),
      sellerId: z.string(),
      status: z.literal("CREATED"),
      total: z.object({ amount: z.number().int(), currency: z.string() }),
    }),
  ),
  payable: z.object({ amount: z.number().int(), currency: z.string() }),
  payBy: z.string(),
});
export type CreateOrderResult = z.infer<typeof createOrderResponse>;

/** The saga, in order (SPEC §4.5). */
function steps(deps: OrderDeps): Step<OrderContext>[] {
  return [
    beginSagaStep(deps),
    flashPriceStep(deps),
    priceCheckoutStep(deps),
    validatePriceStep(deps),
    antiFraudStep(deps),
    holdPromotionsStep(deps),
    reserveStockStep(deps),
    allocateNumbersStep(deps),
    redeemAdmissionStep(deps),
    snapshotLinesStep(deps),
    writeOrdersStep(deps),
    publishEventsStep(deps),
  ];
}

/** Creates a pay order and one order per seller from a quote token or items directly. */
export async function createOrder(
  deps: OrderDeps,
  input: { userId: string; ip: string; body: CreateOrderBody; requestKey?: string },
): Promise<CreateOrderResult> {
  const now = deps.clock.now();
  const claims =
    "quoteToken" in input.body ? await verifyQuoteToken(input.body.quoteToken, input.userId, deps.tokenKey, now) : null;
  if (claims && claims.items.length === 0) throw invalidField("quoteToken", "lists no items");
  const flash =
    "purchaseToken" in input.body
      ? await verifyPurchaseToken(deps.tokenKey, input.body.purchaseToken, input.userId, now)
      : undefined;
  const request: QuoteBody =
    "items" in input.body
      ? input.body
      : flash
        ? {
            items: [{ skuId: flash.skuId, quantity: flash.quantity }],
            ...("addressId" in input.body && input.body.addressId ? { addressId: input.body.addressId } : {}),
          }
        : {
            // The quoted recharge target, not a default read again: the order tops up what was shown.
            items: (claims?.items ?? []).map(({ skuId, quantity, rechargeTarget }) => ({
              skuId,
              quantity,
              ...(rechargeTarget === null ? {} : { rechargeTarget }),
            })),
            ...(claims?.addressId ? { addressId: claims.addressId } : {}),
            ...(claims?.voucherCodes.length ? { voucherCodes: claims.voucherCodes } : {}),
            ...(claims?.coins ? { coins: claims.coins } : {}),
          };
  const ctx: OrderContext = {
    sagaId: newId("saga", now),
    userId: input.userId,
    ip: input.ip,
    now,
    home: await deps.orders.homeOfUser(input.userId),
    request,
    claims,
    ...(flash ? { flash } : {}),
    ...(input.requestKey ? { requestKey: input.requestKey } : {}),
    reservations: [],
    outbox: [],
  };
  try {
    const { forwardFailures } = await runSaga(steps(deps), ctx, deps.hooks);
    for (const failure of forwardFailures) {
      deps.log?.warn("order saga step left to forward recovery", {
        sagaId: ctx.sagaId,
        step: failure.step,
        error: String(failure.error),
      });
    }
  } catch (err) {
    if (err instanceof OrderAlreadyCreated) return createdOrderOf(ctx.home.db, err.sagaId);
    if (err instanceof SimulatedCrash) throw err;
    if (err instanceof OutcomeUnknown) {
      deps.log?.error("order saga outcome unknown; left to the sweeper", {
        sagaId: ctx.sagaId,
        error: String(err.cause),
      });
      throw new AppError("unavailable", {
        detail: "The order may or may not have been placed; retry with the same Idempotency-Key to find out",
        retryable: true,
      });
    }
    if (err instanceof CompensationFailed) {
      deps.log?.error("order saga left to the sweeper", {
        sagaId: ctx.sagaId,
        step: err.step,
        error: String(err.cause),
      });
      throw new AppError("unavailable", { detail: "The order could not be placed; try again", retryable: true });
    }
    if (!isAppError(err)) deps.log?.error("order saga failed", { sagaId: ctx.sagaId, error: String(err) });
    throw err;
  }
  return need(ctx.result, "the result");
}

/** The creation answer of the order a completed saga made (a retry of that request gets it again). */
async function createdOrderOf(db: Db, sagaId: string): Promise<CreateOrderResult> {
  const payOrder = await db.query.payOrders.findFirst({ where: eq(payOrders.sagaId, sagaId) });
  if (!payOrder) throw new Error(`completed saga ${sagaId} has no pay order`);
  const rows = await db
    .select({ id: orders.id, shopId: orders.shopId, total: orders.totalAmount })
    .from(orders)
    .where(eq(orders.payOrderId, payOrder.id))
    .orderBy(asc(orders.id));
  return {
    payOrderId: payOrder.id,
    orders: rows.map((o) => ({
      orderId: o.id,
      sellerId: o.shopId,
      status: "CREATED" as const,
      total: { amount: o.total, currency: payOrder.currency },
    })),
    payable: { amount: payOrder.payAmount, currency: payOrder.currency },
    payBy: new Date(payOrder.payBy).toISOString(),
  };
}

/** The saga's step names in order (tests fail and crash each in turn). */
export const ORDER_STEP_NAMES: readonly string[] = steps({} as OrderDeps).map((s) => s.name);
