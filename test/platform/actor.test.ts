import { describe, expect, it } from "vitest";
import { actorOf, actorText, orderActor, SWEEPER_ACTOR, SYSTEM_ACTOR } from "../../shared/platform/actor";

describe("actor", () => {
  it("is the API key for a key caller and the user otherwise", () => {
    expect(actorOf({ userId: "usr_1", roles: ["seller"], shopId: "shp_1" })).toEqual({ type: "user", id: "usr_1" });
    expect(actorOf({ userId: "usr_1", roles: ["seller"], shopId: "shp_1", apiKeyId: "key_1" })).toEqual({
      type: "api_key",
      id: "key_1",
    });
  });

  // These strings are stored (order status logs, stock holds): they read as they did before the
  // actor type existed, byte for byte.
  it("renders the one-column strings orders and stock holds have always stored", () => {
    expect(actorText({ type: "user", id: "usr_1" })).toBe("user:usr_1");
    expect(actorText(orderActor("saga_1"))).toBe("order:saga_1");
    expect(actorText(SYSTEM_ACTOR)).toBe("system");
    expect(actorText(SWEEPER_ACTOR)).toBe("sweeper");
    expect(actorText({ type: "api_key", id: "key_1" })).toBe("api_key:key_1");
    expect(actorText({ type: "payment", id: "pay_1" })).toBe("payment:pay_1");
    expect(actorText({ type: "refund", id: "rfd_1" })).toBe("refund:rfd_1");
  });

  it("keeps the system actor's id and type as the catalog logs record them", () => {
    expect(SYSTEM_ACTOR).toEqual({ type: "system", id: "system" });
  });
});
