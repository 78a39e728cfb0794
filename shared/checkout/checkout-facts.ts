/**
 * Checkout facts: everything pricing and order creation read from D1 about one checkout, in one
 * round trip: the user and the address (users), the SKUs with their prices, attributes and
 * images (the catalog's SKU read model), the shops' shipping templates (shipping.ts), their
 * warehouse priorities (inventory) and the promotions the request may use (its vouchers, its shops' threshold discounts, the shopper's
 * coins: promotions). Each comes from its owner as a `BatchRead`, and all go in one D1 batch,
 * beside any statements the caller adds. (Order creation reads the units the shopper holds in
 * unpaid orders from the shopper's order shard, with its saga row.) This is the checkout's only
 * I/O; pricing (pricing.ts) works on what it returns.
 */
import { effectivePrice } from "../catalog/pricing";
import { type SkuView, shopsOfSkus, skuReadModel } from "../catalog/sku-read-model";
import { warehousePrioritiesRead } from "../inventory/warehouses";
import { type BatchRead, combineReads, runBatchRead } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import type { Currency } from "../platform/money";
import { type CheckoutOffers, checkoutOffersRead, type PromotionRequest } from "../promotions/promotion-facts";
import { type AddressRow, findAddressRead } from "../users/addresses-repo";
import { buyerRead } from "../users/users-repo";
import { type ShippingTemplate, shippingTemplatesRead } from "./shipping";
import type { CategoryKind } from "./strategies";

/** One SKU as a checkout sees it; `price` is the effective price now, null when it has none. */
export interface SkuFact {
  skuId: string;
  productId: string;
  shopId: string;
  productName: string;
  skuName: string;
  productStatus: number;
  categoryId: number;
  brandId: number | null;
  kind: CategoryKind;
  weightGrams: number;
  price: { amount: number; currency: Currency } | null;
  salesAttributes: { name: string; value: string }[];
  image: string | null;
}

/** What one checkout reads, keyed for pricing: SKUs by id, templates and priorities by shop. */
export interface CheckoutFacts {
  /** The buyer; `phone` is the default recharge target of virtual goods. */
  user: { id: string; status: number; phone: string | null } | undefined;
  skus: Map<string, SkuFact>;
  address: AddressRow | undefined;
  templates: Map<string, ShippingTemplate>;
  /** Per shop: warehouse id → allocation priority. */
  warehousePriorities: Map<string, Record<string, number>>;
  /** The vouchers, threshold discounts and coins the request may use (promotion-facts.ts). */
  offers: CheckoutOffers;
}

/** What one checkout asks for: its buyer, SKUs, address and promotions. */
export interface CheckoutInput {
  userId: string;
  skuIds: string[];
  addressId?: string | undefined;
  promotions: PromotionRequest;
}

/** Reads the user, SKUs, prices, attributes, images, address, templates, warehouses and promotions in one D1 batch. */
export async function loadCheckoutFacts(db: Db, input: CheckoutInput, now: number): Promise<CheckoutFacts> {
  return runBatchRead(db, checkoutFactsRead(db, input, now));
}

/**
 * The reads of `loadCheckoutFacts`, for a caller that adds its own statements to the same batch.
 * Decoding refuses what the reads prove wrong (an unknown voucher code: 422).
 */
export function checkoutFactsRead(db: Db, input: CheckoutInput, now: number): BatchRead<CheckoutFacts> {
  // Every list is bounded by MAX_CHECKOUT_LINES today; each owner chunks its statements within
  // D1's 100 parameters whatever the caller passes, still in one batch.
  const shops = shopsOfSkus(db, input.skuIds);
  return combineReads(
    {
      user: buyerRead(db, input.userId),
      skus: skuReadModel(db, { skuIds: input.skuIds }),
      address: findAddressRead(db, input.userId, input.addressId),
      templates: shippingTemplatesRead(db, shops),
      warehousePriorities: warehousePrioritiesRead(db, shops),
      offers: checkoutOffersRead(db, {
        userId: input.userId,
        request: input.promotions,
        skuIds: input.skuIds,
        shops,
        now,
      }),
    },
    ({ skus, templates, ...facts }) => {
      const shopIds = new Set([...skus.values()].map((v) => v.row.shopId));
      return {
        ...facts,
        skus: new Map([...skus].map(([skuId, view]) => [skuId, skuFact(view, now)])),
        templates: new Map([...shopIds].map((shopId) => [shopId, templates(shopId)])),
      };
    },
  );
}

/** A SKU of the read model as checkout prices and snapshots it. */
function skuFact({ row, product, ...view }: SkuView, now: number): SkuFact {
  return {
    skuId: row.id,
    productId: row.productId,
    shopId: row.shopId,
    productName: product.name,
    skuName: row.name,
    productStatus: product.status,
    categoryId: product.categoryId,
    brandId: product.brandId,
    kind: product.kind,
    weightGrams: row.weightGrams ?? 0,
    price: effectivePrice(view.prices, now),
    salesAttributes: view.salesAttributes.map(({ attributeName, value }) => ({ name: attributeName, value })),
    image: view.image,
  };
}

/** Only an active account may quote or order (disabled accounts are refused, 403). */
export function assertMayOrder(facts: CheckoutFacts): void {
  if (facts.user?.status !== 1) throw new AppError("forbidden", { detail: "The account cannot place orders" });
}
