/** Each line's content-addressed snapshot (written with the orders). */

import type { Step } from "../saga";
import { snapshotOf } from "../snapshots";
import { need, type OrderContext, type OrderDeps } from "./context";

export function snapshotLinesStep(_deps: OrderDeps): Step<OrderContext> {
  return {
    name: "snapshot_lines",
    async run(ctx) {
      const lines = need(ctx.quote, "the quote").orders.flatMap((o) => o.lines);
      const snapshots = await Promise.all(lines.map((l) => snapshotOf(l.fact)));
      ctx.snapshots = new Map(snapshots.map((s) => [s.skuId, s]));
    },
  };
}
