/**
 * A shop's category mapping for imports: which of our categories a Shopify `Type` or `Product
 * Category` means, and how that category's attributes are filled (defaults, Shopify option names
 * and values, metafield keys). The seller replaces it whole with PUT and reads it with GET; every
 * reference (category by id, name or path; attribute by id or name) is resolved and checked
 * against the category's template when it is saved, so an import only looks entries up.
 */
import { z } from "zod";
import type { Db } from "../platform/db";
import type { FieldError } from "../platform/errors";
import { invalidFields } from "../platform/validation";
import {
  type CategoryMappingRow,
  categoryMappingRows,
  matchingCategoryMappings,
  replaceCategoryMappingRows,
} from "./import-mappings-repo";
import { type AttributeTemplateEntry, attributeTemplateOf, type CategoryNode, categoryTree } from "./structure";

/** Entries one shop's mapping may hold. */
export const MAX_CATEGORY_MAPPINGS = 500;

const attributeRef = z
  .union([z.number().int().positive(), z.string().trim().min(1).max(100)])
  .describe("One of the category's attributes, by id (102) or name (材质)");

const categoryMappingEntry = z
  .object({
    type: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .optional()
      .describe("Matches Shopify's `Type` column (case and spacing ignored)"),
    productCategory: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .describe(
        "Matches Shopify's `Product Category` column: a taxonomy path (`Apparel & Accessories > Clothing > Shirts & Tops`) or id; an entry for a path also covers the paths below it",
      ),
    category: z
      .union([z.number().int().positive(), z.string().trim().min(1).max(500)])
      .describe("Our category: its id (1003001), its name (男士T恤) or its path of names (服装 > 男士T恤)"),
    attributeDefaults: z
      .array(z.object({ attribute: attributeRef, value: z.string().trim().min(1).max(200) }).strict())
      .max(50)
      .default([])
      .describe(
        "Values for the category's attributes that a product's columns do not give (basic ones for the product, sales ones for each variant without that option)",
      ),
    options: z
      .array(
        z
          .object({
            option: z.string().trim().min(1).max(255).describe("A Shopify option name (Option1 Name …), e.g. Color"),
            attribute: attributeRef.describe("The sales attribute it means, e.g. 颜色"),
            values: z
              .record(z.string().trim().min(1).max(200), z.string().trim().min(1).max(200))
              .default({})
              .describe('Shopify option values as ours, e.g. {"Black": "黑色"}; others are kept as written'),
          })
          .strict(),
      )
      .max(20)
      .default([])
      .describe("Shopify option names that are not our sales attributes' names"),
    metafields: z
      .array(
        z
          .object({
            key: z
              .string()
              .regex(/^[\w-]+\.[\w-]+$/, "must be namespace.key, as in custom.material")
              .describe(
                "A metafield column's key: `Material (product.metafields.custom.material)` has custom.material",
              ),
            attribute: attributeRef.describe("The basic attribute it fills, e.g. 材质"),
          })
          .strict(),
      )
      .max(50)
      .default([])
      .describe("Metafield columns as our basic attributes"),
  })
  .strict()
  .refine((e) => (e.type === undefined) !== (e.productCategory === undefined), {
    message: "give exactly one of type or productCategory",
    path: ["type"],
  });

/** PUT /admin/v1/import-mappings/categories: the shop's whole mapping. */
export const categoryMappingsBody = z
  .object({ mappings: z.array(categoryMappingEntry).max(MAX_CATEGORY_MAPPINGS) })
  .strict();
export type CategoryMappingsBody = z.infer<typeof categoryMappingsBody>;

const namedAttribute = { attributeId: z.number().int(), attributeName: z.string() };

export const categoryMappingSchema = z.object({
  type: z.string().nullable(),
  productCategory: z.string().nullable(),
  category: z.object({
    id: z.number().int(),
    name: z.string(),
    path: z.string().describe("Names from the root, ` > `"),
  }),
  attributeDefaults: z.array(z.object({ ...namedAttribute, kind: z.enum(["basic", "sales"]), value: z.string() })),
  options: z.array(z.object({ option: z.string(), ...namedAttribute, values: z.record(z.string(), z.string()) })),
  metafields: z.array(z.object({ key: z.string(), ...namedAttribute })),
});
export type CategoryMapping = z.infer<typeof categoryMappingSchema>;

export const categoryMappingsSchema = z.object({
  shopId: z.string(),
  mappings: z.array(categoryMappingSchema),
  updatedAt: z.string().nullable().describe("When the mapping was last replaced; null if never"),
});

/** The lookup key of a Type or Product Category: NFKC, lower case, single spaces, ` > ` between levels. */
export function normaliseMatch(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .split(">")
    .map((part) => part.trim().replace(/\s+/g, " "))
    .join(" > ");
}

