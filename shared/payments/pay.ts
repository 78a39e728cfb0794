/**
 * Paying a pay order (seed: 订单支付): check it may be paid, write the payment (CREATING) and the
 * pay order's PENDING in one batch in the pay order's shard (the number names it, OrderStore),
 * then ask the provider, with our own idempotency key, for its hosted page. One pay order never has two live payments (a partial unique index); a failed or
 * canceled one frees it for another try. The result arrives later as a provider event.
 */
import { z } from "zod";
import type { OrderHome, OrderStore } from "../orders/order-store";
import {
  loadPayOrder,
  openOrders,
  type PayOrderState,
  paymentFailedStatements,
  paymentStartedStatements,
} from "../orders/payment-status";
import { next } from "../orders/state-machine";
import type { Clock } from "../platform/clock";
import { isAssertionFailure, isUniqueViolation } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { errorFields, type Logger } from "../platform/logger";
import { type Currency, moneySchema } from "../platform/money";
import { adapterFor, type PaymentAdapters } from "./adapters";
import * as repo from "./payments-repo";
import { PAYMENT_PROVIDERS, type PaymentProvider } from "./provider-events";

/** A payment still CREATING this long after it started was abandoned halfway; the next try resumes it. */
export const CREATING_STALE_MS = 30_000;

export interface PayDeps {
  /** Where pay orders and their payments live. */
  orders: OrderStore;
  clock: Clock;
  adapters: PaymentAdapters;
  log: Logger;
  /** Where the provider's page sends the shopper back to. */
  returnUrlOf: (payOrderId: string) => string;
}

/** `:payOrderId` in paths: a 19-digit order number. */
export const payOrderIdParam = z.object({ payOrderId: z.string().regex(/^\d{19}$/, "is not a pay order number") });

export const payBody = z
  .object({
    method: z.enum(PAYMENT_PROVIDERS).describe("The payment provider: `sandbox` locally, `stripe` in production"),
  })
  .strict();

export const paymentStartedSchema = z.object({
  paymentId: z.string(),
  payOrderId: z.string(),
  provider: z.enum(PAYMENT_PROVIDERS),
  status: z.literal("PENDING"),
  amount: moneySchema,
  redirectUrl: z.string().describe("The provider's hosted payment page: send the shopper there"),
});
export type PaymentStarted = z.infer<typeof paymentStartedSchema>;

/** The provider's idempotency key for creating payment `id`: a retry never makes a second one. */
export const providerKeyOf = (paymentId: string) => `payment:${paymentId}`;

const money = (amount: number, currency: string) => ({ amount, currency: currency as Currency });

function started(row: repo.PaymentRow): PaymentStarted {
  return {
    paymentId: row.id,
    payOrderId: row.payOrderId,
    provider: row.provider as PaymentProvider,
    status: "PENDING",
    amount: money(row.amount, row.currency),
    redirectUrl: row.redirectUrl ?? "",
  };
}

/** Refuses a pay order that cannot take a new payment now, naming why (API.md's codes). */
async function assertPayable(deps: PayDeps, home: OrderHome, state: PayOrderState): Promise<repo.PaymentRow | null> {
  const { payOrder } = state;
  if (["PAID", "PARTIALLY_REFUNDED", "REFUNDED"].includes(payOrder.paymentStatus)) {
    throw new AppError("already_paid", { detail: `Pay order ${payOrder.id} is already paid` });
  }
  if (payOrder.paymentStatus === "PENDING") {
    const live = await repo.livePaymentOf(home.db, payOrder.id);
    // Started by a request that died before the provider answered: resume it, same idempotency key.
    if (live?.status === "CREATING" && live.createdAt < deps.clock.now() - CREATING_STALE_MS) return live;
    throw new AppError("payment_in_progress", {
      detail: `Pay order ${payOrder.id} has a payment in progress; finish it on the provider's page or wait for its result`,
      extensions: live ? { paymentId: live.id } : {},
    });
  }
  // CLOSED (every order cancelled or expired) cannot start: a 409 invalid_transition.
  next("payment", payOrder.paymentStatus, "start");
  if (deps.clock.now() >= payOrder.payBy) {
    throw new AppError("pay_order_expired", {
      detail: `Pay order ${payOrder.id} had to be paid by ${new Date(payOrder.payBy).toISOString()}`,
    });
  }
  const ordersTotal = openOrders(state).reduce((sum, o) => sum + o.amount, 0);
  if (ordersTotal !== payOrder.payAmount) {
    throw new AppError("pay_order_amount_mismatch", {
      detail: `Pay order ${payOrder.id} is for ${payOrder.payAmount} minor units, its open orders for ${ordersTotal}`,
      extensions: { payOrderId: payOrder.id, payAmount: payOrder.payAmount, ordersTotal },
    });
  }
  return null;
}

