/**
 * Refunds end to end through the router (issue #14): a shopper's request for some units, the
 * seller's decision, the goods coming back (sellable to stock, damaged written off), the payout
 * through the sandbox provider and its refund.updated webhook, the order's payment status, the
 * ledger; races for the last unit, and another shop's seller kept out.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { RefundView } from "../../shared/refunds/refunds-read";
import { newSeller } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { orderD1 } from "../helpers/order-d1";
import { newShopper, stockOf } from "../helpers/orders";
import { ledgerOf, settle, transitionsOf } from "../helpers/payments";
import { newThreshold, newVoucher } from "../helpers/promotions";
import { orderRefundState, paidOrder, refunded, refundOf } from "../helpers/refunds";
import { calm, sandbox } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

type Answer = RefundView & { code?: string; detail?: string };

function askRefund(token: string, orderId: string, body: object, idempotencyKey = crypto.randomUUID()) {
  return call("POST", `/v1/orders/${orderId}/refunds`, {
    token,
    body,
    headers: { "idempotency-key": idempotencyKey },
  }).then(json<Answer>);
}

function admin(token: string, path: string, body: object = {}) {
  return call("POST", `/admin/v1${path}`, { token, body, headers: { "idempotency-key": crypto.randomUUID() } }).then(
    json<Answer>,
  );
}

/** The order's only item id. */
async function itemOf(orderId: string): Promise<string> {
  const { items } = await orderRefundState(orderId);
  return items[0]?.id ?? "";
}

/** The sum of every ledger entry about these refs (each transaction sums to zero, so must they). */
async function ledgerSum(refs: string[]): Promise<{ sum: number; transactions: number }> {
  let sum = 0;
  let transactions = 0;
  for (const ref of refs) {
    for (const t of await ledgerOf(ref)) {
      sum += t.sum;
      transactions += 1;
    }
  }
  return { sum, transactions };
}

