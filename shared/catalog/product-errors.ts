/**
 * The errors the product use cases answer, in one place so that the same refusal reads the same
 * whichever path meets it (a direct edit, a revision, a bulk row): not found, a stale version and
 * the catalog's unique indexes as 409s.
 */
import { AppError } from "../platform/errors";

/** A 404 for a product or SKU the caller may not see, or that does not exist (the same answer). */
export function notFound(what: string, id: string): AppError {
  return new AppError("not_found", { detail: `No ${what} ${id}` });
}

/** A 409 for an edit based on a version that is no longer current; the client reloads and retries. */
export function staleVersion(entity: string, current: number, given: number): AppError {
  return new AppError("version_conflict", {
    detail: `The ${entity} is at version ${current}, not ${given}; reload and retry`,
    extensions: { currentVersion: current },
  });
}

/** A 409 for a seller SKU code another SKU of the shop already uses (found early or by the index). */
export function duplicateSkuCode(): AppError {
  return new AppError("conflict", {
    detail: "A seller SKU code is already used in this shop",
    extensions: { reason: "duplicate_sku_code" },
  });
}

/** A 409 for the catalog's unique indexes (duplicate product, reused seller SKU code), else `err` itself. */
export function duplicateOr(err: unknown): unknown {
  const match = /UNIQUE constraint failed: ([a-z_.,\s]+)/i.exec(String((err as { cause?: unknown })?.cause ?? err));
  const columns = match?.[1] ?? "";
  if (columns.includes("products.")) {
    return new AppError("conflict", {
      detail: "This shop already has a product with this category, brand and name",
      extensions: { reason: "duplicate_product" },
    });
  }
  if (columns.includes("skus.")) return duplicateSkuCode();
  return err;
}
