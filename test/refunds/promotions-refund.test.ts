/**
 * Refunds of an order that used vouchers and coins (issue #15 part 5): the coins come back by the
 * allocation (each unit's share, the money's largest-remainder rule), held with the units from the
 * request and credited when the refund is REFUNDED; a voucher use (and its budget) comes back only
 * when the whole order is refunded. Exact under concurrent partial refunds and repeated completions;
 * the ledger sums to zero.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { signPayload } from "../../shared/payments/signature";
import { SYSTEM_ACTOR } from "../../shared/platform/actor";
import { dbOf, runBatch } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";
import { refundedPromotionsStatements } from "../../shared/promotions/refund-returns";
import { refundWholeOrder } from "../../shared/refunds/place-refund";
import type { RefundView } from "../../shared/refunds/refunds-read";
import { newSeller } from "../helpers/catalog";
import { sellerOrder, ship, trackingNumber } from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { orderD1, rowsOnShards } from "../helpers/order-d1";
import { newShopper, placeOrder, type Shopper, skuOnSale } from "../helpers/orders";
import { eventually, pay, payOrderOf, settle } from "../helpers/payments";
import { coinsOf, grantCoins, newVoucher } from "../helpers/promotions";
import { orderRefundState, refundDeps, refunded, refundStatusOf } from "../helpers/refunds";
import { act, calm, deliveriesOf, eventBody, SANDBOX_WEBHOOK_SECRET, sandbox } from "../helpers/sandbox";

afterEach(async () => {
  await calm();
  await settle();
});

type Answer = RefundView & { code?: string; detail?: string };

const GRANTED = 100_000;

/** `shopper`'s checkout of `body`, paid through the sandbox provider (PAID). */
async function paidCheckout(shopper: Shopper, body: object) {
  const placed = await placeOrder(shopper, body);
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const started = await pay(shopper, placed.body.payOrderId);
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  await act(started.body.paymentId, "succeed");
  await settle();
  await eventually(
    () => payOrderOf(shopper, placed.body.payOrderId),
    (v) => v.body.paymentStatus === "PAID",
    "paid",
  );
  return placed.body;
}

/**
 * A fresh shopper's paid order of `quantity` units at ¥33 with a ¥5 shop voucher, a 10 % platform
 * voucher and `coins` coins (the shopper was granted GRANTED).
 */
async function promotedOrder(quantity: number, coins: number) {
  const seller = await newSeller();
  const { skuId } = await skuOnSale(seller, { price: 33, stock: quantity + 5 });
  const shopVoucher = await newVoucher({ value: { amount: 500, currency: "CNY" } }, seller);
  const platform = await newVoucher({ kind: "percent", value: 10, maxDiscount: { amount: 100_000, currency: "CNY" } });
  const shopper = await newShopper();
  await grantCoins(shopper.id, GRANTED);
  const placed = await paidCheckout(shopper, {
    items: [{ skuId, quantity }],
    addressId: shopper.addressId,
    voucherCodes: [shopVoucher.code, platform.code],
    coins,
  });
  const orderId = placed.orders[0]?.orderId ?? "";
  const { items } = await orderRefundState(orderId);
  const item = items[0];
  if (!item) throw new Error("the order has no item");
  return {
    seller,
    shopper,
    orderId,
    payOrderId: placed.payOrderId,
    payable: placed.payable.amount,
    item,
    vouchers: [shopVoucher.voucherId, platform.voucherId],
  };
}

function askRefund(shopper: Shopper, orderId: string, items: { orderItemId: string; quantity: number }[]) {
  return call("POST", `/v1/orders/${orderId}/refunds`, {
    token: shopper.token,
    body: { items, reason: "不想要了", returnGoods: false },
    headers: { "idempotency-key": crypto.randomUUID() },
  }).then(json<Answer>);
}

function admin(token: string, path: string, body: object = {}) {
  return call("POST", `/admin/v1${path}`, { token, body, headers: { "idempotency-key": crypto.randomUUID() } }).then(
    json<Answer>,
  );
}

