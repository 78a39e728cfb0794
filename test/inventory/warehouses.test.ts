import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { inventoryOf } from "../../shared/inventory/binding";
import { newSeller } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { newShopper, placeOrder, skuOnSale, stockOf } from "../helpers/orders";

type Warehouse = { warehouseId: string; priority: number; isDefault: boolean; name: string };

describe("warehouses, transfers and allocation", () => {
  it("allocates reservations by warehouse priority, then most stock, after a transfer", async () => {
    const { seller, skuId } = await skuOnSale(undefined, { stock: 10 });
    const token = seller.token;
    const created = await json<Warehouse>(
      await call("POST", "/admin/v1/warehouses", { token, body: { name: "Hangzhou", region: "CN-ZJ", priority: 1 } }),
    );
    expect(created).toMatchObject({ status: 201, body: { name: "Hangzhou", priority: 1, isDefault: false } });
    const hangzhou = created.body.warehouseId;
    const transfer = (body: object) =>
      call("POST", `/admin/v1/skus/${skuId}/stock/transfers`, { token, body }).then(
        json<{ warehouses: { warehouseId: string; available: number }[]; code?: string }>,
      );
    const moved = await transfer({
      fromWarehouseId: seller.warehouseId,
      toWarehouseId: hangzhou,
      quantity: 4,
      reason: "rebalance",
    });
    expect(moved.status).toBe(200);
    expect(moved.body.warehouses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ warehouseId: seller.warehouseId, available: 6 }),
        expect.objectContaining({ warehouseId: hangzhou, available: 4 }),
      ]),
    );
    expect(
      await transfer({ fromWarehouseId: hangzhou, toWarehouseId: seller.warehouseId, quantity: 5, reason: "too many" }),
    ).toMatchObject({
      status: 409,
      // The figure is the source warehouse's own (4), not the SKU's total (10).
      body: { code: "insufficient_stock", skuId, warehouseId: hangzhou, available: 4, requested: 5, skuAvailable: 10 },
    });
    expect(
      await transfer({ fromWarehouseId: hangzhou, toWarehouseId: "wh_elsewhere", quantity: 1, reason: "x" }),
    ).toMatchObject({ status: 400, body: { errors: [{ field: "toWarehouseId" }] } });

    // Listed in allocation order: the default warehouse (priority 0) first; then it moves behind Hangzhou.
    const list = await json<{ items: Warehouse[] }>(await call("GET", "/admin/v1/warehouses", { token }));
    expect(list.body.items.map((w) => w.warehouseId)).toEqual([seller.warehouseId, hangzhou]);
    const patched = await json<Warehouse>(
      await call("PATCH", `/admin/v1/warehouses/${seller.warehouseId}`, { token, body: { priority: 5 } }),
    );
    expect(patched.body.priority).toBe(5);

    const shopper = await newShopper();
    // 3 units: Hangzhou comes first and can cover them all.
    const first = await placeOrder(shopper, { items: [{ skuId, quantity: 3 }], addressId: shopper.addressId });
    expect(first.status).toBe(201);
    const view = await inventoryOf(env).getByName(skuId).view();
    expect(view.warehouses.find((w) => w.warehouseId === hangzhou)).toMatchObject({ available: 1, reserved: 3 });
    // 4 more: Hangzhou has 1 left, the default's 6 cover them whole, so one parcel from there.
    const second = await placeOrder(shopper, { items: [{ skuId, quantity: 4 }], addressId: shopper.addressId });
    expect(second.status).toBe(201);
    const after = await inventoryOf(env).getByName(skuId).view();
    expect(after.warehouses.find((w) => w.warehouseId === seller.warehouseId)).toMatchObject({
      available: 2,
      reserved: 4,
    });
    // 3 more: nobody covers it alone (1 + 2): split in priority order.
    const third = await placeOrder(shopper, { items: [{ skuId, quantity: 3 }], addressId: shopper.addressId });
    expect(third.status).toBe(201);
    expect((await stockOf(seller, skuId)).body).toMatchObject({ available: 0, reserved: 10 });
    const movements = await json<{ items: { kind: string; warehouseId: string; quantity: number }[] }>(
      await call("GET", `/admin/v1/skus/${skuId}/stock/movements?limit=20`, { token }),
    );
    expect(movements.body.items.filter((m) => m.kind === "reserve").map((m) => m.quantity)).toEqual([2, 1, 4, 3]);
    expect(movements.body.items.map((m) => m.kind)).toContain("transfer_out");
  });

  it("keeps one default warehouse per shop and hides other shops' warehouses", async () => {
    const seller = await newSeller();
    const made = await json<Warehouse>(
      await call("POST", "/admin/v1/warehouses", {
        token: seller.token,
        body: { name: "Second", region: "CN-GD", isDefault: true },
      }),
    );
    const list = await json<{ items: Warehouse[] }>(await call("GET", "/admin/v1/warehouses", { token: seller.token }));
    expect(list.body.items.filter((w) => w.isDefault).map((w) => w.warehouseId)).toEqual([made.body.warehouseId]);
    const other = await newSeller();
    expect(
      (
        await call("PATCH", `/admin/v1/warehouses/${made.body.warehouseId}`, {
          token: other.token,
          body: { priority: 1 },
        })
      ).status,
    ).toBe(404);
    expect((await call("GET", `/admin/v1/warehouses?shopId=${seller.shopId}`, { token: other.token })).status).toBe(
      404,
    );
    const bad = await json(await call("POST", "/admin/v1/warehouses", { token: seller.token, body: { name: "" } }));
    expect(bad).toMatchObject({
      status: 400,
      body: { errors: expect.arrayContaining([{ field: "name", reason: expect.any(String) }]) },
    });
  });

  it("raises a safety-stock alert once when checkouts bring stock down to the threshold", async () => {
    const { seller, skuId } = await skuOnSale(undefined, { stock: 10 });
    const set = await json<{ safetyStock: number }>(
      await call("PUT", `/admin/v1/skus/${skuId}/safety-stock`, { token: seller.token, body: { threshold: 3 } }),
    );
    expect(set).toMatchObject({ status: 200, body: { safetyStock: 3 } });
    const shopper = await newShopper();
    await placeOrder(shopper, { items: [{ skuId, quantity: 7 }], addressId: shopper.addressId });
    await placeOrder(shopper, { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId });
    await inventoryOf(env).getByName(skuId).flush();
    let alerts: { skuId: string; available: number; threshold: number }[] = [];
    for (let i = 0; i < 50 && alerts.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      alerts = (
        await json<{ items: typeof alerts }>(await call("GET", "/admin/v1/stock-alerts", { token: seller.token }))
      ).body.items;
    }
    expect(alerts).toEqual([expect.objectContaining({ skuId, available: 3, threshold: 3 })]);
  });

  it("validates shipping templates field by field", async () => {
    const seller = await newSeller();
    const current = await json<{ isDefault: boolean; firstFee: number }>(
      await call("GET", "/admin/v1/shipping-template", { token: seller.token }),
    );
    expect(current.body).toMatchObject({ isDefault: true, firstFee: 1000 });
    const bad = await json(
      await call("PUT", "/admin/v1/shipping-template", {
        token: seller.token,
        body: {
          firstWeightGrams: 0,
          firstFee: 1.5,
          additionalWeightGrams: 500,
          additionalFee: 100,
          freeThreshold: null,
        },
      }),
    );
    expect(bad).toMatchObject({
      status: 400,
      body: {
        errors: expect.arrayContaining([
          expect.objectContaining({ field: "firstWeightGrams" }),
          expect.objectContaining({ field: "firstFee" }),
        ]),
      },
    });
  });
});

