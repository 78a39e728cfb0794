import { describe, expect, it } from "vitest";
import { allTransitions, INITIAL, MACHINES, next, target } from "../../shared/orders/state-machine";

describe("the order state machines", () => {
  it("allows the transitions of SPEC §4.2", () => {
    expect(next("order", "CREATED", "pay")).toBe("PAID");
    expect(next("order", "CREATED", "cancel")).toBe("CANCELLED");
    expect(next("order", "PAID", "cancel_refunded")).toBe("CANCELLED");
    expect(next("order", "DELIVERED", "complete")).toBe("COMPLETED");
    expect(next("payment", "UNPAID", "start")).toBe("PENDING");
    expect(next("payment", "PENDING", "succeed")).toBe("PAID");
    expect(next("payment", "PAID", "refund_part")).toBe("PARTIALLY_REFUNDED");
    expect(next("payment", "PARTIALLY_REFUNDED", "refund_all")).toBe("REFUNDED");
    expect(next("fulfillment", "SHIPPED", "deliver")).toBe("DELIVERED");
    expect(next("refund", "REQUESTED", "approve")).toBe("APPROVED");
    expect(next("refund", "PROCESSING", "succeed")).toBe("REFUNDED");
    expect(next("shipment", "IN_TRANSIT", "deliver")).toBe("DELIVERED");
    expect(target("shipment", "DELIVERED", "transit")).toBeNull();
    expect(INITIAL).toEqual({
      order: "CREATED",
      payment: "UNPAID",
      fulfillment: "NONE",
      refund: "NONE",
      shipment: "PENDING",
    });
  });

  it("refuses everything else with a 409 naming the current state", () => {
    expect(() => next("order", "PAID", "cancel")).toThrow(
      expect.objectContaining({
        code: "invalid_transition",
        extensions: expect.objectContaining({ currentStatus: "PAID" }),
      }),
    );
    expect(target("order", "COMPLETED", "cancel")).toBeNull();
    expect(target("payment", "REFUNDED", "succeed")).toBeNull();
    expect(target("order", "NO_SUCH_STATE", "pay")).toBeNull();
  });

  it("only leads to states each machine knows, and every state is reachable from the initial one", () => {
    for (const machine of Object.keys(MACHINES) as (keyof typeof MACHINES)[]) {
      const states = new Set(Object.keys(MACHINES[machine]));
      const edges = allTransitions().filter((t) => t.machine === machine);
      for (const edge of edges)
        expect(states.has(edge.to), `${machine} ${edge.from} -${edge.event}-> ${edge.to}`).toBe(true);
      const seen = new Set<string>([INITIAL[machine]]);
      let grew = true;
      while (grew) {
        grew = false;
        for (const e of edges) {
          if (seen.has(e.from) && !seen.has(e.to)) {
            seen.add(e.to);
            grew = true;
          }
        }
      }
      expect(
        [...states].filter((s) => !seen.has(s)),
        machine,
      ).toEqual([]);
    }
  });
});
