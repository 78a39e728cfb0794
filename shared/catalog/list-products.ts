/**
 * Listing products for sellers and operators: newest first, keyset-paged, deleted products left
 * out, optionally only those whose name or a SKU's seller code contains `q`. Which shop a caller
 * may list is the kernel's `shopFilterFor`; this module only filters.
 */
import { z } from "zod";
import { createdCursorSchema, decodeCursor, pageOf } from "../platform/cursor";
import type { Db } from "../platform/db";
import { PRODUCT_STATUS, type ProductStatusName, statusName } from "./lifecycle";
import { productRowsNewestFirst } from "./products-repo";

/** A product in a list: its identity, status and version, without SKUs, prices or stock. */
export const productSummarySchema = z.object({
  productId: z.string(),
  shopId: z.string(),
  name: z.string(),
  categoryId: z.number().int(),
  brandId: z.number().int().nullable(),
  status: z.string(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/**
 * A shop's products, newest first, or every shop's when `shopId` is undefined. The caller's shop
 * comes from the kernel's `shopFilterFor` (sellers: their own; operators: the one they name, or all).
 */
export async function listProducts(
  db: Db,
  query: {
    status?: ProductStatusName | undefined;
    shopId?: string | undefined;
    q?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const rows = await productRowsNewestFirst(db, {
    status: query.status ? PRODUCT_STATUS[query.status] : undefined,
    shopId: query.shopId,
    text: query.q,
    after: query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined,
    limit: query.limit + 1,
  });
  return pageOf(rows, query.limit, (r) => ({
    productId: r.id,
    shopId: r.shopId,
    name: r.name,
    categoryId: r.categoryId,
    brandId: r.brandId,
    status: statusName(r.status),
    version: r.version,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  }));
}
