/**
 * Replacing a SKU's prices: its standard price and promotional windows as one list, written
 * whole (prices are not content: no snapshot, no audit, no version move), with the operation log
 * of before and after and a catalog event in the same batch.
 */
import { z } from "zod";
import { outboxInsert } from "../events/outbox";
import { actorOf } from "../platform/actor";
import type { Caller } from "../platform/auth";
import { runBatch } from "../platform/db";
import type { FieldError } from "../platform/errors";
import { newId } from "../platform/ids";
import { moneySchema } from "../platform/money";
import { invalidFields } from "../platform/validation";
import type { CatalogDeps } from "./catalog-deps";
import { logInsert } from "./history";
import { assertEditable } from "./lifecycle";
import { effectivePrice } from "./pricing";
import { notFound } from "./product-errors";
import { changeEvent, sendChange } from "./product-events";
import { priceRowsView, productOfSku } from "./product-views";
import { loadProduct, type PriceRow } from "./products-repo";
import { replaceSkuPrices } from "./products-writes-repo";

/** The body of a price replacement: every row the SKU will have, one standard price at least. */
export const replacePricesBody = z
  .object({
    prices: z
      .array(
        z
          .object({
            type: z.enum(["standard", "promo"]),
            price: moneySchema,
            effectiveAt: z.iso.datetime({ offset: true }).optional().describe("Defaults to now"),
            expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
          })
          .strict(),
      )
      .min(1)
      .max(50),
  })
  .strict();

type PriceTerms = Pick<PriceRow, "type" | "amount" | "currency" | "effectiveAt" | "expiresAt">;

/** What the operation log records of a price row: its terms, not its id or when it was written. */
function priceTerms({ type, amount, currency, effectiveAt, expiresAt }: PriceTerms): PriceTerms {
  return { type, amount, currency, effectiveAt, expiresAt };
}

/** Replaces a SKU's price rows; answers with the price in effect now. */
export async function replacePrices(
  deps: CatalogDeps,
  caller: Caller,
  skuId: string,
  input: z.infer<typeof replacePricesBody>,
) {
  const { db } = deps;
  const record = await productOfSku(db, caller, skuId);
  assertEditable(record.row.status);
  const sku = record.skus.find((s) => s.row.id === skuId);
  if (!sku) throw notFound("SKU", skuId);
  const now = deps.clock.now();
  const errors: FieldError[] = [];
  const rows = input.prices.map((p, i) => {
    const effectiveAt = p.effectiveAt ? Date.parse(p.effectiveAt) : now;
    const expiresAt = p.expiresAt ? Date.parse(p.expiresAt) : null;
    if (p.price.amount <= 0) errors.push({ field: `prices.${i}.price.amount`, reason: "must be greater than zero" });
    if (expiresAt !== null && expiresAt <= effectiveAt)
      errors.push({ field: `prices.${i}.expiresAt`, reason: "must be after effectiveAt" });
    if (p.price.currency !== input.prices[0]?.price.currency)
      errors.push({ field: `prices.${i}.price.currency`, reason: "all prices of a SKU share one currency" });
    return {
      id: newId("price", now),
      skuId,
      type: p.type,
      amount: p.price.amount,
      currency: p.price.currency,
      effectiveAt,
      expiresAt,
      createdAt: now,
    };
  });
  if (!rows.some((r) => r.type === "standard"))
    errors.push({ field: "prices", reason: "must include a standard price" });
  if (errors.length) throw invalidFields(errors);
  const actor = actorOf(caller);
  const repriced = changeEvent(
    deps,
    { id: record.row.id, shopId: record.row.shopId, version: record.row.version },
    "price",
  );
  await runBatch(db, [
    outboxInsert(db, repriced),
    ...replaceSkuPrices(db, skuId, rows),
    logInsert(db, {
      actor,
      shopId: record.row.shopId,
      entityType: "price",
      entityId: skuId,
      operation: "replace",
      before: sku.prices.map(priceTerms),
      after: rows.map(priceTerms),
      requestId: deps.requestId,
      now,
    }),
  ]);
  await sendChange(deps, repriced);
  const current = await loadProduct(db, record.row.id);
  const updated = current?.skus.find((s) => s.row.id === skuId);
  return {
    skuId,
    price: effectivePrice(updated?.prices ?? [], now),
    prices: priceRowsView((current ?? record).skus.find((s) => s.row.id === skuId)?.prices ?? []),
  };
}
