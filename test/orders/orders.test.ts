import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseOrderNumber } from "../../shared/orders/order-numbers";
import { approvePendingRevision, newSeller, postProduct, putOnShelf, SEED_DATA_PACK, tshirt } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { countOnShards, orderD1, tallyOnShards } from "../helpers/order-d1";
import { newShopper, placeOrder, quote, skuOnSale, stockOf } from "../helpers/orders";

type OrderView = {
  orderId: string;
  payOrderId: string;
  status: string;
  paymentStatus: string;
  fulfillmentStatus: string;
  refundStatus: string;
  version: number;
  items: { skuId: string; snapshotId: string; quantity: number; paidAmount: { amount: number } }[];
  total: { amount: number };
  cancelReason: string | null;
};

describe("checkout quotes", () => {
  it("splits per seller, prices shipping from each seller's template and signs a 15-minute token", async () => {
    const a = await skuOnSale(undefined, { price: 79.0, weightGrams: 1500 });
    const b = await skuOnSale(undefined, { price: 25.0, weightGrams: 200 });
    // Seller B: ¥8 first 500 g, ¥2 per further 500 g, free from ¥100, ¥20 first fee to Xinjiang.
    const template = await json(
      await call("PUT", "/admin/v1/shipping-template", {
        token: b.seller.token,
        body: {
          firstWeightGrams: 500,
          firstFee: 800,
          additionalWeightGrams: 500,
          additionalFee: 200,
          freeThreshold: 10000,
          regions: [{ country: "CN", provinces: ["新疆"], firstFee: 2000, additionalFee: 1000 }],
        },
      }),
    );
    expect(template.status).toBe(200);
    const shopper = await newShopper();
    const { status, body } = await quote(shopper, [
      { skuId: a.skuId, quantity: 2 },
      { skuId: b.skuId, quantity: 3 },
    ]);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.orders).toHaveLength(2);
    const [first, second] = body.orders;
    // A uses the platform default: 3,000 g → ¥10 + 2 × ¥5 = ¥20, but 2 × ¥79 = ¥158 ≥ ¥99: free.
    expect(first).toMatchObject({
      sellerId: a.seller.shopId,
      subtotal: { amount: 15800 },
      shippingFee: { amount: 0 },
      total: { amount: 15800 },
    });
    // B: 600 g → ¥8 + ceil(100/500) × ¥2 = ¥10 on ¥75 of goods (under the threshold).
    expect(second).toMatchObject({
      sellerId: b.seller.shopId,
      subtotal: { amount: 7500 },
      shippingFee: { amount: 1000 },
      discount: { amount: 0 },
      total: { amount: 8500 },
    });
    expect(body.payable).toEqual({ amount: 24300, currency: "CNY" });
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(14 * 60 * 1000);
    expect(body.quoteToken.split(".")).toHaveLength(3);

    const xinjiang = await newShopper({
      recipient: "李四",
      phone: "+86 139 0000 0000",
      country: "CN",
      province: "新疆",
      city: "乌鲁木齐",
      line1: "1 号",
      postalCode: "830000",
    });
    const far = await quote(xinjiang, [{ skuId: b.skuId, quantity: 3 }]);
    expect(far.body.orders[0]?.shippingFee).toEqual({ amount: 2000 + 1000, currency: "CNY" });
  });

  it("needs no address for virtual goods alone, and one as soon as something ships", async () => {
    const seller = await newSeller();
    const created = await postProduct(seller, SEED_DATA_PACK);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await putOnShelf(seller, created.body.productId);
    const shopper = await newShopper();
    const virtualSku = created.body.skuIds[0] as string;
    const res = await json<{ orders: { kind: string; shippingFee: { amount: number } }[] }>(
      await call("POST", "/v1/checkout/quote", {
        token: shopper.token,
        body: { items: [{ skuId: virtualSku, quantity: 1 }] },
      }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.orders).toMatchObject([{ kind: "virtual", shippingFee: { amount: 0 } }]);

    const physical = await skuOnSale();
    const mixed = await json(
      await call("POST", "/v1/checkout/quote", {
        token: shopper.token,
        body: {
          items: [
            { skuId: virtualSku, quantity: 1 },
            { skuId: physical.skuId, quantity: 1 },
          ],
        },
      }),
    );
    expect(mixed).toMatchObject({ status: 400, body: { errors: [{ field: "addressId" }] } });
  });

  it("names each bad field and refuses what is not on sale", async () => {
    const shopper = await newShopper();
    const { skuId } = await skuOnSale();
    const bad = await json(
      await call("POST", "/v1/checkout/quote", {
        token: shopper.token,
        body: { items: [{ skuId, quantity: 0 }], addressId: shopper.addressId },
      }),
    );
    expect(bad).toMatchObject({
      status: 400,
      body: { code: "validation_failed", errors: [{ field: "items.0.quantity" }] },
    });
    const unknown = await quote(shopper, [{ skuId: "sku_nope", quantity: 1 }]);
    expect(unknown).toMatchObject({ status: 400, body: { errors: [{ field: "items.0.skuId" }] } });
    const twice = await quote(shopper, [
      { skuId, quantity: 1 },
      { skuId, quantity: 2 },
    ]);
    expect(twice.status).toBe(400);
    const someoneElses = await quote(shopper, [{ skuId, quantity: 1 }], { addressId: "adr_not_mine" });
    expect(someoneElses).toMatchObject({ status: 400, body: { errors: [{ field: "addressId" }] } });
    const voucher = await quote(shopper, [{ skuId, quantity: 1 }], { voucherCode: "NOPE" });
    expect(voucher).toMatchObject({
      status: 422,
      body: { code: "voucher_not_applicable", reason: "out_of_scope", voucherCode: "NOPE" },
    });

    const seller = await newSeller();
    const draft = await postProduct(seller, tshirt());
    const notOnSale = await quote(shopper, [{ skuId: draft.body.skuIds[0] as string, quantity: 1 }]);
    expect(notOnSale).toMatchObject({ status: 409, body: { code: "product_unavailable" } });
  });
});

