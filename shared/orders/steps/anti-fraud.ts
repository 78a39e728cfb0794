/** Anti-fraud rules: an amount cap, and per-user and per-IP order velocity (Worker vars). */
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
        throw new AppError("unprocessable", {
          detail: `An order may not exceed ${deps.settings.maxPayable} minor units; split the checkout`,
          extensions: { reason: "amount_cap", limit: deps.settings.maxPayable },
        });
      }
      const minute = { windowMs: 60_000 };
      await Promise.all([
        enforceRateLimit(
          deps.rateLimiter,
          `orders:user:${ctx.userId}`,
          { ...minute, limit: deps.settings.userLimitPerMinute },
          ctx.now,
        ),
        enforceRateLimit(
          deps.rateLimiter,
          `orders:ip:${ctx.ip}`,
          { ...minute, limit: deps.settings.ipLimitPerMinute },
          ctx.now,
        ),
      ]);
    },
  };
}
