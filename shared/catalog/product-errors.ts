/**
 * The errors the product use cases answer, in one place so that the same refusal reads the same
 * whichever path meets it (a direct edit, a revision, a bulk row): not found, a stale version and
 * the catalog's unique indexes as 409s naming what the product clashed with.
 */
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { type ProductRecord, productIdByIdentity, skusByCode } from "./products-repo";

/** A 404 for a product or SKU the caller may not see, or that does not exist (the same answer). */
export function notFound(what: string, id: string): AppError {
  return new AppError("not_found", { detail: `No ${what} ${id}` });
}

/**
 * A 409 for an edit based on a version that is no longer current; the client reloads and retries.
 * A product's version moves with its SKUs' edits too (one version, one snapshot, one cache key
 * for the product's whole content; see docs/decisions.md), so the product's refusal says so: a
 * client that just edited a SKU sends the product version that edit answered.
 */
export function staleVersion(entity: "product" | "SKU", current: number, given: number): AppError {
  const why =
    entity === "product"
      ? " (editing or adding one of its SKUs moves the product's version too: send the `version` that edit " +
        "answered, or reload the product)"
      : "";
  return new AppError("version_conflict", {
    detail: `The ${entity} is at version ${current}, not ${given}${why}; reload and retry`,
    extensions: { currentVersion: current },
  });
}

/** Which SKU already holds a seller SKU code (when known). */
export interface CodeHolder {
  skuId: string;
  productId: string;
}

/**
 * A 409 `duplicate_sku_code` for a seller SKU code another SKU of the shop already uses (found
 * early or by the index), naming the code and, when known, the SKU that holds it.
 */
export function duplicateSkuCode(code?: string, heldBy?: CodeHolder): AppError {
  if (code === undefined) {
    return new AppError("duplicate_sku_code", { detail: "A seller SKU code is already used in this shop" });
  }
  const holder = heldBy ? ` by SKU ${heldBy.skuId} of product ${heldBy.productId}` : " twice in this edit";
  return new AppError("duplicate_sku_code", {
    detail: `The seller SKU code ${code} is already used${holder}`,
    extensions: { sellerSkuCode: code, ...(heldBy ? { skuId: heldBy.skuId, productId: heldBy.productId } : {}) },
  });
}

/** A 409 `duplicate_product` naming the shop's product that already has this category, brand and name. */
function duplicateProduct(product: ProductRecord, existingId: string | undefined): AppError {
  const { shopId, categoryId, brandId, name } = product.row;
  return new AppError("duplicate_product", {
    detail: existingId
      ? `Product ${existingId} of this shop already has category ${categoryId}, brand ${brandId} and name ${name}`
      : "This shop already has a product with this category, brand and name",
    extensions: { ...(existingId ? { productId: existingId } : {}), shopId, categoryId, brandId, name },
  });
}

/** The code of `product` that another SKU (of the shop, or of this product) already holds, and that SKU. */
async function clashingCode(
  db: Db,
  product: ProductRecord,
): Promise<{ code: string; heldBy?: CodeHolder } | undefined> {
  const mine = product.skus.flatMap((s) =>
    s.row.sellerSkuCode ? [{ skuId: s.row.id, code: s.row.sellerSkuCode }] : [],
  );
  const twice = mine.find((m, i) => mine.findIndex((o) => o.code === m.code) !== i);
  if (twice) return { code: twice.code };
  const taken = await skusByCode(
    db,
    product.row.shopId,
    mine.map((m) => m.code),
  );
  for (const t of taken) {
    const wanted = mine.find((m) => m.code === t.code);
    if (wanted && t.code && wanted.skuId !== t.id)
      return { code: t.code, heldBy: { skuId: t.id, productId: t.productId } };
  }
  return undefined;
}

/**
 * A 409 for the catalog's unique indexes met while writing `product` (its record as it was to be
 * written): `duplicate_product` or `duplicate_sku_code`, each naming what it clashed with; else
 * `err` itself.
 */
export async function duplicateOr(db: Db, err: unknown, product: ProductRecord): Promise<unknown> {
  const match = /UNIQUE constraint failed: ([a-z_.,\s]+)/i.exec(String((err as { cause?: unknown })?.cause ?? err));
  const columns = match?.[1] ?? "";
  if (columns.includes("products.")) {
    const { id, shopId, categoryId, brandId, name } = product.row;
    return duplicateProduct(
      product,
      await productIdByIdentity(db, { shopId, categoryId, brandId, name, exceptId: id }),
    );
  }
  if (columns.includes("skus.")) {
    const clash = await clashingCode(db, product);
    return duplicateSkuCode(clash?.code, clash?.heldBy);
  }
  return err;
}