describe("disabled accounts", () => {
  it("can neither quote nor order (403), and nothing is held", async () => {
    const { seller, skuId } = await skuOnSale(undefined, { stock: 5 });
    const shopper = await newShopper();
    await env.DB.prepare("update users set status = 0 where id = ?").bind(shopper.id).run();
    expect(await quote(shopper, [{ skuId, quantity: 1 }])).toMatchObject({ status: 403, body: { code: "forbidden" } });
    const order = await placeOrder(shopper, { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId });
    expect(order).toMatchObject({ status: 403, body: { code: "forbidden" } });
    expect((await stockOf(seller, skuId)).body).toMatchObject({ available: 5, reserved: 0 });
  });
});

describe("order creation", () => {
  it("creates one order per seller under one pay order, with numbers, snapshots and held stock", async () => {
    const a = await skuOnSale(undefined, { stock: 5 });
    const b = await skuOnSale(undefined, { stock: 5 });
    const shopper = await newShopper();
    const q = await quote(shopper, [
      { skuId: a.skuId, quantity: 2 },
      { skuId: b.skuId, quantity: 1 },
    ]);
    const created = await placeOrder(shopper, { quoteToken: q.body.quoteToken });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.orders).toHaveLength(2);
    expect(created.body.payable).toEqual(q.body.payable);
    expect(created.body.orders.every((o) => o.status === "CREATED")).toBe(true);
    for (const id of [created.body.payOrderId, ...created.body.orders.map((o) => o.orderId)]) {
      expect(parseOrderNumber(id), id).not.toBeNull();
    }
    expect(Date.parse(created.body.payBy) - Date.now()).toBeGreaterThan(29 * 60 * 1000);
    expect((await stockOf(a.seller, a.skuId)).body).toMatchObject({ available: 3, reserved: 2, sold: 0 });

    const orderId = created.body.orders[0]?.orderId as string;
    const detail = await json<OrderView>(await call("GET", `/v1/orders/${orderId}`, { token: shopper.token }));
    expect(detail.body).toMatchObject({
      orderId,
      payOrderId: created.body.payOrderId,
      status: "CREATED",
      paymentStatus: "UNPAID",
      fulfillmentStatus: "NONE",
      refundStatus: "NONE",
      version: 1,
      items: [{ skuId: a.skuId, quantity: 2, paidAmount: { amount: 15800 } }],
    });
    expect(detail.body.items[0]?.snapshotId).toMatch(/^osn_[0-9a-f]{32}$/);

    // Someone else's order is not there for them; the list holds one's own only.
    const stranger = await newShopper();
    expect((await call("GET", `/v1/orders/${orderId}`, { token: stranger.token })).status).toBe(404);
    const mine = await json<{ items: OrderView[] }>(await call("GET", "/v1/orders", { token: shopper.token }));
    expect(mine.body.items.map((o) => o.orderId).sort()).toEqual(created.body.orders.map((o) => o.orderId).sort());
    expect(
      (await json<{ items: unknown[] }>(await call("GET", "/v1/orders", { token: stranger.token }))).body.items,
    ).toEqual([]);
    // The seller sees its own order and not the other seller's.
    const sellerList = await json<{ items: OrderView[] }>(
      await call("GET", "/admin/v1/orders", { token: a.seller.token }),
    );
    expect(sellerList.body.items.map((o) => o.orderId)).toEqual([orderId]);
  });

  it("takes what was ordered out of the shopper's cart and leaves the rest", async () => {
    const a = await skuOnSale(undefined, { stock: 5 });
    const b = await skuOnSale(undefined, { stock: 5 });
    const shopper = await newShopper();
    for (const skuId of [a.skuId, b.skuId]) {
      const put = await call("PUT", `/v1/cart/items/${skuId}`, { token: shopper.token, body: { quantity: 2 } });
      expect(put.status).toBe(200);
    }
    const res = await placeOrder(shopper, { items: [{ skuId: a.skuId, quantity: 1 }], addressId: shopper.addressId });
    expect(res.status).toBe(201);
    const cart = await json<{ items: { skuId: string; quantity: number }[] }>(
      await call("GET", "/v1/cart", { token: shopper.token }),
    );
    expect(cart.body.items.map((i) => [i.skuId, i.quantity])).toEqual([[b.skuId, 2]]);
  });

  it("shares one snapshot between orders of identical content and makes a new one after an edit", async () => {
    const { seller, skuId, productId } = await skuOnSale(undefined, { stock: 10 });
    const shopper = await newShopper();
    const order = async () => {
      const res = await placeOrder(shopper, { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const id = res.body.orders[0]?.orderId as string;
      return (await json<OrderView>(await call("GET", `/v1/orders/${id}`, { token: shopper.token }))).body.items[0]
        ?.snapshotId;
    };
    const first = await order();
    expect(await order()).toBe(first);
    const product = await json<{ version: number }>(
      await call("GET", `/admin/v1/products/${productId}`, { token: seller.token }),
    );
    const renamed = await call("PATCH", `/admin/v1/products/${productId}`, {
      token: seller.token,
      body: { version: product.body.version, name: `改名 ${crypto.randomUUID()}` },
    });
    expect(renamed.status).toBe(200);
    await approvePendingRevision(productId);
    const third = await order();
    expect(third).not.toBe(first);
    expect(await countOnShards("select count(*) as n from order_snapshots where sku_id = ?", skuId)).toBe(2);
  });

  it("creates exactly 10 orders from 50 concurrent checkouts for 10 units; the rest are out_of_stock", async () => {
    const { seller, skuId } = await skuOnSale(undefined, { stock: 10 });
    const shoppers = await Promise.all(Array.from({ length: 5 }, () => newShopper()));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const shopper = shoppers[i % shoppers.length] as (typeof shoppers)[number];
        return placeOrder(shopper, { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId });
      }),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(Array(40).fill("out_of_stock"));
    expect((await stockOf(seller, skuId)).body).toMatchObject({ available: 0, reserved: 10, sold: 0 });
    expect(await countOnShards("select count(*) as n from order_items where sku_id = ?", skuId)).toBe(10);
    // Every failed checkout was undone: no saga is left running, none holds stock.
    const sagas = await tallyOnShards(
      "select status as k, count(*) as n from order_sagas where context like ? group by k",
      `%${skuId}%`,
    );
    expect(sagas).toEqual({ compensated: 40, completed: 10 });
  });

  it("releases the other SKUs' holds of every checkout that one scarce SKU refused, under concurrency", async () => {
    const plenty = await skuOnSale(undefined, { stock: 100 });
    const scarce = await skuOnSale(undefined, { stock: 5 });
    const shoppers = await Promise.all(Array.from({ length: 4 }, () => newShopper()));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const shopper = shoppers[i % shoppers.length] as (typeof shoppers)[number];
        return placeOrder(shopper, {
          items: [
            { skuId: plenty.skuId, quantity: 2 },
            { skuId: scarce.skuId, quantity: 1 },
          ],
          addressId: shopper.addressId,
        });
      }),
    );
    const created = results.filter((r) => r.status === 201);
    expect(created).toHaveLength(5);
    // Two sellers: each checkout made two orders under one pay order.
    expect(created.every((r) => r.body.orders.length === 2)).toBe(true);
    expect((await stockOf(scarce.seller, scarce.skuId)).body).toMatchObject({ available: 0, reserved: 5 });
    expect((await stockOf(plenty.seller, plenty.skuId)).body).toMatchObject({ available: 90, reserved: 10 });
  });

  it("cancels an unpaid order, releasing exactly its units, once", async () => {
    const { seller, skuId } = await skuOnSale(undefined, { stock: 10 });
    const shopper = await newShopper();
    const first = await placeOrder(shopper, { items: [{ skuId, quantity: 3 }], addressId: shopper.addressId });
    const second = await placeOrder(shopper, { items: [{ skuId, quantity: 2 }], addressId: shopper.addressId });
    expect((await stockOf(seller, skuId)).body).toMatchObject({ available: 5, reserved: 5 });
    const orderId = first.body.orders[0]?.orderId as string;
    const cancels = await Promise.all(
      Array.from({ length: 5 }, () =>
        call("POST", `/v1/orders/${orderId}/cancel`, { token: shopper.token }).then(json<OrderView & { code: string }>),
      ),
    );
    const ok = cancels.filter((c) => c.status === 200);
    expect(ok, JSON.stringify(cancels.map((c) => c.body))).toHaveLength(1);
    expect(ok[0]?.body).toMatchObject({ status: "CANCELLED", paymentStatus: "CLOSED", version: 2 });
    expect(cancels.filter((c) => c.status !== 200).every((c) => c.status === 409)).toBe(true);
    expect((await stockOf(seller, skuId)).body).toMatchObject({ available: 8, reserved: 2 });
    const again = await json<{ code: string; currentStatus: string }>(
      await call("POST", `/v1/orders/${orderId}/cancel`, { token: shopper.token }),
    );
    expect(again).toMatchObject({ status: 409, body: { code: "invalid_transition", currentStatus: "CANCELLED" } });
    // The other order still holds its stock; a stranger cannot cancel it.
    const other = second.body.orders[0]?.orderId as string;
    const stranger = await newShopper();
    expect((await call("POST", `/v1/orders/${other}/cancel`, { token: stranger.token })).status).toBe(404);
    const log = await (await orderD1(orderId))
      .prepare(
        "select field, from_status, to_status, event from order_status_log where entity_id = ? order by at, field",
      )
      .bind(orderId)
      .all();
    expect(log.results).toEqual(
      expect.arrayContaining([
        { field: "status", from_status: null, to_status: "CREATED", event: "create" },
        { field: "status", from_status: "CREATED", to_status: "CANCELLED", event: "cancel" },
        { field: "payment_status", from_status: "UNPAID", to_status: "CLOSED", event: "cancel" },
      ]),
    );
    const pay = await (await orderD1(first.body.payOrderId))
      .prepare("select payment_status, pay_amount from pay_orders where id = ?")
      .bind(first.body.payOrderId)
      .first();
    expect(pay).toEqual({ payment_status: "CLOSED", pay_amount: 0 });
  });
});

