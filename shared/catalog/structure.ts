/**
 * Catalog structure: categories of any depth, brands, attributes and each category's attribute
 * template (which attributes are basic or sales, required or not, and their allowed values).
 * Operators manage it; product validation reads it.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { attributes, brands, categories, categoryAttributes } from "../../db/schema";
import type { Clock } from "../platform/clock";
import { type Db, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { invalidField, invalidFields } from "../platform/validation";
import { imageUrlSchema } from "./images";

const name = z.string().trim().min(1, "is required").max(100);
const numericId = z
  .number()
  .int()
  .positive()
  .max(2 ** 52);

export const createCategoryBody = z
  .object({
    id: numericId.optional().describe("Defaults to the next free id"),
    parentId: numericId.nullable().optional(),
    name,
    kind: z.enum(["physical", "virtual"]).optional().describe("Defaults to the parent's kind, else physical"),
    sort: z.number().int().optional(),
  })
  .strict();
export const createBrandBody = z
  .object({ id: numericId.optional(), name, logoUrl: imageUrlSchema.optional() })
  .strict();
export const createAttributeBody = z.object({ id: numericId.optional(), name }).strict();
export const attributeTemplateBody = z
  .object({
    attributes: z
      .array(
        z
          .object({
            attributeId: numericId,
            kind: z.enum(["basic", "sales"]),
            required: z.boolean().default(false),
            allowedValues: z.array(z.string().trim().min(1).max(100)).min(1).max(500).nullable().optional(),
          })
          .strict(),
      )
      .max(100),
  })
  .strict();

export const categorySchema = z.object({
  id: z.number().int(),
  parentId: z.number().int().nullable(),
  name: z.string(),
  level: z.number().int(),
  path: z.string(),
  kind: z.enum(["physical", "virtual"]),
});
export type CategoryNode = { id: number; name: string; kind: "physical" | "virtual"; children: CategoryNode[] };
/**
 * One level of the tree, for the OpenAPI document: `children` holds nodes of the same shape
 * (zod-to-openapi cannot render the recursive schema, so the recursion is described, not typed).
 */
export const categoryTreeSchema = z.array(
  z.object({
    id: z.number().int(),
    name: z.string(),
    kind: z.enum(["physical", "virtual"]),
    children: z.array(z.any()).describe("Child categories, each of this same shape"),
  }),
);

export interface AttributeTemplateEntry {
  attributeId: number;
  attributeName: string;
  kind: "basic" | "sales";
  required: boolean;
  allowedValues: string[] | null;
}

/**
 * A 409 naming the entry that already exists when an insert meets a unique index (the id, or a
 * brand's name), else `err` itself rethrown.
 */
function conflictOnUnique(
  err: unknown,
  what: "category" | "brand" | "attribute",
  entry: { id: number; name: string },
): never {
  const message = String((err as { cause?: unknown })?.cause ?? err);
  if (message.includes("UNIQUE constraint failed")) {
    const byName = /UNIQUE constraint failed: \w+\.name/.test(message);
    const code =
      what === "category" ? "duplicate_category" : what === "brand" ? "duplicate_brand" : "duplicate_attribute";
    throw new AppError(code, {
      detail: byName ? `A ${what} named ${entry.name} already exists` : `A ${what} with id ${entry.id} already exists`,
      extensions: byName ? { name: entry.name } : { id: entry.id },
    });
  }
  throw err;
}

export async function createCategory(db: Db, clock: Clock, input: z.infer<typeof createCategoryBody>) {
  const parent = input.parentId
    ? await db.query.categories.findFirst({ where: eq(categories.id, input.parentId) })
    : undefined;
  if (input.parentId && !parent) {
    throw invalidField("parentId", "no such category");
  }
  const now = clock.now();
  const id = input.id ?? (await nextId(db, "categories"));
  const path = `${parent?.path ?? "/"}${id}/`;
  const row = {
    id,
    parentId: parent?.id ?? null,
    name: input.name,
    level: (parent?.level ?? 0) + 1,
    path,
    kind: input.kind ?? parent?.kind ?? ("physical" as const),
    sort: input.sort ?? 0,
    createdAt: now,
    updatedAt: now,
  };
  await db
    .insert(categories)
    .values(row)
    .catch((err) => conflictOnUnique(err, "category", row));
  return { id, parentId: row.parentId, name: row.name, level: row.level, path, kind: row.kind };
}

async function nextId(db: Db, table: "categories" | "brands" | "attributes"): Promise<number> {
  const t = table === "categories" ? categories : table === "brands" ? brands : attributes;
  const rows = await db.select({ id: t.id }).from(t).orderBy(asc(t.id));
  return (rows.at(-1)?.id ?? 0) + 1;
}

