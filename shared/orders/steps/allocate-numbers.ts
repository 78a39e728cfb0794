/** The pay order's and each order's number, from the user's order-number machine. */
import { allocateOrderNumbers } from "../order-numbers";
import type { Step } from "../saga";
import { need, type OrderContext, type OrderDeps } from "./context";

export function allocateNumbersStep(deps: OrderDeps): Step<OrderContext> {
  return {
    name: "allocate_numbers",
    async run(ctx) {
      const count = need(ctx.quote, "the quote").orders.length + 1;
      const [payOrderId, ...orderIds] = await allocateOrderNumbers(
        deps.orderNumbers,
        ctx.userId,
        count,
        ctx.now,
        deps.settings.numberMachines,
      );
      ctx.numbers = { payOrderId: need(payOrderId, "the pay order number"), orderIds };
    },
  };
}