describe("a partial refund with a discount", () => {
  it("returns exactly the allocated amount for 1 unit of 3, then the rest with shipping; the order ends REFUNDED and the ledger balances", async () => {
    // 3 × 10.00 = 30.00 of goods (under the free-shipping threshold) and the shop's 满减 "spend
    // 30.00, 1.00 off", created through the admin API and applied at checkout: the item paid 29.00,
    // 9.66⅔ a unit.
    const seller = await newSeller();
    await newThreshold(seller, [[30, 1]]);
    const order = await paidOrder({ seller, stock: 5, quantity: 3, price: 10 });
    const itemId = await itemOf(order.orderId);
    const before = await orderRefundState(order.orderId);
    expect(before.items[0]).toMatchObject({ quantity: 3, paidAmount: 2_900 });
    const shipping = order.payable - 2_900;
    expect(shipping).toBeGreaterThan(0);

    const asked = await askRefund(order.shopper.token, order.orderId, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "买多了",
      returnGoods: false,
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    // 2,900 / 3 = 966 r 2: the first units refunded carry the odd minor units.
    expect(asked.body).toMatchObject({
      status: "REQUESTED",
      amount: { amount: 967, currency: "CNY" },
      shippingAmount: { amount: 0 },
      items: [{ orderItemId: itemId, quantity: 1, amount: { amount: 967 } }],
    });
    const approved = await admin(order.seller.token, `/refunds/${asked.body.refundId}/approve`, { note: "同意" });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ status: "PROCESSING", note: "同意" });
    await refunded(asked.body.refundId);
    expect((await orderRefundState(order.orderId)).paymentStatus).toBe("PARTIALLY_REFUNDED");

    // The seller refunds the other two units: what is left of the item, and the shipping with it.
    const rest = await admin(order.seller.token, `/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 2 }],
      reason: "缺货",
    });
    expect(rest.status, JSON.stringify(rest.body)).toBe(201);
    expect(rest.body).toMatchObject({
      status: "PROCESSING",
      amount: { amount: 1_933 + shipping },
      shippingAmount: { amount: shipping },
      items: [{ quantity: 2, amount: { amount: 1_933 } }],
    });
    await refunded(rest.body.refundId);
    const after = await orderRefundState(order.orderId);
    expect(after.paymentStatus).toBe("REFUNDED");
    expect(after.items[0]).toMatchObject({ heldQuantity: 3, heldAmount: 2_900 });
    expect(asked.body.amount.amount + rest.body.amount.amount).toBe(order.payable);

    // Nothing is left: a further request is refused, naming what is left.
    const more = await askRefund(order.shopper.token, order.orderId, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "again",
    });
    expect(more.status, JSON.stringify(more.body)).toBe(409);
    expect(more.body).toMatchObject({ code: "refund_exceeds_paid" });

    // Money in and out again: the pay order's capture and both refunds' postings net to zero.
    const ledger = await ledgerSum([order.payOrderId, asked.body.refundId, rest.body.refundId]);
    expect(ledger).toEqual({ sum: 0, transactions: 5 });
    const escrow = await env.DB.prepare(
      `select sum(e.amount) as net from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
        where t.ref in (?, ?, ?) and e.account like 'platform_escrow%'`,
    )
      .bind(order.payOrderId, asked.body.refundId, rest.body.refundId)
      .first<{ net: number }>();
    expect(escrow?.net).toBe(0);
    expect(await transitionsOf(order.orderId)).toMatchObject({
      "payment_status:PARTIALLY_REFUNDED": 1,
      "payment_status:REFUNDED": 1,
    });
    expect(await transitionsOf(asked.body.refundId)).toEqual({
      "status:REQUESTED": 1,
      "status:APPROVED": 1,
      "status:PROCESSING": 1,
      "status:REFUNDED": 1,
    });

    // Both refunds show in the shopper's order view and list, and in the seller's.
    const view = await json<{ refunds: Answer[] }>(
      await call("GET", `/v1/orders/${order.orderId}`, { token: order.shopper.token }),
    );
    expect(view.body.refunds.map((r) => [r.refundId, r.status])).toEqual([
      [asked.body.refundId, "REFUNDED"],
      [rest.body.refundId, "REFUNDED"],
    ]);
    const listed = await json<{ items: Answer[] }>(
      await call("GET", `/v1/orders/${order.orderId}/refunds`, { token: order.shopper.token }),
    );
    expect(listed.body.items.map((r) => r.refundId)).toEqual([asked.body.refundId, rest.body.refundId]);
    const sellerView = await json<{ refunds: Answer[] }>(
      await call("GET", `/admin/v1/orders/${order.orderId}`, { token: order.seller.token }),
    );
    expect(sellerView.body.refunds).toHaveLength(2);
  });
});

describe("holding units", () => {
  it("accepts exactly one of six concurrent requests for the last unit", async () => {
    const order = await paidOrder({ stock: 5, quantity: 2 });
    const itemId = await itemOf(order.orderId);
    const first = await askRefund(order.shopper.token, order.orderId, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "one",
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        askRefund(order.shopper.token, order.orderId, {
          items: [{ orderItemId: itemId, quantity: 1 }],
          reason: `last ${i}`,
        }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses, JSON.stringify(answers.map((a) => a.body))).toEqual([201, 409, 409, 409, 409, 409]);
    for (const lost of answers.filter((a) => a.status === 409)) {
      expect(lost.body).toMatchObject({ code: "refund_exceeds_paid" });
    }
    const rows = await (await orderD1(order.orderId))
      .prepare("select count(*) as n, sum(amount) as total from refunds where order_id = ?")
      .bind(order.orderId)
      .first<{ n: number; total: number }>();
    // The two refunds together: the item and the shipping, not a minor unit more.
    expect(rows).toEqual({ n: 2, total: order.payable });
    expect((await orderRefundState(order.orderId)).items[0]).toMatchObject({ heldQuantity: 2 });
  });

  it("gives a rejected refund's units back, and a retried request (same Idempotency-Key) holds nothing twice", async () => {
    const order = await paidOrder({ stock: 5, quantity: 1 });
    const itemId = await itemOf(order.orderId);
    const body = { items: [{ orderItemId: itemId, quantity: 1 }], reason: "不想要了", returnGoods: true };
    const key = crypto.randomUUID();
    const [asked, replayed] = [
      await askRefund(order.shopper.token, order.orderId, body, key),
      await askRefund(order.shopper.token, order.orderId, body, key),
    ];
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect(replayed.body.refundId).toBe(asked.body.refundId);
    const rejected = await admin(order.seller.token, `/refunds/${asked.body.refundId}/reject`, {
      reason: "已超过退货期",
    });
    expect(rejected.body).toMatchObject({ status: "REJECTED", note: "已超过退货期" });
    expect((await orderRefundState(order.orderId)).items[0]).toMatchObject({ heldQuantity: 0, heldAmount: 0 });
    // A rejected refund cannot be approved after all.
    const late = await admin(order.seller.token, `/refunds/${asked.body.refundId}/approve`);
    expect(late.body).toMatchObject({ status: 409, code: "invalid_transition" });
    const again = await askRefund(order.shopper.token, order.orderId, body);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.amount).toEqual(asked.body.amount);
  });

  it("refuses a refund of units the discounts made free (nothing to pay back) and still refunds the last one with shipping", async () => {
    // Two units at 10.00 and a shop voucher of 20.00 off, created through the admin API and applied
    // at checkout: the goods were free, only shipping was paid.
    const seller = await newSeller();
    const voucher = await newVoucher({ value: { amount: 2_000, currency: "CNY" } }, seller);
    const order = await paidOrder({ seller, stock: 5, quantity: 2, price: 10, voucherCode: voucher.code });
    const itemId = await itemOf(order.orderId);
    const free = await askRefund(order.shopper.token, order.orderId, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "x",
    });
    expect(free.body).toMatchObject({ status: 409, code: "refund_exceeds_paid" });
    const all = await askRefund(order.shopper.token, order.orderId, {
      items: [{ orderItemId: itemId, quantity: 2 }],
      reason: "x",
    });
    expect(all.status, JSON.stringify(all.body)).toBe(201);
    expect(all.body).toMatchObject({ amount: { amount: order.payable }, shippingAmount: { amount: order.payable } });
  });

  it("refuses a refund before payment (invalid_transition) and an item of another order (404)", async () => {
    const order = await paidOrder({ stock: 5, quantity: 1 });
    const other = await paidOrder({ stock: 5, quantity: 1 });
    const foreign = await askRefund(order.shopper.token, order.orderId, {
      items: [{ orderItemId: await itemOf(other.orderId), quantity: 1 }],
      reason: "x",
    });
    expect(foreign.body).toMatchObject({ status: 404, code: "not_found" });
    const unpaid = await json<{ orders: { orderId: string }[] }>(
      await call("POST", "/v1/orders", {
        token: order.shopper.token,
        body: { items: [{ skuId: order.skuId, quantity: 1 }], addressId: order.shopper.addressId },
      }),
    );
    const unpaidId = unpaid.body.orders[0]?.orderId ?? "";
    const early = await askRefund(order.shopper.token, unpaidId, {
      items: [{ orderItemId: await itemOf(unpaidId), quantity: 1 }],
      reason: "x",
    });
    expect(early.body).toMatchObject({ status: 409, code: "invalid_transition" });
  });
});

describe("deciding at once", () => {
  it("approves a refund once when five approvals race: one answer, one refund_owed posting, one payout", async () => {
    const order = await paidOrder({ stock: 5, quantity: 1 });
    const asked = await askRefund(order.shopper.token, order.orderId, {
      items: [{ orderItemId: await itemOf(order.orderId), quantity: 1 }],
      reason: "不想要了",
    });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => admin(order.seller.token, `/refunds/${asked.body.refundId}/approve`)),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses, JSON.stringify(answers.map((a) => a.body))).toEqual([200, 409, 409, 409, 409]);
    for (const lost of answers.filter((a) => a.status === 409)) {
      expect(["version_conflict", "invalid_transition"]).toContain(lost.body.code);
    }
    await refunded(asked.body.refundId);
    expect((await ledgerOf(asked.body.refundId)).map((t) => t.kind)).toEqual(["refund_owed", "refund_paid"]);
    expect(await transitionsOf(asked.body.refundId)).toEqual({
      "status:REQUESTED": 1,
      "status:APPROVED": 1,
      "status:PROCESSING": 1,
      "status:REFUNDED": 1,
    });
  });
});

describe("returning goods", () => {
  async function returned(condition: "sellable" | "damaged") {
    const order = await paidOrder({ stock: 4, quantity: 2 });
    const itemId = await itemOf(order.orderId);
    const asked = await askRefund(order.shopper.token, order.orderId, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "尺码不合适",
      returnGoods: true,
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    const approved = await admin(order.seller.token, `/refunds/${asked.body.refundId}/approve`);
    expect(approved.body).toMatchObject({ status: "AWAITING_RETURN" });
    // Nothing moves money or stock before the goods are back.
    expect(await ledgerOf(asked.body.refundId)).toEqual([]);
    const shipped = await call("POST", `/v1/refunds/${asked.body.refundId}/return-shipment`, {
      token: order.shopper.token,
      body: { carrier: "sandbox", trackingNumber: `RET${Date.now()}` },
    }).then(json<Answer>);
    expect(shipped.body).toMatchObject({ status: "RETURN_SHIPPED", returnShipment: { carrier: "sandbox" } });
    const before = (await stockOf(order.seller, order.skuId)).body;
    expect(before).toMatchObject({ available: 2, sold: 2 });
    // Three receipts race (a double-clicked button): one moves the refund, the stock moves once.
    const receipts = await Promise.all(
      Array.from({ length: 3 }, () =>
        admin(order.seller.token, `/refunds/${asked.body.refundId}/receive`, { condition }),
      ),
    );
    const received = receipts.find((r) => r.status === 200) ?? receipts[0];
    expect(receipts.map((r) => r.status).sort(), JSON.stringify(receipts.map((r) => r.body))).toEqual([200, 409, 409]);
    if (!received) throw new Error("no receipt");
    expect(received.body).toMatchObject({ status: "PROCESSING", receivedCondition: condition });
    await refunded(asked.body.refundId);
    return { order, refundId: asked.body.refundId };
  }

  it("puts a sellable returned unit back on sale", async () => {
    const { order, refundId } = await returned("sellable");
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 3, reserved: 0, sold: 1 });
    const movements = await json<{ items: { kind: string; quantity: number; reason: string }[] }>(
      await call("GET", `/admin/v1/skus/${order.skuId}/stock/movements`, { token: order.seller.token }),
    );
    expect(movements.body.items[0]).toMatchObject({
      kind: "return",
      quantity: 1,
      reason: `refund ${refundId}: returned sellable`,
    });
    expect((await orderRefundState(order.orderId)).paymentStatus).toBe("PARTIALLY_REFUNDED");
  });

  it("writes a damaged returned unit off with a movement, leaving available stock as it was", async () => {
    const { order, refundId } = await returned("damaged");
    expect((await stockOf(order.seller, order.skuId)).body).toMatchObject({ available: 2, reserved: 0, sold: 1 });
    const movements = await json<{ items: { kind: string; quantity: number; reason: string }[] }>(
      await call("GET", `/admin/v1/skus/${order.skuId}/stock/movements`, { token: order.seller.token }),
    );
    expect(movements.body.items[0]).toMatchObject({
      kind: "write_off",
      quantity: -1,
      reason: `refund ${refundId}: returned damaged`,
    });
  });
});

describe("shop isolation", () => {
  it("answers another shop's seller and another shopper 404 for the refund and its order", async () => {
    const order = await paidOrder({ stock: 5, quantity: 2 });
    const itemId = await itemOf(order.orderId);
    const asked = await askRefund(order.shopper.token, order.orderId, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "x",
      returnGoods: true,
    });
    const stranger = await newSeller();
    for (const [path, body] of [
      [`/refunds/${asked.body.refundId}/approve`, {}],
      [`/refunds/${asked.body.refundId}/reject`, { reason: "not mine" }],
      [`/refunds/${asked.body.refundId}/receive`, { condition: "sellable" }],
      [`/orders/${order.orderId}/refunds`, { items: [{ orderItemId: itemId, quantity: 1 }], reason: "not mine" }],
    ] as const) {
      const res = await admin(stranger.token, path, body);
      expect(res.body, `${path}: ${JSON.stringify(res.body)}`).toMatchObject({ status: 404, code: "not_found" });
    }
    const listed = await json<{ items: Answer[] }>(await call("GET", "/admin/v1/refunds", { token: stranger.token }));
    expect(listed.body.items.map((r) => r.refundId)).not.toContain(asked.body.refundId);
    const own = await json<{ items: Answer[] }>(
      await call("GET", "/admin/v1/refunds?status=REQUESTED", { token: order.seller.token }),
    );
    expect(own.body.items.map((r) => r.refundId)).toEqual([asked.body.refundId]);
    const otherShopper = await newShopper();
    expect((await refundOf(otherShopper.token, asked.body.refundId)).body).toMatchObject({ status: 404 });
    const theirReturn = await call("POST", `/v1/refunds/${asked.body.refundId}/return-shipment`, {
      token: otherShopper.token,
      body: { carrier: "sandbox", trackingNumber: "NOT-MINE-1" },
    });
    expect(theirReturn.status).toBe(404);
    expect((await refundOf(order.shopper.token, asked.body.refundId)).body).toMatchObject({ status: "REQUESTED" });
    const otherList = await call("GET", `/v1/orders/${order.orderId}/refunds`, { token: otherShopper.token });
    expect(otherList.status).toBe(404);
    // Nothing the strangers did moved the refund.
    expect(await transitionsOf(asked.body.refundId)).toEqual({ "status:REQUESTED": 1 });
  });
});

describe("the provider's refund.updated, duplicated and out of order", () => {
  it("applies each refund once: one refund_paid posting each, and the order's payment status ends REFUNDED", async () => {
    const order = await paidOrder({ stock: 5, quantity: 2 });
    const itemId = await itemOf(order.orderId);
    expect((await sandbox("POST", "/chaos", { duplicates: 3, delayMs: 0, shuffle: true })).status).toBe(200);
    const one = await admin(order.seller.token, `/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "one",
    });
    const two = await admin(order.seller.token, `/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: itemId, quantity: 1 }],
      reason: "two",
    });
    expect([one.status, two.status], JSON.stringify([one.body, two.body])).toEqual([201, 201]);
    await refunded(one.body.refundId);
    await refunded(two.body.refundId);
    await settle();
    for (const refundId of [one.body.refundId, two.body.refundId]) {
      expect((await ledgerOf(refundId)).map((t) => t.kind)).toEqual(["refund_owed", "refund_paid"]);
      expect(await transitionsOf(refundId)).toEqual({ "status:PROCESSING": 1, "status:REFUNDED": 1 });
    }
    const state = await orderRefundState(order.orderId);
    expect(state.paymentStatus).toBe("REFUNDED");
    expect(await transitionsOf(order.orderId)).toMatchObject({
      "payment_status:PARTIALLY_REFUNDED": 1,
      "payment_status:REFUNDED": 1,
    });
    expect(one.body.amount.amount + two.body.amount.amount).toBe(order.payable);
  });
});