/** Each voucher's counters and its uses by status. */
async function voucherState(voucherId: string) {
  const row = await env.DB.prepare("select taken, budget_taken as budgetTaken from vouchers where id = ?")
    .bind(voucherId)
    .first<{ taken: number; budgetTaken: number }>();
  const uses = await env.DB.prepare("select status from voucher_uses where voucher_id = ?")
    .bind(voucherId)
    .all<{ status: string }>();
  return { ...row, uses: uses.results.map((u) => u.status) };
}

/** The item's coins held by refunds, straight from D1. */
async function heldCoins(orderItemId: string): Promise<number> {
  const [row] = await rowsOnShards<{ c: number }>(
    "select refund_held_coins as c from order_items where id = ?",
    orderItemId,
  );
  return row?.c ?? -1;
}

/** The coins the order spent (its coins discount). */
async function coinsSpent(orderId: string): Promise<number> {
  const row = await (await orderD1(orderId))
    .prepare("select coalesce(sum(amount), 0) as n from order_discounts where order_id = ? and source = 'coins'")
    .bind(orderId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Every ledger entry of the shopper's coin accounts and of the order's money: each must net to zero. */
async function ledgerNet(input: { userId: string; refs: string[] }) {
  const refs = input.refs.map(() => "?").join(", ");
  const money = await env.DB.prepare(
    `select coalesce(sum(e.amount), 0) as net, count(distinct t.id) as n from ledger_entries e
       join ledger_transactions t on t.id = e.transaction_id where t.ref in (${refs})`,
  )
    .bind(...input.refs)
    .first<{ net: number; n: number }>();
  const held = await env.DB.prepare("select coalesce(sum(amount), 0) as net from ledger_entries where account = ?")
    .bind(`coins_held:${input.userId}`)
    .first<{ net: number }>();
  return { net: money?.net, coinsHeld: held?.net };
}

/** Coin postings under `key` (the refund's credit is one). */
async function postingsUnder(key: string): Promise<number> {
  const row = await env.DB.prepare("select count(*) as n from ledger_transactions where idempotency_key = ?")
    .bind(key)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("a partial refund with vouchers and coins", () => {
  it("returns exactly the allocated amounts for one unit of three, and the voucher uses only with the rest", async () => {
    // 3 × ¥33 = 99.00; the ¥5 shop voucher leaves 94.00; 10 % off (9.40) leaves 84.60; 1,001 coins
    // leave 74.59 paid for the item. One unit: 7,459 / 3 = 2,486 r 1 → 2,487; 1,001 / 3 = 333 r 2 → 334.
    const order = await promotedOrder(3, 1001);
    expect(order.item).toMatchObject({ quantity: 3, paidAmount: 7459 });
    expect(await coinsSpent(order.orderId)).toBe(1001);
    expect(await coinsOf(order.shopper.token)).toBe(GRANTED - 1001);
    const shipping = order.payable - 7459;

    const one = await askRefund(order.shopper, order.orderId, [{ orderItemId: order.item.id, quantity: 1 }]);
    expect(one.status, JSON.stringify(one.body)).toBe(201);
    expect(one.body).toMatchObject({
      status: "REQUESTED",
      amount: { amount: 2487 },
      coins: 334,
      items: [{ orderItemId: order.item.id, quantity: 1, amount: { amount: 2487 }, coins: 334 }],
    });
    expect(await heldCoins(order.item.id)).toBe(334);
    // Held, not given yet: the coins come back with the money.
    expect(await coinsOf(order.shopper.token)).toBe(GRANTED - 1001);
    const approved = await admin(order.seller.token, `/refunds/${one.body.refundId}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.coins).toBe(334);
    await refunded(one.body.refundId);
    expect(await coinsOf(order.shopper.token)).toBe(GRANTED - 1001 + 334);
    // A partial refund keeps both voucher uses.
    for (const voucherId of order.vouchers) {
      expect(await voucherState(voucherId)).toMatchObject({ taken: 1, uses: ["consumed"] });
    }
    const history = await json<{ items: { amount: number; reason: string; orderId?: string }[] }>(
      await call("GET", "/v1/me/coins", { token: order.shopper.token }),
    );
    expect(history.body.items[0]).toEqual(
      expect.objectContaining({ amount: 334, reason: "order refunded", orderId: order.orderId }),
    );

    // The seller refunds the other two units: what is left of money and coins, shipping, and the vouchers.
    const rest = await admin(order.seller.token, `/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: order.item.id, quantity: 2 }],
      reason: "缺货",
    });
    expect(rest.status, JSON.stringify(rest.body)).toBe(201);
    expect(rest.body).toMatchObject({
      amount: { amount: 4972 + shipping },
      shippingAmount: { amount: shipping },
      coins: 667,
      items: [{ quantity: 2, amount: { amount: 4972 }, coins: 667 }],
    });
    await refunded(rest.body.refundId);
    expect(one.body.amount.amount + rest.body.amount.amount).toBe(order.payable);
    expect(one.body.coins + rest.body.coins).toBe(1001);
    expect(await coinsOf(order.shopper.token)).toBe(GRANTED);
    expect(await voucherState(order.vouchers[0] ?? "")).toEqual({ taken: 0, budgetTaken: 0, uses: ["returned"] });
    expect(await voucherState(order.vouchers[1] ?? "")).toEqual({ taken: 0, budgetTaken: 0, uses: ["returned"] });

    // The refund views, storefront and admin, show the coins.
    const mine = await json<Answer>(
      await call("GET", `/v1/refunds/${rest.body.refundId}`, { token: order.shopper.token }),
    );
    expect(mine.body).toMatchObject({ status: "REFUNDED", coins: 667 });
    const listed = await json<{ items: Answer[] }>(
      await call("GET", `/admin/v1/refunds?orderId=${order.orderId}`, { token: order.seller.token }),
    );
    expect(listed.body.items.map((r) => r.coins).sort()).toEqual([334, 667]);

    const sagaId = await (await orderD1(order.payOrderId))
      .prepare("select saga_id as s from pay_orders where id = ?")
      .bind(order.payOrderId)
      .first<{ s: string }>();
    expect(
      await ledgerNet({
        userId: order.shopper.id,
        refs: [sagaId?.s ?? "", order.orderId, order.payOrderId, one.body.refundId, rest.body.refundId],
      }),
    ).toEqual({ net: 0, coinsHeld: 0 });
  });

  it("frees a rejected refund's coins: the next request holds the same ones", async () => {
    const order = await promotedOrder(3, 1001);
    const asked = await askRefund(order.shopper, order.orderId, [{ orderItemId: order.item.id, quantity: 1 }]);
    expect(asked.body.coins).toBe(334);
    const rejected = await admin(order.seller.token, `/refunds/${asked.body.refundId}/reject`, { reason: "已发货" });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(await heldCoins(order.item.id)).toBe(0);
    const again = await askRefund(order.shopper, order.orderId, [{ orderItemId: order.item.id, quantity: 1 }]);
    expect(again.body).toMatchObject({ amount: { amount: 2487 }, coins: 334 });
    expect(await coinsOf(order.shopper.token)).toBe(GRANTED - 1001);
  });
});

