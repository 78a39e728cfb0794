/**
 * Shopify's product CSV (the export/import format: Handle, Title, Body (HTML), Vendor, Type, Tags,
 * Option1 Name/Value … Option3, Variant SKU, Variant Price, Variant Inventory Qty, Image Src).
 * Rows sharing a Handle are one product; its first row carries the product's fields and the option
 * names, later rows carry more variants or images. Parsed with papaparse (RFC 4180 quoting).
 */
import Papa from "papaparse";

export interface ShopifyVariant {
  row: number;
  options: { name: string; value: string }[];
  sku: string | null;
  price: string;
  inventoryQty: number | null;
}

export interface ShopifyProduct {
  /** The CSV line of the handle's first row (1 = the first line after the header). */
  row: number;
  handle: string;
  title: string;
  bodyHtml: string;
  vendor: string;
  type: string;
  tags: string[];
  images: string[];
  variants: ShopifyVariant[];
}

export type CsvResult = { ok: true; products: ShopifyProduct[] } | { ok: false; reason: string };

const REQUIRED = ["Handle", "Title", "Variant Price"] as const;

export function parseShopifyCsv(text: string): CsvResult {
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ""), {
    header: true,
    skipEmptyLines: "greedy",
  });
  const fields = parsed.meta.fields ?? [];
  const missing = REQUIRED.filter((f) => !fields.includes(f));
  if (missing.length) return { ok: false, reason: `missing columns: ${missing.join(", ")}` };
  const products = new Map<string, ShopifyProduct>();
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
        type: get("Type"),
        tags: get("Tags")
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean),
        images: [],
        variants: [],
      };
      products.set(handle, product);
    }
    const image = get("Image Src");
    if (image && !product.images.includes(image)) product.images.push(image);
    const price = get("Variant Price");
    if (price) {
      const options = [1, 2, 3].flatMap((n) => {
        const value = get(`Option${n} Value`);
        // Option names are given on the handle's first row only.
        const name = get(`Option${n} Name`) || (products.get(handle)?.variants[0]?.options[n - 1]?.name ?? "");
        return value && name && !(name === "Title" && value === "Default Title") ? [{ name, value }] : [];
      });
      const qty = get("Variant Inventory Qty");
      product.variants.push({
        row,
        options,
        sku: get("Variant SKU") || null,
        price,
        inventoryQty: qty === "" ? null : Number(qty),
      });
    }
  });
  return { ok: true, products: [...products.values()] };
}
