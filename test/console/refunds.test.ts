/**
 * The console's refunds pages as a signed-in seller and operator: a shopper's refund listed by
 * status, approved, its returned goods received as damaged, paid out; one rejected with a reason
 * (none is the API's field error); the same approval submitted twice is answered once, two racing
 * approvals leave one winner and the other the API's 409; another shop's seller never sees it.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RefundView } from "../../shared/refunds/refunds-read";
import { newSeller, type Seller } from "../helpers/catalog";
import { consoleBrowser } from "../helpers/console";
import { call, json } from "../helpers/http";
import { settle } from "../helpers/payments";
import { orderRefundState, paidOrder, refunded, refundStatusOf } from "../helpers/refunds";
import { calm } from "../helpers/sandbox";

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
});
