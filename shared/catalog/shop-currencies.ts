/**
 * The currencies a shop sells in: those of its SKUs' price rows (standard and promotional), over
 * every product that is not deleted. Asked by the shop's settings (the shipping template) so a
 * setting in a currency none of its goods is priced in is refused when saved, not at checkout.
 */
import { and, eq, ne } from "drizzle-orm";
import { prices, products, skus } from "../../db/schema";
import type { Db } from "../platform/db";
import { CURRENCIES, type Currency } from "../platform/money";
import { PRODUCT_STATUS } from "./lifecycle";

/** The shop's price currencies in the order of `CURRENCIES`; empty while it has no priced product. */
export async function shopPriceCurrencies(db: Db, shopId: string): Promise<Currency[]> {
  const rows = await db
    .selectDistinct({ currency: prices.currency })
    .from(prices)
    .innerJoin(skus, eq(skus.id, prices.skuId))
    .innerJoin(products, eq(products.id, skus.productId))
    .where(and(eq(skus.shopId, shopId), ne(products.status, PRODUCT_STATUS.DELETED)));
  const found = new Set(rows.map((r) => r.currency));
  return CURRENCIES.filter((c) => found.has(c));
}