export async function createBrand(db: Db, clock: Clock, input: z.infer<typeof createBrandBody>) {
  const now = clock.now();
  const id = input.id ?? (await nextId(db, "brands"));
  await db
    .insert(brands)
    .values({ id, name: input.name, logoUrl: input.logoUrl ?? null, createdAt: now, updatedAt: now })
    .catch((err) => conflictOnUnique(err, "brand", { id, name: input.name }));
  return { id, name: input.name, logoUrl: input.logoUrl ?? null };
}

export async function createAttribute(db: Db, clock: Clock, input: z.infer<typeof createAttributeBody>) {
  const now = clock.now();
  const id = input.id ?? (await nextId(db, "attributes"));
  await db
    .insert(attributes)
    .values({ id, name: input.name, createdAt: now, updatedAt: now })
    .catch((err) => conflictOnUnique(err, "attribute", { id, name: input.name }));
  return { id, name: input.name };
}

/** Replaces a category's attribute template in one batch; every attribute must exist. */
export async function replaceAttributeTemplate(
  db: Db,
  categoryId: number,
  input: z.infer<typeof attributeTemplateBody>,
): Promise<AttributeTemplateEntry[]> {
  const category = await db.query.categories.findFirst({ where: eq(categories.id, categoryId) });
  if (!category) throw new AppError("not_found", { detail: `No category ${categoryId}` });
  const known = new Map((await db.select().from(attributes)).map((a) => [a.id, a.name]));
  const errors = input.attributes.flatMap((a, i) =>
    known.has(a.attributeId) ? [] : [{ field: `attributes.${i}.attributeId`, reason: `no attribute ${a.attributeId}` }],
  );
  const ids = input.attributes.map((a) => a.attributeId);
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i)
      errors.push({ field: `attributes.${i}.attributeId`, reason: `attribute ${id} is listed twice` });
  });
  if (errors.length > 0) throw invalidFields(errors);
  await runBatch(db, [
    db.delete(categoryAttributes).where(eq(categoryAttributes.categoryId, categoryId)),
    ...input.attributes.map((a, i) =>
      db.insert(categoryAttributes).values({
        categoryId,
        attributeId: a.attributeId,
        kind: a.kind,
        required: a.required,
        allowedValues: a.allowedValues ? JSON.stringify(a.allowedValues) : null,
        sort: i,
      }),
    ),
  ]);
  return attributeTemplateOf(db, categoryId);
}

/** A category's attribute template with attribute names, in template order. */
export async function attributeTemplateOf(db: Db, categoryId: number): Promise<AttributeTemplateEntry[]> {
  const rows = await db
    .select({
      attributeId: categoryAttributes.attributeId,
      attributeName: attributes.name,
      kind: categoryAttributes.kind,
      required: categoryAttributes.required,
      allowedValues: categoryAttributes.allowedValues,
    })
    .from(categoryAttributes)
    .innerJoin(attributes, eq(attributes.id, categoryAttributes.attributeId))
    .where(eq(categoryAttributes.categoryId, categoryId))
    .orderBy(asc(categoryAttributes.sort));
  return rows.map((r) => ({ ...r, allowedValues: r.allowedValues ? (JSON.parse(r.allowedValues) as string[]) : null }));
}

export async function findCategory(db: Db, id: number) {
  return db.query.categories.findFirst({ where: and(eq(categories.id, id), eq(categories.status, 1)) });
}

export async function findBrand(db: Db, id: number) {
  return db.query.brands.findFirst({ where: and(eq(brands.id, id), eq(brands.status, 1)) });
}

/** All active categories as a tree, siblings in `sort` order. */
export async function categoryTree(db: Db): Promise<CategoryNode[]> {
  const rows = await db
    .select()
    .from(categories)
    .where(eq(categories.status, 1))
    .orderBy(asc(categories.level), asc(categories.sort), asc(categories.id));
  const nodes = new Map<number, CategoryNode>();
  const roots: CategoryNode[] = [];
  for (const row of rows) {
    const node: CategoryNode = { id: row.id, name: row.name, kind: row.kind, children: [] };
    nodes.set(row.id, node);
    const parent = row.parentId === null ? undefined : nodes.get(row.parentId);
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/** The paths (`/1/1003/1003001/`) of the given categories, for subtree checks (promotions' category scopes). */
export async function categoryPaths(db: Db, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: categories.id, path: categories.path })
    .from(categories)
    .where(inArray(categories.id, [...new Set(ids)].slice(0, 100)));
  return new Map(rows.map((r) => [r.id, r.path]));
}