describe("a refund whose payout failed", () => {
  it("gives no coins back, and frees them when released: the next refund holds and returns them", async () => {
    const order = await promotedOrder(3, 1001);
    // Shipped first: a refund that put unshipped units back on sale is retried, not released.
    await eventually(
      () => sellerOrder(order.seller, order.orderId),
      (v) => v.body.fulfillmentStatus === "PENDING",
      "shipment awaiting the seller",
    );
    const shipped = await ship(order.seller.token, order.orderId, {
      carrier: "sf-express",
      trackingNumber: trackingNumber(),
    });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect((await sandbox("POST", "/chaos", { refunds: "fail" })).status).toBe(200);
    const failing = await admin(order.seller.token, `/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: order.item.id, quantity: 1 }],
      reason: "缺货",
    });
    expect(failing.status, JSON.stringify(failing.body)).toBe(201);
    await settle();
    await eventually(
      () => refundStatusOf(failing.body.refundId),
      (s) => s === "FAILED",
      "payout failed",
    );
    expect(await coinsOf(order.shopper.token)).toBe(GRANTED - 1001);
    expect(await heldCoins(order.item.id)).toBe(334);
    await calm();
    const released = await admin(order.seller.token, `/refunds/${failing.body.refundId}/release`, { note: "重新申请" });
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(await heldCoins(order.item.id)).toBe(0);
    const again = await admin(order.seller.token, `/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: order.item.id, quantity: 1 }],
      reason: "缺货",
    });
    expect(again.body).toMatchObject({ amount: { amount: 2487 }, coins: 334 });
    await refunded(again.body.refundId);
    expect(await coinsOf(order.shopper.token)).toBe(GRANTED - 1001 + 334);
    expect(await postingsUnder(`coins:refund:${failing.body.refundId}`)).toBe(0);
  });
});