/** POST /v1/pay-orders/:id/pay for `userId`: a PENDING payment and the provider's page. */
export async function payPayOrder(
  deps: PayDeps,
  input: { userId: string; payOrderId: string; method: PaymentProvider },
): Promise<PaymentStarted> {
  const home = await deps.orders.homeOfOrder(input.payOrderId);
  const state = await loadPayOrder(home.db, input.payOrderId, input.userId);
  if (!state) throw new AppError("not_found", { detail: `No pay order ${input.payOrderId}` });
  const resumed = await assertPayable(deps, home, state);
  const adapter = adapterFor(deps.adapters, resumed ? (resumed.provider as PaymentProvider) : input.method);
  const payment = resumed ?? (await writePayment(deps, home, state, input));
  let created: { providerPaymentId: string; redirectUrl: string };
  try {
    created = await adapter.createPayment({
      paymentId: payment.id,
      payOrderId: payment.payOrderId,
      amount: money(payment.amount, payment.currency),
      returnUrl: deps.returnUrlOf(payment.payOrderId),
      idempotencyKey: providerKeyOf(payment.id),
    });
  } catch (err) {
    await failCreation(deps, home, payment, err);
    throw err;
  }
  const now = deps.clock.now();
  try {
    await home.batch([
      ...repo.movePaymentStatements(
        home.db,
        payment,
        { status: "PENDING", ...created },
        { opId: newId("operation", now), now },
      ),
    ]);
  } catch (err) {
    // The provider's event overtook us (the shopper paid, or it failed, within this request):
    // the payment has moved on, and the page we answer shows its outcome.
    if (!isAssertionFailure(err)) throw err;
  }
  return started({ ...payment, status: "PENDING", ...created });
}

/** The payment row (CREATING) and the pay order's PENDING, together or not at all. */
async function writePayment(
  deps: PayDeps,
  home: OrderHome,
  state: PayOrderState,
  input: { userId: string; method: PaymentProvider },
): Promise<repo.PaymentRow> {
  const now = deps.clock.now();
  const row: repo.PaymentRow = {
    id: newId("payment", now),
    payOrderId: state.payOrder.id,
    userId: input.userId,
    provider: input.method,
    providerPaymentId: null,
    status: "CREATING",
    amount: state.payOrder.payAmount,
    currency: state.payOrder.currency,
    orders: JSON.stringify(openOrders(state)),
    redirectUrl: null,
    failureCode: null,
    version: 1,
    lastOpId: null,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await home.batch([
      repo.insertPayment(home.db, row),
      ...paymentStartedStatements(home.db, state, {
        opId: newId("operation", now),
        actor: { type: "user", id: input.userId },
        now,
      }),
    ]);
  } catch (err) {
    // Another payment won the race (the one-live index, or the pay order's version moved).
    if (isAssertionFailure(err) || isUniqueViolation(err, "payments")) {
      throw new AppError("payment_in_progress", { detail: `Pay order ${state.payOrder.id} has a payment in progress` });
    }
    throw err;
  }
  return row;
}

/** The provider refused or failed: the payment is FAILED and the pay order free for another try. */
async function failCreation(deps: PayDeps, home: OrderHome, payment: repo.PaymentRow, cause: unknown): Promise<void> {
  const now = deps.clock.now();
  const opId = newId("operation", now);
  try {
    const state = await loadPayOrder(home.db, payment.payOrderId);
    await home.batch([
      ...repo.movePaymentStatements(
        home.db,
        payment,
        { status: "FAILED", failureCode: "provider_error" },
        { opId, now },
      ),
      ...(state
        ? paymentFailedStatements(home.db, state, { opId, actor: { type: "payment", id: payment.id }, now })
        : []),
    ]);
  } catch (err) {
    // It stays CREATING; the shopper's next try resumes it after CREATING_STALE_MS.
    deps.log.warn("failed payment creation not recorded", { paymentId: payment.id, ...errorFields(err) });
  }
  deps.log.warn("payment provider refused a payment", { paymentId: payment.id, ...errorFields(cause) });
}
