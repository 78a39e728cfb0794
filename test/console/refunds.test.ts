/**
 * The console's refunds pages as a signed-in seller and operator: a shopper's refund listed by
 * status, approved, its returned goods received as damaged, paid out; one rejected with a reason
 * (none is the API's field error); the same approval submitted twice is answered once, two racing
 * approvals leave one winner and the other the API's 409; another shop's seller never sees it;
 * a refund whose payout failed retried by an operator (sellers are not offered it) or released by
 * its seller.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RefundView } from "../../shared/refunds/refunds-read";
import { newSeller, type Seller } from "../helpers/catalog";
import { consoleBrowser } from "../helpers/console";
import { awaitingShipment, ship, trackingNumber } from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { eventually, settle } from "../helpers/payments";
import { orderRefundState, paidOrder, refunded, refundStatusOf } from "../helpers/refunds";
import { calm, sandbox } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

async function signedIn(user: { username: string; password: string }) {
  const browser = consoleBrowser();
  const res = await browser.signIn(user.username, user.password);
  expect(res.status, await res.clone().text()).toBe(303);
  return browser;
}

/** A seller's own refund of one unit of `order` whose payout the provider fails (FAILED). */
async function failedRefund(order: { orderId: string; seller: Seller }) {
  const itemId = (await orderRefundState(order.orderId)).items[0]?.id ?? "";
  expect((await sandbox("POST", "/chaos", { refunds: "fail" })).status).toBe(200);
  const placed = await call("POST", `/admin/v1/orders/${order.orderId}/refunds`, {
    token: order.seller.token,
    body: { items: [{ orderItemId: itemId, quantity: 1 }], reason: "运输破损补偿" },
    headers: { "idempotency-key": crypto.randomUUID() },
  }).then(json<RefundView>);
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  await settle();
  await eventually(
    () => refundStatusOf(placed.body.refundId),
    (s) => s === "FAILED",
    "payout failed",
  );
  await calm();
  return { refundId: placed.body.refundId, href: `/console/refunds/${order.orderId}/${placed.body.refundId}` };
}

/** A paid order of `seller`'s with one unit of it asked back by its shopper (REQUESTED). */
async function requestedRefund(seller: Seller, returnGoods: boolean) {
  const order = await paidOrder({ seller, stock: 5, quantity: 2 });
  const { items } = await orderRefundState(order.orderId);
  const asked = await call("POST", `/v1/orders/${order.orderId}/refunds`, {
    token: order.shopper.token,
    body: { items: [{ orderItemId: items[0]?.id ?? "", quantity: 1 }], reason: "尺码不合适", returnGoods },
    headers: { "idempotency-key": crypto.randomUUID() },
  }).then(json<RefundView>);
  expect(asked.status, JSON.stringify(asked.body)).toBe(201);
  return { order, refund: asked.body, href: `/console/refunds/${order.orderId}/${asked.body.refundId}` };
}