type SavedWarehouse = Warehouse & { warnings: { code: string; detail: string }[] };

describe("an empty warehouse made the default (issue #19)", () => {
  it("warns when a warehouse created as the default holds no stock, and is made all the same", async () => {
    const { seller } = await skuOnSale(undefined, { stock: 10 });
    const token = seller.token;
    const made = await json<SavedWarehouse>(
      await call("POST", "/admin/v1/warehouses", { token, body: { name: "Ningbo", region: "CN-33", isDefault: true } }),
    );
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.isDefault).toBe(true);
    expect(made.body.warnings).toEqual([{ code: "empty_default_warehouse", detail: expect.any(String) }]);
    expect(made.body.warnings[0]?.detail).toContain(made.body.warehouseId);
    const list = await json<{ items: Warehouse[] }>(await call("GET", "/admin/v1/warehouses", { token }));
    expect(list.body.items.filter((w) => w.isDefault).map((w) => w.warehouseId)).toEqual([made.body.warehouseId]);

    const plain = await json<SavedWarehouse>(
      await call("POST", "/admin/v1/warehouses", { token, body: { name: "Wuxi", region: "CN-32" } }),
    );
    expect(plain.status, JSON.stringify(plain.body)).toBe(201);
    expect(plain.body.warnings).toEqual([]);
  });

  it("warns when an update makes an empty warehouse the default, not a stocked one nor other changes", async () => {
    const { seller } = await skuOnSale(undefined, { stock: 10 });
    const token = seller.token;
    const empty = await json<SavedWarehouse>(
      await call("POST", "/admin/v1/warehouses", { token, body: { name: "Empty", region: "CN-33" } }),
    );
    expect(empty.status, JSON.stringify(empty.body)).toBe(201);
    const patch = (warehouseId: string, body: object) =>
      call("PATCH", `/admin/v1/warehouses/${warehouseId}`, { token, body }).then(json<SavedWarehouse>);

    const renamed = await patch(empty.body.warehouseId, { priority: 3 });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.warnings).toEqual([]);

    const madeDefault = await patch(empty.body.warehouseId, { isDefault: true });
    expect(madeDefault.status, JSON.stringify(madeDefault.body)).toBe(200);
    expect(madeDefault.body).toMatchObject({ isDefault: true, warnings: [{ code: "empty_default_warehouse" }] });

    // The seller's first warehouse holds the SKU's 10 units: made the default again, no warning.
    expect(seller.warehouseId).toEqual(expect.any(String));
    const back = await patch(seller.warehouseId ?? "", { isDefault: true });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body).toMatchObject({ isDefault: true, warnings: [] });
  });
});