/** A Product Category path and its ancestors, longest first: an entry for a path covers those below it. */
export function productCategoryKeys(path: string): string[] {
  const parts = normaliseMatch(path).split(" > ");
  return parts.map((_, i) => parts.slice(0, parts.length - i).join(" > ")).filter(Boolean);
}

interface FlatCategory {
  id: number;
  name: string;
  path: string;
}

function flatten(nodes: readonly CategoryNode[], parents: string[] = []): FlatCategory[] {
  return nodes.flatMap((n) => [
    { id: n.id, name: n.name, path: [...parents, n.name].join(" > ") },
    ...flatten(n.children as CategoryNode[], [...parents, n.name]),
  ]);
}

function resolveCategory(ref: number | string, all: readonly FlatCategory[]): FlatCategory | string {
  if (typeof ref === "number" || /^\d+$/.test(ref)) {
    const id = Number(ref);
    return all.find((c) => c.id === id) ?? `no category ${id}`;
  }
  const key = normaliseMatch(ref);
  if (ref.includes(">")) return all.find((c) => normaliseMatch(c.path) === key) ?? `no category has the path ${ref}`;
  const named = all.filter((c) => normaliseMatch(c.name) === key);
  if (named.length === 1 && named[0]) return named[0];
  if (named.length === 0) return `no category is named ${ref}`;
  return `${named.length} categories are named ${ref} (${named.map((c) => `${c.id}: ${c.path}`).join("; ")}): give the id or the path`;
}

function resolveAttribute(
  ref: number | string,
  template: readonly AttributeTemplateEntry[],
  kind: "basic" | "sales" | null,
): AttributeTemplateEntry | string {
  const entry =
    typeof ref === "number" || /^\d+$/.test(ref)
      ? template.find((t) => t.attributeId === Number(ref))
      : template.find((t) => normaliseMatch(t.attributeName) === normaliseMatch(ref));
  const names = template
    .filter((t) => kind === null || t.kind === kind)
    .map((t) => `${t.attributeName} (${t.attributeId})`)
    .join(", ");
  if (!entry || (kind !== null && entry.kind !== kind))
    return `is not ${kind ? `a ${kind}` : "an"} attribute of this category; it has ${names || "none"}`;
  return entry;
}

type StoredDefault = { attributeId: number; value: string };
type StoredOption = { option: string; attributeId: number; values: Record<string, string> };
type StoredMetafield = { key: string; attributeId: number };

/** Resolves and checks every entry; refuses the whole mapping naming each bad field. */
async function resolveEntries(db: Db, shopId: string, body: CategoryMappingsBody, now: number) {
  const all = flatten(await categoryTree(db));
  const templates = new Map<number, AttributeTemplateEntry[]>();
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  const rows: CategoryMappingRow[] = [];
  for (const [i, entry] of body.mappings.entries()) {
    const at = `mappings.${i}`;
    const source = entry.type !== undefined ? ("type" as const) : ("product_category" as const);
    const match = entry.type ?? entry.productCategory ?? "";
    const matchKey = normaliseMatch(match);
    const field = source === "type" ? "type" : "productCategory";
    const earlier = seen.get(`${source}\n${matchKey}`);
    if (earlier !== undefined)
      errors.push({ field: `${at}.${field}`, reason: `is mapped already by mappings.${earlier}` });
    seen.set(`${source}\n${matchKey}`, i);
    const category = resolveCategory(entry.category, all);
    if (typeof category === "string") {
      errors.push({ field: `${at}.category`, reason: category });
      continue;
    }
    let template = templates.get(category.id);
    if (!template) {
      template = await attributeTemplateOf(db, category.id);
      templates.set(category.id, template);
    }
    const defaults: StoredDefault[] = [];
    for (const [j, d] of entry.attributeDefaults.entries()) {
      const attribute = resolveAttribute(d.attribute, template, null);
      if (typeof attribute === "string") {
        errors.push({ field: `${at}.attributeDefaults.${j}.attribute`, reason: attribute });
        continue;
      }
      if (attribute.allowedValues && !attribute.allowedValues.includes(d.value))
        errors.push({
          field: `${at}.attributeDefaults.${j}.value`,
          reason: `${attribute.attributeName} must be one of: ${attribute.allowedValues.join(", ")}`,
        });
      if (defaults.some((x) => x.attributeId === attribute.attributeId))
        errors.push({
          field: `${at}.attributeDefaults.${j}.attribute`,
          reason: `${attribute.attributeName} is given twice`,
        });
      defaults.push({ attributeId: attribute.attributeId, value: d.value });
    }
    const options: StoredOption[] = [];
    for (const [j, o] of entry.options.entries()) {
      const attribute = resolveAttribute(o.attribute, template, "sales");
      if (typeof attribute === "string") {
        errors.push({ field: `${at}.options.${j}.attribute`, reason: attribute });
        continue;
      }
      const allowed = attribute.allowedValues;
      for (const [from, to] of Object.entries(o.values)) {
        if (allowed && !allowed.includes(to))
          errors.push({
            field: `${at}.options.${j}.values.${from}`,
            reason: `${attribute.attributeName} must be one of: ${allowed.join(", ")}`,
          });
      }
      if (options.some((x) => normaliseMatch(x.option) === normaliseMatch(o.option)))
        errors.push({ field: `${at}.options.${j}.option`, reason: `option ${o.option} is given twice` });
      options.push({ option: o.option, attributeId: attribute.attributeId, values: o.values });
    }
    const metafields: StoredMetafield[] = [];
    for (const [j, m] of entry.metafields.entries()) {
      const attribute = resolveAttribute(m.attribute, template, "basic");
      if (typeof attribute === "string") errors.push({ field: `${at}.metafields.${j}.attribute`, reason: attribute });
      else metafields.push({ key: m.key.toLowerCase(), attributeId: attribute.attributeId });
    }
    rows.push({
      shopId,
      source,
      matchKey,
      match,
      categoryId: category.id,
      attributeDefaults: JSON.stringify(defaults),
      options: JSON.stringify(options),
      metafields: JSON.stringify(metafields),
      position: i,
      updatedAt: now,
    });
  }
  if (errors.length) throw invalidFields(errors);
  return rows;
}