describe("console refunds", () => {
  it("lists a requested refund, approves it, receives the goods as damaged and shows it paid out", async () => {
    const seller = await newSeller();
    const { refund, href } = await requestedRefund(seller, true);
    const browser = await signedIn(seller);

    const requested = await (await browser.get("/console/refunds?status=REQUESTED")).text();
    expect(requested).toContain(refund.refundId);
    expect(requested).toContain("尺码不合适");
    expect(await (await browser.get("/console/refunds?status=REFUNDED")).text()).not.toContain(refund.refundId);

    const page = await (await browser.get(href)).text();
    expect(page).toContain("Approve refund");
    expect(page).toContain("Reject refund");
    expect(page).not.toContain("Goods received");

    const approved = await browser.post(`${href}/approve`, {
      note: "请寄回原包装",
      idempotencyKey: crypto.randomUUID(),
    });
    expect(approved.status, await approved.clone().text()).toBe(303);
    expect(approved.headers.get("location")).toBe(`${href}?notice=approved`);
    const awaiting = await (await browser.get(`${href}?notice=approved`)).text();
    expect(awaiting).toContain("Refund approved.");
    expect(awaiting).toContain("AWAITING RETURN");
    expect(awaiting).toContain("请寄回原包装");
    expect(awaiting).toContain("Goods received");
    expect(awaiting).not.toContain("Approve refund");

    const received = await browser.post(`${href}/receive`, { condition: "damaged" });
    expect(received.status, await received.clone().text()).toBe(303);
    await refunded(refund.refundId);
    const done = await (await browser.get(href)).text();
    expect(done).toContain("REFUNDED");
    expect(done).toMatch(/Goods received<\/dt><dd>damaged/);
    expect(done).not.toContain("Goods received</button>");
  });

  it("rejects with the reason, and without one shows the API's field error", async () => {
    const seller = await newSeller();
    const { refund, href } = await requestedRefund(seller, false);
    const browser = await signedIn(seller);

    const missing = await browser.post(`${href}/reject`, { reason: "" });
    expect(missing.status).toBe(400);
    const problem = await missing.text();
    expect(problem).toContain('class="problem"');
    expect(problem).toContain("<code>reason</code>");
    expect(await refundStatusOf(refund.refundId)).toBe("REQUESTED");

    const rejected = await browser.post(`${href}/reject`, { reason: "商品已使用" });
    expect(rejected.status, await rejected.clone().text()).toBe(303);
    const page = await (await browser.get(`${href}?notice=rejected`)).text();
    expect(page).toContain("Refund rejected.");
    expect(page).toContain("REJECTED");
    expect(page).toContain("商品已使用");
    expect(await refundStatusOf(refund.refundId)).toBe("REJECTED");
  });

  it("answers an approval sent twice as the first, and two racing approvals with one winner", async () => {
    const seller = await newSeller();
    const browser = await signedIn(seller);

    const twice = await requestedRefund(seller, true);
    const key = crypto.randomUUID();
    const first = await browser.post(`${twice.href}/approve`, { idempotencyKey: key });
    const again = await browser.post(`${twice.href}/approve`, { idempotencyKey: key });
    expect([first.status, again.status]).toEqual([303, 303]);
    expect(await refundStatusOf(twice.refund.refundId)).toBe("AWAITING_RETURN");

    const raced = await requestedRefund(seller, true);
    const answers = await Promise.all(
      [0, 1, 2].map(() => browser.post(`${raced.href}/approve`, { idempotencyKey: crypto.randomUUID() })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([303, 409, 409]);
    const losers = await Promise.all(answers.filter((a) => a.status === 409).map((a) => a.text()));
    for (const html of losers) expect(html).toContain("invalid_transition");
    expect(await refundStatusOf(raced.refund.refundId)).toBe("AWAITING_RETURN");
  });

  it("keeps a refund to its shop's seller, and shows operators every shop's", async () => {
    const seller = await newSeller();
    const { refund, href } = await requestedRefund(seller, false);
    const other = await signedIn(await newSeller());
    expect(await (await other.get("/console/refunds")).text()).not.toContain(refund.refundId);
    const hidden = await other.get(href);
    expect(hidden.status).toBe(404);
    const refused = await other.post(`${href}/approve`, {});
    expect(refused.status).toBe(404);
    expect(await refundStatusOf(refund.refundId)).toBe("REQUESTED");

    const operator = await signedIn({ username: "admin", password: "admin-dev-password" });
    expect(await (await operator.get("/console/refunds?status=REQUESTED")).text()).toContain(refund.refundId);
    expect((await operator.get(href)).status).toBe(200);
  });

  it("offers an operator the retry of a failed payout, and the seller only releasing it", async () => {
    const order = await paidOrder({ stock: 5, quantity: 2 });
    const { refundId, href } = await failedRefund(order);
    const seller = await signedIn(order.seller);
    const sellerPage = await (await seller.get(href)).text();
    expect(sellerPage).toContain("The payout failed");
    expect(sellerPage).toContain("Release refund");
    expect(sellerPage).not.toContain("Retry payout");
    // The form is not offered, and the API refuses it anyway.
    const refused = await seller.post(`${href}/retry`, { idempotencyKey: crypto.randomUUID() });
    expect(refused.status).toBe(403);
    expect(await refundStatusOf(refundId)).toBe("FAILED");

    const operator = await signedIn({ username: "admin", password: "admin-dev-password" });
    expect(await (await operator.get(href)).text()).toContain("Retry payout");
    const retried = await operator.post(`${href}/retry`, { note: "重新退款", idempotencyKey: crypto.randomUUID() });
    expect(retried.status, await retried.clone().text()).toBe(303);
    expect(retried.headers.get("location")).toBe(`${href}?notice=retried`);
    const after = await (await operator.get(`${href}?notice=retried`)).text();
    expect(after).toContain("Payout retried");
    expect(after).not.toContain("The payout failed");
    await refunded(refundId);
  });

  it("releases a failed refund for its seller: REJECTED, its unit free to be asked for again", async () => {
    const order = await awaitingShipment({ stock: 5, quantity: 2 });
    const shipped = await ship(order.seller.token, order.orderId, {
      carrier: "sf-express",
      trackingNumber: trackingNumber(),
    });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    const { refundId, href } = await failedRefund(order);
    const seller = await signedIn(order.seller);
    const released = await seller.post(`${href}/release`, {
      note: "请重新申请",
      idempotencyKey: crypto.randomUUID(),
    });
    expect(released.status, await released.clone().text()).toBe(303);
    const page = await (await seller.get(released.headers.get("location") ?? "")).text();
    expect(page).toContain("Refund released");
    expect(page).toContain("REJECTED");
    expect(page).toContain("请重新申请");
    expect(page).not.toContain("Release refund");
    expect(await refundStatusOf(refundId)).toBe("REJECTED");
    expect((await orderRefundState(order.orderId)).items[0]).toMatchObject({ heldQuantity: 0 });
  });
});
