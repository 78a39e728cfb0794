/**
 * The SKU read model (shared/catalog/sku-read-model.ts): product detail, the cart and checkout
 * all read SKUs through it, so it must read a SKU the same whichever way it is selected, and in
 * one D1 round trip however many SKUs are asked for.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PRODUCT_STATUS } from "../../shared/catalog/lifecycle";
import { effectivePrice } from "../../shared/catalog/pricing";
import { skuReadModel } from "../../shared/catalog/sku-read-model";
import { productDetail } from "../../shared/catalog/storefront-product";
import { D1_MAX_PARAMS, runBatchRead } from "../../shared/platform/d1-chunks";
import { dbOf } from "../../shared/platform/db";
import { newSeller, postProduct, putOnShelf, tshirt } from "../helpers/catalog";
import { countingD1, type Trip } from "../helpers/counting-d1";

/** A drizzle handle over `env.DB` and the round trips it makes. */
function countedDb() {
  const trips: Trip[] = [];
  return { db: dbOf(countingD1(env.DB, trips)), trips };
}

async function newTshirt() {
  const seller = await newSeller();
  const created = await postProduct(seller, {
    ...tshirt(),
    images: ["https://img.example.com/front.jpg", "https://img.example.com/back.jpg"],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

describe("the SKU read model", () => {
  it("reads a product's SKUs alike by id and by product: names, attributes, first image, prices, stock", async () => {
    const { productId, skuIds } = await newTshirt();
    const { db, trips } = countedDb();

    const byProduct = await runBatchRead(db, skuReadModel(db, { productId }));
    expect(trips.length).toBe(1);
    const byIds = await runBatchRead(db, skuReadModel(db, { skuIds: [...skuIds].reverse().concat("sku_unknown") }));
    expect(trips.length).toBe(2);

    // Display order by product; an unknown id is simply absent.
    expect([...byProduct.keys()]).toEqual(skuIds);
    expect([...byIds.keys()].sort()).toEqual([...skuIds].sort());
    for (const id of skuIds) expect(byIds.get(id)).toEqual(byProduct.get(id));

    const black = byProduct.get(skuIds[0] ?? "");
    expect(black?.row).toMatchObject({ id: skuIds[0], productId, name: "黑色 L" });
    expect(black?.product).toEqual({
      name: expect.stringMatching(/^测试T恤/),
      status: PRODUCT_STATUS.DRAFT,
      categoryId: 1003001,
      brandId: 2001,
      kind: "physical",
    });
    expect(black?.salesAttributes).toEqual([
      { attributeId: 201, attributeName: "颜色", value: "黑色" },
      { attributeId: 202, attributeName: "尺码", value: "L" },
    ]);
    expect(black?.image).toBe("https://img.example.com/front.jpg");
    expect(effectivePrice(black?.prices ?? [], Date.now())).toEqual({ amount: 7900, currency: "CNY" });
    expect(byProduct.get(skuIds[1] ?? "")?.stock.available).toBe(5);
    expect(black?.stock).toEqual({ available: 10, reserved: 0, sold: 0 });
  });

  it("serves product detail from one D1 batch", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    await putOnShelf(seller, body.productId);
    const { db, trips } = countedDb();
    const detail = await productDetail(db, body.productId, Date.now());
    expect(trips.map((t) => t.what.replace(/ of \d+:.*/, ""))).toEqual(["batch"]);
    expect(detail.skus.map((s) => [s.name, s.price?.amount, s.available])).toEqual([
      ["黑色 L", 7900, 10],
      ["白色 M", 8950, 5],
    ]);
    expect(detail.brand?.id).toBe(2001);
    expect(detail.category.id).toBe(1003001);
  });

  it("reads 150 SKU ids in one round trip, every statement within D1's parameter cap", async () => {
    const { skuIds } = await newTshirt();
    const ids = [...Array.from({ length: 150 }, (_, i) => `sku_absent_${i}`), ...skuIds];
    const { db, trips } = countedDb();
    const read = skuReadModel(db, { skuIds: ids });
    for (const s of read.groups.flat()) expect(s.toSQL().params.length).toBeLessThanOrEqual(D1_MAX_PARAMS);

    const views = await runBatchRead(db, read);
    expect(trips.length).toBe(1);
    expect([...views.keys()].sort()).toEqual([...skuIds].sort());
  });
});
