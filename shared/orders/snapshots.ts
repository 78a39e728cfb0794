/**
 * Order item snapshots (订单商品快照, the seed's option 3): the order keeps its own copy of what
 * was bought, identified by the SHA-256 of its canonical JSON. Identical content maps to the same
 * id, so the row is inserted once (`INSERT ... ON CONFLICT DO NOTHING` in the order's batch) and
 * shared by every order of that content; any change to the content gives a new id.
 */
import { orderSnapshots } from "../../db/schema";
import { canonicalJson } from "../catalog/history";
import type { SkuFact } from "../checkout/checkout-facts";
import { sha256Hex } from "../platform/crypto";
import type { Db } from "../platform/db";

export interface OrderSnapshot {
  id: string;
  skuId: string;
  contentHash: string;
  content: string;
}

/** What an order remembers of a SKU (price and quantity live on the order item). */
export function snapshotContent(fact: SkuFact) {
  return {
    skuId: fact.skuId,
    productId: fact.productId,
    shopId: fact.shopId,
    productName: fact.productName,
    skuName: fact.skuName,
    categoryId: fact.categoryId,
    brandId: fact.brandId,
    kind: fact.kind,
    salesAttributes: fact.salesAttributes,
    image: fact.image,
    weightGrams: fact.weightGrams,
  };
}

export async function snapshotOf(fact: SkuFact): Promise<OrderSnapshot> {
  const content = canonicalJson(snapshotContent(fact));
  const contentHash = await sha256Hex(content);
  return { id: `osn_${contentHash.slice(0, 32)}`, skuId: fact.skuId, contentHash, content };
}

export function snapshotInsert(db: Db, snapshot: OrderSnapshot, now: number) {
  return db
    .insert(orderSnapshots)
    .values({ ...snapshot, createdAt: now })
    .onConflictDoNothing();
}