describe("replays and price changes", () => {
  it("replays an Idempotency-Key and lets a quote token create at most one order", async () => {
    const { seller, skuId } = await skuOnSale(undefined, { stock: 10 });
    const shopper = await newShopper();
    const q = await quote(shopper, [{ skuId, quantity: 1 }]);
    const key = { "Idempotency-Key": `order-${crypto.randomUUID()}` };
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () => placeOrder(shopper, { quoteToken: q.body.quoteToken }, key)),
    );
    const created = attempts.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    // Concurrent duplicates are refused while the first runs; afterwards the key replays.
    expect(attempts.every((a) => a.status === 201 || a.body.code === "idempotency_in_progress")).toBe(true);
    const replay = await placeOrder(shopper, { quoteToken: q.body.quoteToken }, key);
    expect(replay.status).toBe(201);
    expect(replay.res.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.body.payOrderId).toBe(created[0]?.body.payOrderId);
    expect(new Set(created.map((c) => c.body.payOrderId)).size).toBe(1);
    // Without the key, the same quote token is used up.
    const reuse = await placeOrder(shopper, { quoteToken: q.body.quoteToken });
    expect(reuse).toMatchObject({ status: 409, body: { code: "quote_used" } });
    expect((await stockOf(seller, skuId)).body).toMatchObject({ available: 9, reserved: 1 });
  });

  it("gives a quote back when its order was undone (out of stock), so the same token works after a restock", async () => {
    const { seller, skuId } = await skuOnSale(undefined, { stock: 1 });
    const shopper = await newShopper();
    const q = await quote(shopper, [{ skuId, quantity: 2 }]);
    expect(await placeOrder(shopper, { quoteToken: q.body.quoteToken })).toMatchObject({
      status: 409,
      body: { code: "out_of_stock" },
    });
    const restocked = await call("POST", `/admin/v1/skus/${skuId}/stock`, {
      token: seller.token,
      body: { delta: 5, reason: "restock" },
    });
    expect(restocked.status).toBe(200);
    const again = await placeOrder(shopper, { quoteToken: q.body.quoteToken });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(await placeOrder(shopper, { quoteToken: q.body.quoteToken })).toMatchObject({
      status: 409,
      body: { code: "quote_used" },
    });
    expect((await stockOf(seller, skuId)).body).toMatchObject({ available: 4, reserved: 2 });
  });

  it("refuses an order when the price moved after the quote (409 price_changed), holding nothing", async () => {
    const { seller, skuId } = await skuOnSale(undefined, { stock: 10, price: 79 });
    const shopper = await newShopper();
    const q = await quote(shopper, [{ skuId, quantity: 2 }]);
    const priced = await call("PUT", `/admin/v1/skus/${skuId}/prices`, {
      token: seller.token,
      body: { prices: [{ type: "standard", price: { amount: 8900, currency: "CNY" } }] },
    });
    expect(priced.status).toBe(200);
    const res = await placeOrder(shopper, { quoteToken: q.body.quoteToken });
    expect(res).toMatchObject({
      status: 409,
      body: {
        code: "price_changed",
        changes: [{ skuId, quoted: { amount: 7900 }, current: { amount: 8900 } }],
        quotedPayable: { amount: q.body.payable.amount },
      },
    });
    expect((await stockOf(seller, skuId)).body).toMatchObject({ available: 10, reserved: 0 });
    // A fresh quote at the new price goes through.
    const again = await quote(shopper, [{ skuId, quantity: 2 }]);
    expect((await placeOrder(shopper, { quoteToken: again.body.quoteToken })).status).toBe(201);
  });

  it("refuses tampered, foreign and malformed quote tokens", async () => {
    const { skuId } = await skuOnSale();
    const shopper = await newShopper();
    const q = await quote(shopper, [{ skuId, quantity: 1 }]);
    const [h, p, s] = q.body.quoteToken.split(".");
    const tampered = await placeOrder(shopper, { quoteToken: `${h}.${p}x.${s}` });
    expect(tampered).toMatchObject({ status: 400, body: { errors: [{ field: "quoteToken" }] } });
    const thief = await newShopper();
    const stolen = await placeOrder(thief, { quoteToken: q.body.quoteToken });
    expect(stolen).toMatchObject({
      status: 400,
      body: { errors: [{ field: "quoteToken", reason: "was issued to someone else" }] },
    });
    const both = await placeOrder(shopper, { quoteToken: q.body.quoteToken, items: [] });
    expect(both.status).toBe(400);
  });
});