describe("the platform's whole-order refund (failed fulfillment)", () => {
  it("gives back what partial refunds left of the coins, and the voucher uses, once however often it runs", async () => {
    const order = await promotedOrder(3, 1001);
    const one = await admin(order.seller.token, `/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: order.item.id, quantity: 1 }],
      reason: "缺货",
    });
    expect(one.body.coins).toBe(334);
    await refunded(one.body.refundId);
    const input = { orderId: order.orderId, reason: "failed_fulfillment", actor: SYSTEM_ACTOR };
    const first = await refundWholeOrder(refundDeps(), input);
    const again = await refundWholeOrder(refundDeps(), input);
    expect(first.refund).toMatchObject({ coins: 667, items: [{ quantity: 2, coins: 667 }] });
    expect(again.created).toBe(false);
    await refunded(first.refund.refundId);
    expect(await coinsOf(order.shopper.token)).toBe(GRANTED);
    for (const voucherId of order.vouchers) {
      expect(await voucherState(voucherId)).toEqual({ taken: 0, budgetTaken: 0, uses: ["returned"] });
    }
  });
});

describe("a platform voucher over two shops' orders", () => {
  it("comes back only when both orders are wholly refunded; each order's coins come back with it", async () => {
    const shopA = await newSeller();
    const shopB = await newSeller();
    const a = await skuOnSale(shopA, { price: 40, stock: 5 });
    const b = await skuOnSale(shopB, { price: 60, stock: 5 });
    const platform = await newVoucher({ value: { amount: 1000, currency: "CNY" } });
    const shopper = await newShopper();
    await grantCoins(shopper.id, GRANTED);
    const placed = await paidCheckout(shopper, {
      items: [
        { skuId: a.skuId, quantity: 1 },
        { skuId: b.skuId, quantity: 1 },
      ],
      addressId: shopper.addressId,
      voucherCode: platform.code,
      coins: 901,
    });
    expect(placed.orders).toHaveLength(2);
    const bySeller = new Map(placed.orders.map((o) => [o.sellerId, o.orderId]));
    const refundAll = async (seller: typeof shopA, orderId: string) => {
      const item = (await orderRefundState(orderId)).items[0];
      const refund = await admin(seller.token, `/orders/${orderId}/refunds`, {
        items: [{ orderItemId: item?.id, quantity: 1 }],
        reason: "缺货",
      });
      expect(refund.status, JSON.stringify(refund.body)).toBe(201);
      await refunded(refund.body.refundId);
      return refund.body;
    };
    const orderA = bySeller.get(shopA.shopId ?? "") ?? "";
    const orderB = bySeller.get(shopB.shopId ?? "") ?? "";
    const first = await refundAll(shopA, orderA);
    expect(first.coins).toBe(await coinsSpent(orderA));
    expect(await coinsOf(shopper.token)).toBe(GRANTED - 901 + first.coins);
    // Shop B's order still uses the voucher.
    expect(await voucherState(platform.voucherId)).toMatchObject({ taken: 1, uses: ["consumed"] });
    const second = await refundAll(shopB, orderB);
    expect(first.coins + second.coins).toBe(901);
    expect(await coinsOf(shopper.token)).toBe(GRANTED);
    expect(await voucherState(platform.voucherId)).toEqual({ taken: 0, budgetTaken: 0, uses: ["returned"] });
  });
});

describe("concurrent partial refunds", () => {
  it("never hold or give back more coins than the order spent (6 parallel requests for 5 units)", async () => {
    // 5 × ¥33 = 165.00 − 5.00 − 16.00 = 144.00 before 1,003 coins: 200 a unit, the first three 201.
    const order = await promotedOrder(5, 1003);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        askRefund(order.shopper, order.orderId, [{ orderItemId: order.item.id, quantity: 1 }]),
      ),
    );
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(5);
    expect(answers.filter((a) => a.status !== 201).map((a) => [a.status, a.body.code])).toEqual([
      [409, "refund_exceeds_paid"],
    ]);
    expect(won.map((a) => a.body.coins).sort()).toEqual([200, 200, 201, 201, 201]);
    expect(await heldCoins(order.item.id)).toBe(1003);
    for (const a of won) {
      const approved = await admin(order.seller.token, `/refunds/${a.body.refundId}/approve`);
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    }
    for (const a of won) await refunded(a.body.refundId);
    expect(await coinsOf(order.shopper.token)).toBe(GRANTED);
    expect(won.reduce((sum, a) => sum + a.body.amount.amount, 0)).toBe(order.payable);
    for (const voucherId of order.vouchers) {
      expect(await voucherState(voucherId)).toMatchObject({ taken: 0, budgetTaken: 0, uses: ["returned"] });
    }
  }, 120_000);
});

describe("the same completion applied twice", () => {
  it("gives the coins and the voucher uses back once (webhooks duplicated and replayed, the statements run again)", async () => {
    const order = await promotedOrder(3, 1001);
    expect((await sandbox("POST", "/chaos", { duplicates: 3, delayMs: 0, shuffle: true })).status).toBe(200);
    const whole = await admin(order.seller.token, `/orders/${order.orderId}/refunds`, {
      items: [{ orderItemId: order.item.id, quantity: 3 }],
      reason: "缺货",
    });
    expect(whole.status, JSON.stringify(whole.body)).toBe(201);
    expect(whole.body.coins).toBe(1001);
    await refunded(whole.body.refundId);
    await settle();
    await calm();

    // The provider's refund.updated again, as a new event: the refund is REFUNDED already.
    const [row] = await rowsOnShards<{ p: string }>(
      "select provider_refund_id as p from refunds where id = ?",
      whole.body.refundId,
    );
    const [first] = await deliveriesOf(row?.p ?? "", "refund.updated");
    if (!first) throw new Error("no refund.updated delivered");
    const event = JSON.parse(await eventBody(first.eventId)) as { id: string };
    event.id = `evt_replay_${newId("event").slice(4)}`;
    const body = JSON.stringify(event);
    const replayed = await call("POST", "/webhooks/payments/sandbox", {
      rawBody: body,
      headers: { "stripe-signature": await signPayload(body, SANDBOX_WEBHOOK_SECRET, Date.now()) },
    });
    expect(replayed.status).toBe(200);
    await settle();

    // And the completion's promotion statements themselves, twice at once, as a racing retry would.
    const db = dbOf(env.DB);
    const orderDb = dbOf(await orderD1(order.orderId));
    const again = () =>
      refundedPromotionsStatements(db, orderDb, {
        refundId: whole.body.refundId,
        order: { id: order.orderId, userId: order.shopper.id },
        coins: 1001,
        wholeOrderHeld: true,
        now: Date.now(),
      }).then((statements) => runBatch(db, statements));
    await Promise.all([again(), again()]);

    expect(await postingsUnder(`coins:refund:${whole.body.refundId}`)).toBe(1);
    expect(await coinsOf(order.shopper.token)).toBe(GRANTED);
    for (const voucherId of order.vouchers) {
      expect(await voucherState(voucherId)).toEqual({ taken: 0, budgetTaken: 0, uses: ["returned"] });
    }
    expect(await ledgerNet({ userId: order.shopper.id, refs: [order.orderId, whole.body.refundId] })).toEqual({
      net: 0,
      coinsHeld: 0,
    });
  });
});
