/**
 * Creating products (from the seed's JSON, as a DRAFT) and the pieces every new SKU is made of,
 * whether it comes with its product or is added later by an edit: its record and its opening
 * stock. Opening stock goes into each new SKU's object first: if the D1 batch then fails, those
 * objects belong to ids nothing refers to, and a retry makes new ones, so no stock is ever
 * counted twice.
 */
import type { z } from "zod";
import { outboxInsert } from "../events/outbox";
import { openingProjection } from "../inventory/projection";
import { adjustOne } from "../inventory/stock";
import { stockWarehouse } from "../inventory/warehouses";
import { type Actor, actorOf } from "../platform/actor";
import type { Caller } from "../platform/auth";
import { type Db, runBatch } from "../platform/db";
import type { FieldError } from "../platform/errors";
import { newId } from "../platform/ids";
import { DEFAULT_CURRENCY } from "../platform/money";
import { ownShopOf } from "../platform/shop-access";
import { invalidFields } from "../platform/validation";
import type { CatalogDeps } from "./catalog-deps";
import { logInsert, snapshotInsert, snapshotRow } from "./history";
import { PRODUCT_STATUS } from "./lifecycle";
import { duplicateOr } from "./product-errors";
import { changeEvent, sendChange } from "./product-events";
import { checkProduct, type ProductInput, type skuInput } from "./product-input";
import { snapshotContent } from "./product-views";
import type { ProductRecord, SkuRecord } from "./products-repo";
import { insertProduct, insertProductAttributes, insertProductImages, insertSku } from "./products-writes-repo";
import { attributeTemplateOf, findBrand, findCategory } from "./structure";

async function checkReferences(db: Db, input: { categoryId: number; brandId?: number | undefined }) {
  const errors: FieldError[] = [];
  const category = await findCategory(db, input.categoryId);
  if (!category) errors.push({ field: "categoryId", reason: `no category ${input.categoryId}` });
  if (input.brandId !== undefined && !(await findBrand(db, input.brandId))) {
    errors.push({ field: "spu.brandId", reason: `no brand ${input.brandId}` });
  }
  return { category, errors };
}

/** A new SKU as a record (row and sales attributes), before it is written. */
export function newSkuRecord(
  ids: { productId: string; shopId: string; skuId: string; position: number },
  sku: z.infer<typeof skuInput>,
  attributeName: (attributeId: number) => string,
  now: number,
): SkuRecord {
  return {
    row: {
      id: ids.skuId,
      productId: ids.productId,
      shopId: ids.shopId,
      position: ids.position,
      sellerSkuCode: sku.sellerSkuCode ?? null,
      name: sku.skuName,
      weightGrams: sku.weightGrams ?? null,
      dimensionsMm: sku.dimensionsMm ? JSON.stringify(sku.dimensionsMm) : null,
      status: 1,
      version: 1,
      createdAt: now,
      updatedAt: now,
    },
    salesAttributes: sku.salesAttributes.map((a) => ({
      attributeId: a.attributeId,
      attributeName: attributeName(a.attributeId),
      value: a.value,
    })),
    prices: [],
    stock: { available: sku.stock, reserved: 0, sold: 0 },
  };
}

/** Where a new SKU's opening stock went: its warehouse, and the object's revision and units after it. */
export type OpeningStock = Awaited<ReturnType<typeof openingStock>>;

/** Receives a new SKU's opening stock in its object, before any D1 row names it (see createProduct). */
export async function openingStock(deps: CatalogDeps, skuId: string, shopId: string, quantity: number, actor: Actor) {
  const warehouse = await stockWarehouse(deps.db, { shopId, skuId });
  const result = await adjustOne(deps.inventory, {
    skuId,
    opId: `opening:${skuId}`,
    warehouseId: warehouse.id,
    mode: "delta",
    quantity,
    reason: "opening stock",
    actor: actor.id,
    at: deps.clock.now(),
  });
  return { warehouseId: warehouse.id, revision: result.revision, available: result.available };
}

/**
 * Creates a product from the seed's JSON as a DRAFT, in one batch: the product with its
 * attributes, images and SKUs, each SKU's projection row, snapshot, operation log and event.
 */
export async function createProduct(deps: CatalogDeps, caller: Caller, input: ProductInput) {
  const { db, clock } = deps;
  const shopId = ownShopOf(caller, "Products are created by the seller of a shop");
  const actor = actorOf(caller);
  const refs = await checkReferences(db, { categoryId: input.categoryId, brandId: input.spu.brandId });
  if (refs.errors.length) throw invalidFields(refs.errors);
  const currency = input.currency ?? DEFAULT_CURRENCY;
  const checked = checkProduct(input, await attributeTemplateOf(db, input.categoryId), currency);
  if (checked.errors.length) throw invalidFields(checked.errors);

  const now = clock.now();
  const productId = newId("product", now);
  const skuIds = input.skus.map(() => newId("sku", now));
  const opening = await Promise.all(
    input.skus.map((sku, i) => openingStock(deps, skuIds[i] ?? "", shopId, sku.stock, actor)),
  );

  const row = {
    id: productId,
    shopId,
    categoryId: input.categoryId,
    brandId: input.spu.brandId ?? null,
    name: input.spu.name,
    description: input.spu.description,
    nameI18n: input.spu.nameI18n ? JSON.stringify(input.spu.nameI18n) : null,
    descriptionI18n: input.spu.descriptionI18n ? JSON.stringify(input.spu.descriptionI18n) : null,
    status: PRODUCT_STATUS.DRAFT,
    statusReason: null,
    salesCount: 0,
    version: 1,
    lastOpId: null,
    createdAt: now,
    updatedAt: now,
  };
  const record: ProductRecord = {
    row,
    basicAttributes: input.basicAttributes.map((a) => ({
      attributeId: a.attributeId,
      attributeName: a.attributeName ?? "",
      value: a.value,
    })),
    images: input.images,
    skus: input.skus.map((sku, i) =>
      newSkuRecord({ productId, shopId, skuId: skuIds[i] ?? "", position: i }, sku, () => "", now),
    ),
  };
  const created = changeEvent(deps, { id: productId, shopId, version: 1 }, "created");
  try {
    await runBatch(db, [
      outboxInsert(db, created),
      insertProduct(db, row),
      ...insertProductAttributes(db, productId, input.basicAttributes),
      ...insertProductImages(db, productId, input.images, now),
      ...record.skus.flatMap((sku, i) => [
        ...insertSku(db, sku, checked.amounts[i] ?? 0, currency, now),
        openingProjection(
          db,
          {
            skuId: skuIds[i] ?? "",
            warehouseId: opening[i]?.warehouseId ?? "",
            available: opening[i]?.available ?? 0,
            revision: opening[i]?.revision ?? 0,
          },
          now,
        ),
      ]),
      snapshotInsert(db, await snapshotRow(productId, 1, snapshotContent(record), actor, now)),
      logInsert(db, {
        actor,
        shopId,
        entityType: "product",
        entityId: productId,
        operation: "create",
        after: snapshotContent(record),
        requestId: deps.requestId,
        now,
      }),
    ]);
  } catch (err) {
    throw await duplicateOr(db, err, record);
  }
  await sendChange(deps, created);
  return { productId, skuIds, status: "DRAFT" as const, version: 1 };
}
