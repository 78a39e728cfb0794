/**
 * Importing one product of a Shopify export (shopify-csv.ts parses the file) as a bulk-job row.
 *
 * The product is mapped onto the seed's product JSON (category through the shop's mapping,
 * attributes from columns, Vendor and the mapping's defaults, options as sales attributes) and
 * created as a DRAFT by `createProduct`; then, while it is still a DRAFT, its sale prices
 * (`Variant Compare At Price` above `Variant Price`: the compare-at price is our standard price
 * and the Variant Price an open-ended promo price, what the shopper pays), its tags, and last
 * the submission for review an `active` product asks for. Each of these steps checks what is
 * already done, so a chunk delivered again after a crash finishes the product it created
 * instead of creating another. Nothing is shown to shoppers before an operator approves it.
 */
import { and, eq } from "drizzle-orm";
import { brands, categories } from "../../db/schema";
import { outboxInsert } from "../events/outbox";
import type { Caller } from "../platform/auth";
import { type Db, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { type Currency, currencySchema, DEFAULT_CURRENCY, parseDecimal } from "../platform/money";
import { ownShopOf } from "../platform/shop-access";
import { RowError } from "./bulk-row-error";
import type { CatalogDeps } from "./catalog-deps";
import { createProduct } from "./create-product";
import { isAllowedImageUrl } from "./images";
import { categoryMappingFor, normaliseMatch, type StoredCategoryMapping } from "./import-mappings";
import { PRODUCT_STATUS, type ProductStatusName, statusName } from "./lifecycle";
import { changeEvent, sendChange } from "./product-events";
import { type AttributeValueInput, type ProductInput, productInput } from "./product-input";
import { changeStatus } from "./product-status";
import { findProduct, loadProduct } from "./products-repo";
import { replacePrices } from "./replace-prices";
import type { ShopifyProduct } from "./shopify-csv";
import { type AttributeTemplateEntry, attributeTemplateOf, findCategory } from "./structure";
import { addProductTagStatements } from "./tags-repo";

/** What an imported row left behind, for the job view. */
export interface ImportedProduct {
  productId: string;
  status: ProductStatusName;
  warnings: string[];
}

const MAPPING_ROUTE = "PUT /admin/v1/import-mappings/categories";
const MAX_IMAGES = 20;
const MAX_TAGS = 50;
const MAX_TAG_LENGTH = 100;
/** Basic attributes that Shopify's Vendor fills when no column gives them. */
const BRAND_ATTRIBUTE_NAMES = new Set(["品牌", "brand", "vendor"]);

interface Plan {
  input: ProductInput;
  /** Per SKU (by position): the promo price in minor units when the compare-at price is above it. */
  promos: (number | null)[];
  currency: Currency;
  tags: string[];
  submit: boolean;
  warnings: string[];
}

/** Problems of one product, gathered so a row's error names all of them at once. */
class Problems {
  readonly list: { code: string; text: string }[] = [];
  add(code: string, text: string) {
    if (!this.list.some((p) => p.text === text)) this.list.push({ code, text });
  }
  throwIfAny(handle: string) {
    const first = this.list[0];
    if (first) throw new RowError(first.code, `"${handle}": ${this.list.map((p) => p.text).join("; ")}`);
  }
}

/** What Shopify's Status (or, in exports without it, Published) asks of the imported product. */
function statusIntent(p: ShopifyProduct, problems: Problems): { submit: boolean; warning: string | null } {
  const status = p.status || (p.published === true ? "active" : "draft");
  if (status === "active") return { submit: true, warning: null };
  if (status === "draft") return { submit: false, warning: null };
  if (status === "archived")
    return { submit: false, warning: "archived in Shopify: imported as DRAFT and not submitted for review" };
  problems.add("validation_failed", `Status "${p.status}" (row ${p.row}) must be active, draft or archived`);
  return { submit: false, warning: null };
}

function describeSource(p: ShopifyProduct): string {
  const parts = [
    ...(p.type ? [`Type "${p.type}"`] : []),
    ...(p.productCategory ? [`Product Category "${p.productCategory}"`] : []),
  ];
  return parts.join(" and ");
}

function mappingName(mapping: StoredCategoryMapping): string {
  return `${mapping.source === "type" ? "Type" : "Product Category"} "${mapping.match}"`;
}

/** Our category for the product: the shop's mapping, else a Type that is one of our category names. */
async function categoryOf(db: Db, shopId: string, p: ShopifyProduct) {
  const mapping = await categoryMappingFor(db, shopId, p);
  if (mapping) {
    const category = await findCategory(db, mapping.categoryId);
    if (!category)
      throw new RowError(
        "unknown_category",
        `"${p.handle}": the mapping of ${mappingName(mapping)} names category ${mapping.categoryId}, which is no longer active; map it again with ${MAPPING_ROUTE}`,
      );
    return { category, mapping };
  }
  if (p.type) {
    const named = await db.query.categories.findFirst({
      where: and(eq(categories.name, p.type), eq(categories.status, 1)),
    });
    if (named) return { category: named, mapping: null };
  }
  const source = describeSource(p);
  if (!source)
    throw new RowError(
      "unknown_category",
      `"${p.handle}" (row ${p.row}) has neither a Type nor a Product Category: give one and map it with ${MAPPING_ROUTE}`,
    );
  const verb = p.type && p.productCategory ? "have" : "has";
  const notOurs = p.type ? `"${p.type}" is not the name of one of our categories` : "it has no Type";
  const entry = p.type
    ? `{"type": "${p.type}", "category": <our category id, name or path>}`
    : `{"productCategory": "${p.productCategory}", "category": <our category id, name or path>}`;
  throw new RowError(
    "unknown_category",
    `"${p.handle}" (row ${p.row}): ${source} ${verb} no category mapping and ${notOurs}. Add ${entry} to the shop's mapping with ${MAPPING_ROUTE} (GET it for the current entries), then import this product again`,
  );
}

function findByName(entries: readonly AttributeTemplateEntry[], name: string) {
  const key = normaliseMatch(name);
  return entries.find((t) => normaliseMatch(t.attributeName) === key || String(t.attributeId) === key);
}

/** Basic attribute values: columns first, then Vendor for a brand attribute, then the mapping's defaults. */
function basicAttributesOf(
  p: ShopifyProduct,
  template: readonly AttributeTemplateEntry[],
  mapping: StoredCategoryMapping | null,
  categoryName: string,
  problems: Problems,
  warnings: string[],
): AttributeValueInput[] {
  const basic = template.filter((t) => t.kind === "basic");
  const values = new Map<number, { value: string; from: string }>();
  for (const a of p.attributes) {
    let entry: AttributeTemplateEntry | undefined;
    if (a.source === "attribute") {
      entry = findByName(basic, a.key);
      if (!entry) {
        warnings.push(`column "Attribute: ${a.key}": ${categoryName} has no basic attribute ${a.key}; ignored`);
        continue;
      }
    } else {
      const mapped = mapping?.metafields.find((m) => m.key === a.key.toLowerCase());
      entry = mapped
        ? basic.find((t) => t.attributeId === mapped.attributeId)
        : ((a.label ? findByName(basic, a.label) : undefined) ?? findByName(basic, a.key.split(".")[1] ?? ""));
      // Exports carry many metafields (Google Shopping, theme settings) that are no attribute of ours.
      if (!entry) continue;
    }
    if (!values.has(entry.attributeId))
      values.set(entry.attributeId, {
        value: a.value,
        from: a.source === "attribute" ? `column "Attribute: ${a.key}"` : `metafield ${a.key}`,
      });
  }
  const brand = basic.find((t) => BRAND_ATTRIBUTE_NAMES.has(t.attributeName.toLowerCase()));
  if (brand && p.vendor && !values.has(brand.attributeId))
    values.set(brand.attributeId, { value: p.vendor, from: "Vendor" });
  const where = mapping ? `the mapping entry for ${mappingName(mapping)}` : `a mapping entry for Type "${p.type}"`;
  for (const d of mapping?.attributeDefaults ?? []) {
    if (basic.some((t) => t.attributeId === d.attributeId) && !values.has(d.attributeId))
      values.set(d.attributeId, { value: d.value, from: `the default of ${where}` });
  }
  for (const entry of basic) {
    const given = values.get(entry.attributeId);
    if (!given && entry.required)
      problems.add(
        "validation_failed",
        `${categoryName} requires the attribute ${entry.attributeName}: add a column "Attribute: ${entry.attributeName}", or a default {"attribute": "${entry.attributeName}", "value": …} to ${where} with ${MAPPING_ROUTE}`,
      );
    if (given && entry.allowedValues && !entry.allowedValues.includes(given.value))
      problems.add(
        "validation_failed",
        `${entry.attributeName} "${given.value}" (from ${given.from}) must be one of: ${entry.allowedValues.join(", ")}`,
      );
  }
  return [...values.entries()].map(([attributeId, v]) => ({ attributeId, value: v.value }));
}

/** A variant's options as sales attributes (names and values through the mapping), then the defaults. */
function salesAttributesOf(
  v: ShopifyProduct["variants"][number],
  template: readonly AttributeTemplateEntry[],
  mapping: StoredCategoryMapping | null,
  categoryName: string,
  problems: Problems,
): AttributeValueInput[] {
  const sales = template.filter((t) => t.kind === "sales");
  const names = sales.map((t) => t.attributeName).join(", ") || "none";
  const where = mapping ? `the mapping entry for ${mappingName(mapping)}` : "a mapping entry for this Type";
  const out: AttributeValueInput[] = [];
  for (const o of v.options) {
    const mapped = mapping?.options.find((m) => normaliseMatch(m.option) === normaliseMatch(o.name));
    const entry = mapped ? sales.find((t) => t.attributeId === mapped.attributeId) : findByName(sales, o.name);
    if (!entry) {
      problems.add(
        "unknown_attribute",
        `Option "${o.name}" (row ${v.row}) is not a sales attribute of ${categoryName} (it sells by ${names}): add {"option": "${o.name}", "attribute": "${sales[0]?.attributeName ?? "…"}"} to the options of ${where} with ${MAPPING_ROUTE}`,
      );
      continue;
    }
    const values = mapped?.values ?? {};
    const value =
      values[o.value] ??
      Object.entries(values).find(([from]) => normaliseMatch(from) === normaliseMatch(o.value))?.[1] ??
      o.value;
    if (entry.allowedValues && !entry.allowedValues.includes(value))
      problems.add(
        "validation_failed",
        `${entry.attributeName} "${value}" (Option "${o.name}", row ${v.row}) must be one of: ${entry.allowedValues.join(", ")}; map Shopify's value in the options values of ${where}`,
      );
    if (out.some((a) => a.attributeId === entry.attributeId))
      problems.add("validation_failed", `row ${v.row} gives ${entry.attributeName} twice`);
    else out.push({ attributeId: entry.attributeId, value });
  }
  for (const d of mapping?.attributeDefaults ?? []) {
    if (sales.some((t) => t.attributeId === d.attributeId) && !out.some((a) => a.attributeId === d.attributeId))
      out.push({ attributeId: d.attributeId, value: d.value });
  }
  for (const entry of sales) {
    if (entry.required && !out.some((a) => a.attributeId === entry.attributeId))
      problems.add(
        "validation_failed",
        `${categoryName} sells by ${entry.attributeName}, which row ${v.row} does not give: add it as an option, or a default {"attribute": "${entry.attributeName}", "value": …} to ${where}`,
      );
  }
  return out;
}

/** Maps the product onto the seed's JSON and what follows its creation; throws its problems as one RowError. */
async function planProduct(db: Db, shopId: string, p: ShopifyProduct): Promise<Plan> {
  const problems = new Problems();
  for (const text of p.problems) problems.add("validation_failed", text);
  if (!p.handle) problems.add("validation_failed", `row ${p.row} has no Handle`);
  if (!p.title) problems.add("validation_failed", `the first row of the handle (row ${p.row}) has no Title`);
  if (p.giftCard)
    problems.add("validation_failed", "Shopify gift cards are not imported: the catalog has no gift card products");
  if (p.variants.length === 0)
    problems.add("no_variants", `no row of the handle is a variant (none gives a Variant Price, SKU or option)`);
  problems.throwIfAny(p.handle);

  const warnings: string[] = [];
  const intent = statusIntent(p, problems);
  if (intent.warning) warnings.push(intent.warning);
  const parsedCurrency = currencySchema.safeParse(p.currency ?? DEFAULT_CURRENCY);
  const currency = parsedCurrency.success ? parsedCurrency.data : DEFAULT_CURRENCY;
  const { category, mapping } = await categoryOf(db, shopId, p);
  const template = await attributeTemplateOf(db, category.id);
  const brand = p.vendor ? await db.query.brands.findFirst({ where: eq(brands.name, p.vendor) }) : undefined;
  if (p.vendor && !brand) warnings.push(`Vendor "${p.vendor}" is not one of our brands: imported without a brand`);
  const basicAttributes = basicAttributesOf(p, template, mapping, category.name, problems, warnings);

  const promos: (number | null)[] = [];
  const skus = p.variants.map((v) => {
    const salesAttributes = salesAttributesOf(v, template, mapping, category.name, problems);
    const price = parseDecimal(v.price, currency);
    let standard = v.price;
    promos.push(null);
    if (!v.price) problems.add("validation_failed", `row ${v.row}: Variant Price is empty`);
    else if (!price.ok) problems.add("validation_failed", `row ${v.row}: Variant Price "${v.price}" ${price.reason}`);
    else if (price.value <= 0) problems.add("validation_failed", `row ${v.row}: Variant Price must be above zero`);
    else if (v.compareAtPrice) {
      const compareAt = parseDecimal(v.compareAtPrice, currency);
      if (!compareAt.ok)
        problems.add(
          "validation_failed",
          `row ${v.row}: Variant Compare At Price "${v.compareAtPrice}" ${compareAt.reason}`,
        );
      else if (compareAt.value > price.value) {
        standard = v.compareAtPrice;
        promos[promos.length - 1] = price.value;
      } else
        warnings.push(
          `row ${v.row}: Variant Compare At Price ${v.compareAtPrice} is not above Variant Price ${v.price}; imported at ${v.price} without a sale price`,
        );
    }
    if (v.grams !== null && (v.grams < 0 || v.grams > 1_000_000))
      problems.add("validation_failed", `row ${v.row}: Variant Grams ${v.grams} must be between 0 and 1000000`);
    let stock = v.inventoryQty ?? 0;
    if (!Number.isInteger(stock))
      problems.add("validation_failed", `row ${v.row}: Variant Inventory Qty ${stock} must be a whole number`);
    if (stock < 0) {
      warnings.push(`row ${v.row}: Variant Inventory Qty ${stock} (oversold in Shopify) imported as 0`);
      stock = 0;
    }
    return {
      skuName: v.options.map((o) => o.value).join(" ") || p.title,
      price: standard,
      stock,
      salesAttributes,
      ...(v.sku ? { sellerSkuCode: v.sku } : {}),
      ...(v.grams ? { weightGrams: Math.max(1, Math.round(v.grams)) } : {}),
    };
  });
  problems.throwIfAny(p.handle);

  const allowedImages = p.images.filter(isAllowedImageUrl);
  if (allowedImages.length < p.images.length)
    warnings.push(
      `images that are not https URLs were left out: ${p.images.filter((i) => !isAllowedImageUrl(i)).join(", ")}`,
    );
  if (allowedImages.length > MAX_IMAGES)
    warnings.push(`${allowedImages.length} images: the first ${MAX_IMAGES} by Image Position were imported`);
  const tags = p.tags.filter((t) => t.length <= MAX_TAG_LENGTH);
  if (tags.length < p.tags.length) warnings.push(`tags longer than ${MAX_TAG_LENGTH} characters were left out`);
  if (tags.length > MAX_TAGS) warnings.push(`${tags.length} tags: the first ${MAX_TAGS} were imported`);

  const parsed = productInput.safeParse({
    categoryId: category.id,
    spu: { name: p.title, description: p.bodyHtml, ...(brand ? { brandId: brand.id } : {}) },
    basicAttributes,
    skus,
    images: allowedImages.slice(0, MAX_IMAGES),
    currency,
  });
  if (!parsed.success)
    throw new RowError(
      "validation_failed",
      `"${p.handle}": ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return {
    input: parsed.data,
    promos,
    currency,
    tags: tags.slice(0, MAX_TAGS),
    submit: intent.submit,
    warnings,
  };
}

/** The steps after creation, each skipped when done: sale prices and tags (while DRAFT), then the submission. */
async function finish(deps: CatalogDeps, caller: Caller, productId: string, plan: Plan): Promise<ImportedProduct> {
  const warnings = [...plan.warnings];
  const record = await loadProduct(deps.db, productId);
  if (!record) throw new Error(`imported product ${productId} is gone`);
  if (record.row.status === PRODUCT_STATUS.DRAFT) {
    for (const sku of record.skus) {
      const promo = plan.promos[sku.row.position] ?? null;
      if (promo === null || sku.prices.some((r) => r.type === "promo" && r.amount === promo)) continue;
      const standard = sku.prices.find((r) => r.type === "standard");
      if (!standard) continue;
      await replacePrices(deps, caller, sku.row.id, {
        prices: [
          {
            type: "standard",
            price: { amount: standard.amount, currency: plan.currency },
            effectiveAt: new Date(standard.effectiveAt).toISOString(),
          },
          { type: "promo", price: { amount: promo, currency: plan.currency } },
        ],
      });
    }
  }
  if (plan.tags.length) {
    const tagged = changeEvent(
      deps,
      { id: productId, shopId: record.row.shopId, version: record.row.version },
      "updated",
    );
    await runBatch(deps.db, [outboxInsert(deps.db, tagged), ...addProductTagStatements(deps.db, productId, plan.tags)]);
    await sendChange(deps, tagged);
  }
  let status = statusName(record.row.status);
  if (plan.submit && record.row.status === PRODUCT_STATUS.DRAFT) {
    try {
      status = (await changeStatus(deps, caller, productId, "submit")).status;
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      // The product stays a DRAFT the seller can submit; the row still created it.
      warnings.push(`not submitted for review: ${err.detail}`);
    }
  }
  return { productId, status, warnings };
}

/**
 * Imports one Shopify product as the job's caller. `earlierProductId` is the product an earlier
 * delivery of the same row created (found through its operation log): it is finished, not made again.
 */
export async function importShopifyProduct(
  deps: CatalogDeps,
  caller: Caller,
  product: ShopifyProduct,
  earlierProductId: string | undefined,
): Promise<ImportedProduct> {
  const shopId = ownShopOf(caller, "Products are imported into a seller's shop");
  let plan: Plan;
  try {
    plan = await planProduct(deps.db, shopId, product);
  } catch (err) {
    // The mapping changed between two deliveries of the row: the product stays as far as it got.
    if (!(err instanceof RowError) || earlierProductId === undefined) throw err;
    const row = await findProduct(deps.db, earlierProductId);
    return {
      productId: earlierProductId,
      status: row ? statusName(row.status) : "DRAFT",
      warnings: [`created by an earlier attempt of this row, which could not be finished: ${err.detail}`],
    };
  }
  const productId = earlierProductId ?? (await createProduct(deps, caller, plan.input)).productId;
  return finish(deps, caller, productId, plan);
}