/** Replaces the shop's category mapping; answers it as stored. */
export async function putCategoryMappings(db: Db, shopId: string, body: CategoryMappingsBody, now: number) {
  const rows = await resolveEntries(db, shopId, body, now);
  await replaceCategoryMappingRows(db, shopId, rows);
  return categoryMappingsOf(db, shopId);
}

/** The shop's category mapping, each reference with its name. */
export async function categoryMappingsOf(db: Db, shopId: string): Promise<z.infer<typeof categoryMappingsSchema>> {
  const rows = await categoryMappingRows(db, shopId);
  const all = flatten(await categoryTree(db));
  const templates = new Map<number, AttributeTemplateEntry[]>();
  const mappings: CategoryMapping[] = [];
  for (const row of rows) {
    const template = templates.get(row.categoryId) ?? (await attributeTemplateOf(db, row.categoryId));
    templates.set(row.categoryId, template);
    const named = (attributeId: number) => ({
      attributeId,
      attributeName: template.find((t) => t.attributeId === attributeId)?.attributeName ?? "",
    });
    const category = all.find((c) => c.id === row.categoryId);
    const stored = storedMapping(row);
    mappings.push({
      type: row.source === "type" ? row.match : null,
      productCategory: row.source === "product_category" ? row.match : null,
      category: category ?? { id: row.categoryId, name: "", path: "" },
      attributeDefaults: stored.attributeDefaults.map((d) => ({
        ...named(d.attributeId),
        kind: template.find((t) => t.attributeId === d.attributeId)?.kind ?? "basic",
        value: d.value,
      })),
      options: stored.options.map((o) => ({ option: o.option, ...named(o.attributeId), values: o.values })),
      metafields: stored.metafields.map((m) => ({ key: m.key, ...named(m.attributeId) })),
    });
  }
  const updatedAt = rows.reduce<number | null>(
    (max, r) => (max === null || r.updatedAt > max ? r.updatedAt : max),
    null,
  );
  return { shopId, mappings, updatedAt: updatedAt === null ? null : new Date(updatedAt).toISOString() };
}

/** A mapping entry as an import uses it (ids resolved when it was saved). */
export interface StoredCategoryMapping {
  source: "type" | "product_category";
  match: string;
  categoryId: number;
  attributeDefaults: StoredDefault[];
  options: StoredOption[];
  metafields: StoredMetafield[];
}

function storedMapping(row: CategoryMappingRow): StoredCategoryMapping {
  return {
    source: row.source,
    match: row.match,
    categoryId: row.categoryId,
    attributeDefaults: JSON.parse(row.attributeDefaults) as StoredDefault[],
    options: JSON.parse(row.options) as StoredOption[],
    metafields: JSON.parse(row.metafields) as StoredMetafield[],
  };
}

/**
 * The entry an imported product falls under: its Type's entry first (the seller's own word for
 * it), else the entry of its Product Category or of the nearest category above it; null if none.
 */
export async function categoryMappingFor(
  db: Db,
  shopId: string,
  product: { type: string; productCategory: string },
): Promise<StoredCategoryMapping | null> {
  const type = product.type ? normaliseMatch(product.type) : null;
  const paths = product.productCategory ? productCategoryKeys(product.productCategory) : [];
  const rows = await matchingCategoryMappings(db, shopId, { type, productCategories: paths });
  const byType = rows.find((r) => r.source === "type");
  if (byType) return storedMapping(byType);
  for (const key of paths) {
    const row = rows.find((r) => r.source === "product_category" && r.matchKey === key);
    if (row) return storedMapping(row);
  }
  return null;
}
