/**
 * Anti-fraud rules (Worker vars): an amount cap, a cap on the units one shopper holds in unpaid
 * orders, and per-user and per-IP order velocity. All run before any stock is held.
 */
import type { Quote } from "../../checkout/pricing";
import { AppError } from "../../platform/errors";
import { enforceRateLimit } from "../../platform/rate-limit";
import type { Step } from "../saga";
import { need, type OrderContext, type OrderDeps } from "./context";

export function antiFraudStep(deps: OrderDeps): Step<OrderContext> {
  return {
    name: "anti_fraud",
    async run(ctx) {
      const quote = need(ctx.quote, "the quote");
      if (quote.payable > deps.settings.maxPayable) {
        throw new AppError("amount_cap", {
          detail: `This checkout pays ${quote.payable} minor units; one may pay at most ${deps.settings.maxPayable}: split it`,
          extensions: { limit: deps.settings.maxPayable, payable: quote.payable },
        });
      }
      assertWithinHoldLimit(need(ctx.heldUnits, "the held units"), quote, deps.settings.heldUnitsLimit);
      const minute = { windowMs: 60_000 };
      await Promise.all([
        enforceRateLimit(
          deps.rateLimiter,
          `orders:user:${ctx.userId}`,
          { ...minute, limit: deps.settings.userLimitPerMinute, name: "orders-user" },
          ctx.now,
        ),
        enforceRateLimit(
          deps.rateLimiter,
          `orders:ip:${ctx.ip}`,
          { ...minute, limit: deps.settings.ipLimitPerMinute, name: "orders-ip" },
          ctx.now,
        ),
      ]);
    },
  };
}

/**
 * Refuses an order that would take the shopper's units in unpaid orders past `limit` (409
 * `hold_limit_reached`, naming the limit and what is held). The count comes from D1 (orders still
 * CREATED), so paying, cancelling or timing out frees the allowance with no bookkeeping of its
 * own; orders of one shopper in flight at the same instant are not counted against each other,
 * which the per-user velocity limit bounds.
 */
export function assertWithinHoldLimit(held: number, quote: Quote, limit: number): void {
  const units = quote.orders.reduce((acc, o) => acc + o.lines.reduce((n, l) => n + l.quantity, 0), 0);
  if (held + units <= limit) return;
  throw new AppError("hold_limit_reached", {
    detail: `A shopper may hold at most ${limit} units in unpaid orders; ${held} are held and this order adds ${units}. Pay or cancel an order first.`,
    extensions: { limit, held, requested: units },
  });
}
