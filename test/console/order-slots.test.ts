/**
 * The console's Order slots page as a signed-in operator: the slots per shard, a move of a
 * shopper's slot (its order then read from the new shard), the purge refused while isolates may
 * still route by their cached table, a bad slot refused naming the field; sellers refused the page.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { slotOfUser } from "../../shared/orders/order-store";
import { consoleBrowser } from "../helpers/console";
import { call } from "../helpers/http";
import { newShopper, placeOrder, skuOnSale } from "../helpers/orders";
import { shardsHolding, slotsAllOnShardZero } from "../helpers/shards";

async function signedIn(username: string, password: string) {
  const browser = consoleBrowser();
  const res = await browser.signIn(username, password);
  expect(res.status, await res.clone().text()).toBe(303);
  return browser;
}

// These tests read and change the slot table itself: they start from the default (every slot on shard 0).
beforeAll(slotsAllOnShardZero);

describe("console order slots", () => {
  it("shows where the slots live and moves a shopper's slot, its order readable from the new shard", async () => {
    const operator = await signedIn("admin", "admin-dev-password");
    const before = await operator.get("/console/order-slots");
    expect(before.status).toBe(200);
    const page = await before.text();
    expect(page).toContain("1000 slots over 3 shards");
    expect(page).toMatch(/data-testid="shard-slots-0">1000</);
    expect(page).toContain('aria-current="page"');

    const shopper = await newShopper();
    const { skuId } = await skuOnSale();
    const placed = await placeOrder(shopper, { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const orderId = placed.body.orders[0]?.orderId as string;
    const slot = slotOfUser(shopper.id);

    const moved = await operator.post("/console/order-slots/move", { slot: String(slot), toShard: "2" });
    expect(moved.status, await moved.clone().text()).toBe(303);
    const location = moved.headers.get("location") ?? "";
    expect(location).toMatch(new RegExp(`^/console/order-slots\\?notice=moved&slot=${slot}&from=0&to=2&rows=\\d+$`));
    const after = await (await operator.get(location)).text();
    expect(after).toContain(`Slot ${slot} moved from shard 0 to shard 2`);
    expect(after).toMatch(/data-testid="shard-slots-0">999</);
    expect(after).toMatch(/data-testid="shard-slots-2">1</);
    expect(after).toContain(`Purge the old copy of slot ${slot}`);
    expect(await shardsHolding("orders", orderId)).toEqual([0, 2]);
    const read = await call("GET", `/v1/orders/${orderId}`, { token: shopper.token });
    expect(read.status).toBe(200);

    // Seconds after the switch another isolate may still read the old copy: the purge waits.
    const early = await operator.post(`/console/order-slots/${slot}/purge`, {});
    expect(early.status).toBe(409);
    const refused = await early.text();
    expect(refused).toContain('class="problem"');
    expect(refused).toContain("order_slot_purge_too_early");
    expect(await shardsHolding("orders", orderId)).toEqual([0, 2]);

    // The same move again is the API's 409, shown above the page.
    const again = await operator.post("/console/order-slots/move", { slot: String(slot), toShard: "2" });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("order_slot_same_shard");
  });

  it("refuses a slot out of range naming the field, and a link's words are not put on the page", async () => {
    const operator = await signedIn("admin", "admin-dev-password");
    const bad = await operator.post("/console/order-slots/move", { slot: "1000", toShard: "1" });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('class="problem"');
    expect(html).toContain("slot");
    const crafted = await (
      await operator.get("/console/order-slots?notice=moved&slot=Call%20us&from=0&to=1&rows=1")
    ).text();
    expect(crafted).not.toContain("Call us");
    expect(crafted).toContain("Slot ? moved");
  });

  it("is an operator's page", async () => {
    const seller = await signedIn("seller1", "seller-dev-password");
    const refused = await seller.get("/console/order-slots");
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("This requires one of the roles: operator");
  });
});
