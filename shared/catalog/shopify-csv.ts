/**
 * Shopify's product CSV, as Shopify exports it: Handle, Title, Body (HTML), Vendor, Product
 * Category, Type, Tags, Published, Option1 Name/Value … Option3, Variant SKU, Variant Grams,
 * Variant Inventory Qty, Variant Price, Variant Compare At Price, Image Src, Image Position, Gift
 * Card, …, Variant Image, Variant Weight Unit, Cost per item, Status, and metafield columns
 * (`Material (product.metafields.custom.material)`). Rows sharing a Handle are one product: its
 * first row carries the product's columns and the option names, later rows leave them empty and
 * carry more variants, and image rows carry only Handle, Image Src and Image Position. Our own
 * `Attribute: 材质` columns name basic attributes directly. Parsed with papaparse (RFC 4180
 * quoting, multi-line bodies); columns we do not import are ignored here and listed in
 * docs/shopify-import.md.
 */
import Papa from "papaparse";
import { z } from "zod";

export const shopifyVariantSchema = z.object({
  /** The CSV record the variant is on (1 = the first after the header). */
  row: z.number().int(),
  options: z.array(z.object({ name: z.string(), value: z.string() })),
  sku: z.string().nullable(),
  price: z.string(),
  compareAtPrice: z.string().nullable().default(null),
  /** Shopify's `Variant Grams`: always grams, whatever `Variant Weight Unit` displays. */
  grams: z.number().nullable().default(null),
  inventoryQty: z.number().nullable(),
  image: z.string().nullable().default(null),
});
export type ShopifyVariant = z.infer<typeof shopifyVariantSchema>;

/** An attribute value from a column: ours (`Attribute: 材质`) or a Shopify metafield. */
export const shopifyAttributeSchema = z.object({
  /** `attribute`: the column names our attribute; `metafield`: `namespace.key`, with its label if given. */
  source: z.enum(["attribute", "metafield"]),
  key: z.string(),
  label: z.string().nullable(),
  value: z.string(),
});
export type ShopifyAttribute = z.infer<typeof shopifyAttributeSchema>;

/**
 * One product of the file, as stored in its job row. Fields added after the first version have
 * defaults, so rows stored by an earlier version still parse.
 */
export const shopifyProductSchema = z.object({
  /** The CSV record of the handle's first row (1 = the first after the header). */
  row: z.number().int(),
  handle: z.string(),
  title: z.string(),
  bodyHtml: z.string(),
  vendor: z.string(),
  productCategory: z.string().default(""),
  type: z.string(),
  tags: z.array(z.string()),
  /** `Published` (TRUE/FALSE), null when the column is absent or empty. */
  published: z.boolean().nullable().default(null),
  /** `Status` as written (active, draft, archived), "" when absent. */
  status: z.string().default(""),
  giftCard: z.boolean().default(false),
  /** Image Src by Image Position, then the variants' images; each once. */
  images: z.array(z.string()),
  attributes: z.array(shopifyAttributeSchema).default([]),
  variants: z.array(shopifyVariantSchema),
  /** What could not be read (`row 4: Variant Grams "abc" is not a number`); the product fails with them. */
  problems: z.array(z.string()).default([]),
  /** Currency of the file's prices (Shopify exports name none); the job's, when it was given. */
  currency: z.string().optional(),
});
export type ShopifyProduct = z.infer<typeof shopifyProductSchema>;

export type CsvResult = { ok: true; products: ShopifyProduct[] } | { ok: false; reason: string };

const REQUIRED = ["Handle", "Title", "Variant Price"] as const;

/** `Attribute: 材质` → 材质. */
const ATTRIBUTE_COLUMN = /^Attribute:\s*(.+)$/i;
/** `Product metafields: custom.material` (and `Metafield: custom.material`) → custom.material. */
const METAFIELD_COLUMN = /^(?:Product metafields?|Metafield):\s*([\w-]+\.[\w-]+)$/i;
/** Shopify's own export: `Material (product.metafields.custom.material)` → Material, custom.material. */
const LABELLED_METAFIELD_COLUMN = /^(.*?)\s*\(product\.metafields\.([\w-]+\.[\w-]+)\)$/i;

function attributeColumn(field: string): Omit<ShopifyAttribute, "value"> | null {
  const ours = ATTRIBUTE_COLUMN.exec(field);
  if (ours?.[1]) return { source: "attribute", key: ours[1].trim(), label: null };
  const plain = METAFIELD_COLUMN.exec(field);
  if (plain?.[1]) return { source: "metafield", key: plain[1], label: null };
  const labelled = LABELLED_METAFIELD_COLUMN.exec(field);
  if (labelled?.[2]) return { source: "metafield", key: labelled[2], label: labelled[1]?.trim() || null };
  return null;
}

