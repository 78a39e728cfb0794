/**
 * A content edit as data (`ContentChanges`: SPU fields, SKU fields by SKU id, SKUs to add) and
 * the bodies of the edit routes it is made from. Being data, an edit can wait in a revision of an
 * audited product, be merged with the next edit proposed, and be applied later by the same engine
 * as a direct edit (apply-content.ts).
 */
import { z } from "zod";
import { AppError, type FieldError } from "../platform/errors";
import { CURRENCIES } from "../platform/money";
import { imageUrlSchema } from "./images";
import { attributeValue, dimensionsSchema, skuInput } from "./product-input";

/** The body of an SPU edit: the fields to change, and the product version it was based on. */
export const updateProductBody = z
  .object({
    version: z.number().int().positive(),
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(20_000).optional(),
    brandId: z.number().int().positive().nullable().optional(),
    nameI18n: z.record(z.string(), z.string().min(1).max(2000)).nullable().optional(),
    descriptionI18n: z.record(z.string(), z.string().min(1).max(20_000)).nullable().optional(),
    basicAttributes: z.array(attributeValue).max(50).optional(),
    images: z.array(imageUrlSchema).max(20).optional(),
  })
  .strict();
export type UpdateProductBody = z.infer<typeof updateProductBody>;

/** The body of a SKU edit: the fields to change, and the SKU's own version. */
export const updateSkuBody = z
  .object({
    version: z.number().int().positive().describe("The SKU's version"),
    skuName: z.string().trim().min(1).max(200).optional(),
    sellerSkuCode: z.string().trim().min(1).max(64).nullable().optional(),
    salesAttributes: z.array(attributeValue).max(20).optional(),
    weightGrams: z.number().int().positive().max(1_000_000).nullable().optional(),
    dimensionsMm: dimensionsSchema.nullable().optional(),
  })
  .strict();
export type UpdateSkuBody = z.infer<typeof updateSkuBody>;

/** The body of adding a SKU to a product: the SKU as at creation, and the product's version. */
export const addSkuBody = skuInput
  .extend({
    version: z.number().int().positive().describe("The product's version"),
    currency: z.enum(CURRENCIES).optional(),
  })
  .strict();
export type AddSkuBody = z.infer<typeof addSkuBody>;

/**
 * A content edit as data: SPU fields, SKU fields by SKU id, SKUs to add (with their id, price in
 * minor units and opening stock). A direct edit applies it at once; on an audited product it waits
 * in a revision and is applied on approval on top of the live product as it is then, so fields
 * the revision does not name keep their live values (a rebase, not an overwrite).
 */
export const contentChanges = z.object({
  product: updateProductBody.omit({ version: true }).optional(),
  skus: z.record(z.string(), updateSkuBody.omit({ version: true })).optional(),
  newSkus: z
    .array(skuInput.extend({ skuId: z.string(), currency: z.enum(CURRENCIES), amount: z.number().int() }))
    .max(200)
    .optional(),
});
export type ContentChanges = z.infer<typeof contentChanges>;

/** A SKU an edit adds, with the id it will have. */
export type NewSkuChange = NonNullable<ContentChanges["newSkus"]>[number];

/**
 * A stored revision's changes. Changes that today's rules refuse (a schema tightened since they
 * were proposed) are an outdated revision, a 409 `revision_outdated` naming it, never a 500.
 */
export function storedChanges(json: string, revision: { productId: string; revisionId: string }): ContentChanges {
  const parsed = contentChanges.safeParse(JSON.parse(json));
  if (parsed.success) return parsed.data;
  throw revisionOutdated(
    revision,
    "no longer fits the product rules",
    parsed.error.issues.slice(0, 50).map((i) => ({ field: i.path.join("."), reason: i.message })),
  );
}

/** The 409 `revision_outdated` for a revision that cannot be applied as proposed; `errors` say why. */
export function revisionOutdated(
  revision: { productId: string; revisionId: string },
  why: string,
  errors: FieldError[],
): AppError {
  return new AppError("revision_outdated", {
    detail: `Revision ${revision.revisionId} of product ${revision.productId} ${why}; reject it or propose a new edit`,
    errors,
    extensions: { productId: revision.productId, revisionId: revision.revisionId },
  });
}

/**
 * `newer` on top of `older`: later fields win, SKU fields merge per SKU, added SKUs accumulate
 * (one proposed again under its id, as an edit of a pending SKU does, replaces the earlier one).
 */
export function mergeChanges(older: ContentChanges, newer: ContentChanges): ContentChanges {
  const skuEdits = { ...older.skus };
  for (const [skuId, fields] of Object.entries(newer.skus ?? {})) skuEdits[skuId] = { ...skuEdits[skuId], ...fields };
  const added = [...(older.newSkus ?? [])];
  for (const sku of newer.newSkus ?? []) {
    const i = added.findIndex((a) => a.skuId === sku.skuId);
    if (i >= 0) added[i] = sku;
    else added.push(sku);
  }
  return {
    ...(older.product || newer.product ? { product: { ...older.product, ...newer.product } } : {}),
    ...(Object.keys(skuEdits).length ? { skus: skuEdits } : {}),
    ...(added.length ? { newSkus: added } : {}),
  };
}

/** Whether `changes` names no field at all (such an edit of an audited product proposes nothing). */
export function isEmptyChange(changes: ContentChanges): boolean {
  const named = (fields: object | undefined) => Object.values(fields ?? {}).some((v) => v !== undefined);
  return !named(changes.product) && !Object.values(changes.skus ?? {}).some(named) && !changes.newSkus?.length;
}
