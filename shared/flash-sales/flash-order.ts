/**
 * Ordering with a purchase token (`POST /v1/orders` `{purchaseToken, addressId}`): the order saga
 * of shared/orders/create-order.ts with three flash-sale parts.
 *
 * - `flash_price` (after begin_saga read the promotions): the line is priced at the campaign's
 *   flash price, and no voucher, threshold discount or coins apply to it.
 * - reserve_stock takes the units out of the campaign's carve-out (`reserveFlashUnits`, a split
 *   hold in the SKU object) instead of the SKU's available stock: the carved units are sold once,
 *   and a release of the order's hold (cancel, timeout, compensation, sweeper) gives them back to
 *   the campaign while it is held, to available stock after it settled.
 * - `redeem_admission` (after allocate_numbers, before the order is written) redeems the admission
 *   in the quota exactly once; its compensation releases the admission.
 *
 * Exactly once per token: the saga's quote id is `flash:<campaignId>:<admissionId>`, unique among
 * sagas (begin_saga), so a second order with the same token is 409 `purchase_token_used` while the
 * same Idempotency-Key replays the first order. An unpaid order cancelled later gives the admission
 * back to the quota (`releaseCancelledFlashAdmission`, from the order.cancelled consumer).
 */
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import type { Reservation } from "../inventory/schemas";
import { quoteIdOfOrder } from "../orders/order-origin";
import type { OrderStore } from "../orders/order-store";
import type { Step } from "../orders/saga";
import { need, type OrderContext, type OrderDeps, type PlannedReservation } from "../orders/steps/context";
import { AppError } from "../platform/errors";
import type { Logger } from "../platform/logger";
import { currencySchema } from "../platform/money";
import { carveIdOf } from "./campaigns";
import type { FlashQuota } from "./quota";
import { admissionLapsed, type PurchaseClaims } from "./tokens";

const PREFIX = "flash:";

/** The quote id a flash-sale order's saga carries: one per admission. */
export function flashQuoteId(claims: Pick<PurchaseClaims, "campaignId" | "admissionId">): string {
  return `${PREFIX}${claims.campaignId}:${claims.admissionId}`;
}

/** The campaign and admission a saga's quote id names, when it is a flash-sale order's. */
export function admissionOfQuoteId(quoteId: string | null): { campaignId: string; admissionId: string } | null {
  if (!quoteId?.startsWith(PREFIX)) return null;
  const rest = quoteId.slice(PREFIX.length);
  const cut = rest.indexOf(":");
  if (cut <= 0) return null;
  return { campaignId: rest.slice(0, cut), admissionId: rest.slice(cut + 1) };
}

/** Prices the flash line at the campaign's price, with no promotions (a flash price stacks with nothing). */
export function flashPriceStep(_deps: OrderDeps): Step<OrderContext> {
  return {
    name: "flash_price",
    async run(ctx) {
      const flash = ctx.flash;
      if (!flash) return;
      const facts = need(ctx.facts, "the facts");
      const fact = facts.skus.get(flash.skuId);
      if (fact)
        facts.skus.set(flash.skuId, {
          ...fact,
          price: { amount: flash.price.amount, currency: currencySchema.parse(flash.price.currency) },
        });
      const promotions = need(ctx.promotions, "the promotions");
      ctx.promotions = { ...promotions, vouchers: [], thresholds: [], coinsRequested: 0 };
    },
  };
}

/**
 * Holds the order's units by splitting them out of the campaign's carve-out. A carve-out already
 * released (the campaign settled) is 409 `admission_lapsed`; one short of units (the quota and the
 * carve-out out of step, which their shared accounting should prevent) is 409 `sold_out`.
 */
export async function reserveFlashUnits(
  inventory: DurableObjectNamespace<SkuInventory>,
  flash: PurchaseClaims,
  hold: PlannedReservation,
  how: { ttlMs: number; actor: string; at: number },
): Promise<Reservation> {
  const result = await inventory.getByName(hold.skuId).splitHold({
    skuId: hold.skuId,
    parentReservationId: carveIdOf(flash.campaignId),
    reservationId: hold.reservationId,
    quantity: hold.quantity,
    ...how,
  });
  if (result.ok) return result.reservation;
  if (result.code === "insufficient_stock") {
    throw new AppError("sold_out", {
      detail: `Flash sale ${flash.campaignId} holds ${result.held} units; the admission needs ${hold.quantity}`,
    });
  }
  throw admissionLapsed();
}

/** Redeems the admission (exactly once per admission id); its compensation gives the admission back. */
export function redeemAdmissionStep(deps: OrderDeps): Step<OrderContext> {
  return {
    name: "redeem_admission",
    async run(ctx) {
      const flash = ctx.flash;
      if (!flash) return;
      const orderId = need(ctx.numbers, "the order numbers").orderIds[0];
      if (!orderId) throw new Error("a flash-sale order has no order number");
      const quota = need(deps.flashQuota, "the flash-sale quota");
      const outcome = await quota.redeem({
        campaignId: flash.campaignId,
        admissionId: flash.admissionId,
        userId: flash.userId,
        orderId,
        now: ctx.now,
        buckets: flash.buckets,
      });
      if (outcome.status === "lapsed") throw admissionLapsed();
      if (outcome.status === "already_sold" && outcome.orderId !== orderId) {
        throw new AppError("purchase_token_used", {
          detail: `This purchase token was already used for order ${outcome.orderId}`,
          extensions: { orderId: outcome.orderId },
        });
      }
    },
    async compensate(ctx) {
      const flash = ctx.flash;
      if (!flash) return;
      await need(deps.flashQuota, "the flash-sale quota").release({
        campaignId: flash.campaignId,
        admissionId: flash.admissionId,
        userId: flash.userId,
        buckets: flash.buckets,
      });
    },
  };
}

/**
 * A cancelled flash-sale order gives its admission back to the quota (idempotent; the SKU object
 * already returned its units to the campaign's carve-out, or to available stock once it settled).
 */
export async function releaseCancelledFlashAdmission(
  deps: { orders: OrderStore; flashQuota?: FlashQuota | undefined; log?: Logger },
  orderId: string,
): Promise<void> {
  const origin = await quoteIdOfOrder(deps.orders, orderId);
  const admission = admissionOfQuoteId(origin?.quoteId ?? null);
  if (!origin || !admission) return;
  if (!deps.flashQuota) throw new Error("the flash-sale quota is not bound here");
  await deps.flashQuota.release({ ...admission, userId: origin.userId });
}