/** A list metafield is exported as a JSON array (`["Cotton","Linen"]`): its values, comma-separated. */
function metafieldText(value: string): string {
  if (!value.startsWith("[")) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed) && parsed.every((v) => typeof v === "string" || typeof v === "number"))
      return parsed.join(", ");
  } catch {
    // Not JSON after all: the text as written.
  }
  return value;
}

function bool(value: string): boolean | null {
  const v = value.toLowerCase();
  return v === "true" ? true : v === "false" ? false : null;
}

/** Parses an export into products; refuses only a file without the columns every export has. */
export function parseShopifyCsv(text: string): CsvResult {
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ""), {
    header: true,
    skipEmptyLines: "greedy",
  });
  const fields = parsed.meta.fields ?? [];
  const missing = REQUIRED.filter((f) => !fields.includes(f));
  if (missing.length) return { ok: false, reason: `missing columns: ${missing.join(", ")}` };
  const attributeColumns = fields.flatMap((field) => {
    const column = attributeColumn(field);
    return column ? [{ field, ...column }] : [];
  });
  const products = new Map<string, ShopifyProduct & { positioned: { src: string; position: number }[] }>();
  parsed.data.forEach((raw, i) => {
    const row = i + 1;
    const get = (k: string) => (raw[k] ?? "").trim();
    const handle = get("Handle");
    let product = products.get(handle);
    if (!product) {
      product = {
        row,
        handle,
        title: get("Title"),
        bodyHtml: get("Body (HTML)"),
        vendor: get("Vendor"),
        productCategory: get("Product Category"),
        type: get("Type"),
        tags: [
          ...new Set(
            get("Tags")
              .split(",")
              .map((t) => t.trim())
              .filter(Boolean),
          ),
        ],
        published: bool(get("Published")),
        status: get("Status").toLowerCase(),
        giftCard: bool(get("Gift Card")) === true,
        images: [],
        positioned: [],
        attributes: [],
        variants: [],
        problems: [],
      };
      products.set(handle, product);
    }
    for (const column of attributeColumns) {
      const value = get(column.field);
      if (value && !product.attributes.some((a) => a.source === column.source && a.key === column.key)) {
        product.attributes.push({
          source: column.source,
          key: column.key,
          label: column.label,
          value: column.source === "metafield" ? metafieldText(value) : value,
        });
      }
    }
    const image = get("Image Src");
    if (image && !product.positioned.some((p) => p.src === image)) {
      const position = Number(get("Image Position"));
      product.positioned.push({
        src: image,
        position: Number.isFinite(position) && position > 0 ? position : 1e9 + product.positioned.length,
      });
    }
    const price = get("Variant Price");
    // A variant row names an option value, a SKU or a price; an image row names none of them.
    if (price || get("Variant SKU") || get("Option1 Value")) {
      const first = product.variants[0];
      const at = product;
      const numberIn = (column: string): number | null => {
        const value = get(column);
        if (value === "") return null;
        const n = Number(value);
        if (Number.isFinite(n)) return n;
        at.problems.push(`row ${row}: ${column} "${value}" is not a number`);
        return null;
      };
      const options = [1, 2, 3].flatMap((n) => {
        const value = get(`Option${n} Value`);
        // Option names are given on the handle's first row only.
        const name = get(`Option${n} Name`) || (first?.options[n - 1]?.name ?? "");
        // A product without options is exported as the one option Title = Default Title.
        return value && name && !(name === "Title" && value === "Default Title") ? [{ name, value }] : [];
      });
      product.variants.push({
        row,
        options,
        sku: get("Variant SKU") || null,
        price,
        compareAtPrice: get("Variant Compare At Price") || null,
        grams: numberIn("Variant Grams"),
        inventoryQty: numberIn("Variant Inventory Qty"),
        image: get("Variant Image") || null,
      });
    }
  });
  return {
    ok: true,
    products: [...products.values()].map(({ positioned, ...product }) => {
      const byPosition = [...positioned].sort((a, b) => a.position - b.position).map((p) => p.src);
      const variantImages = product.variants.flatMap((v) => (v.image ? [v.image] : []));
      return { ...product, images: [...new Set([...byPosition, ...variantImages])] };
    }),
  };
}
