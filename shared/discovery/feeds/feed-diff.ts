/**
 * A feed's difference with the shop's catalog, matched by seller SKU code, as bulk-job rows:
 * an item none of whose codes the shop has is a product to create (through the import path, as a
 * bulk upload would); an item whose codes belong to one product edits what differs (the SPU's
 * name and description, each SKU's standard price and units available), one row per product or
 * SKU that changed and none for what did not, so a run over a feed that matches the catalog
 * stores no job at all. An item that cannot be matched (no codes, codes of several products, a
 * code twice, a new SKU of an existing product) is a rejected row naming why; the rest applies.
 * Codes the feed listed before and no longer lists are delisted (stock 0, the product off shelf
 * when none of its codes remain) only when the feed's `deleteMissing` says so; otherwise they are
 * counted and kept listed. Pure: the caller reads the catalog's state and stores the rows.
 */
import type { RowPayload } from "../../catalog/bulk-jobs";
import { productInput } from "../../catalog/product-input";
import { parseShopifyCsv, type ShopifyProduct } from "../../catalog/shopify-csv";
import type { SkuSyncState } from "../../catalog/sku-sync-state";
import { type Currency, DEFAULT_CURRENCY, parseDecimal } from "../../platform/money";

/** A feed's SKU as the feed gives it. */
interface WantedSku {
  code: string | null;
  price: string | number;
  stock: number | undefined;
}

/** One item (product) of a feed. */
export interface FeedItem {
  /** 1-based position in the feed (a JSON array's element; a CSV's product, in order). */
  position: number;
  ref: string | null;
  /** Codes the item names, even when it is otherwise invalid (so they are never taken for missing). */
  codes: string[];
  /** Why the item cannot be used, when it cannot. */
  invalid: string | null;
  create: RowPayload;
  name: string | undefined;
  description: string | undefined;
  skus: WantedSku[];
}

export type ParsedFeed = { ok: true; items: FeedItem[] } | { ok: false; reason: string };

/** The difference's counts, kept with the run. */
export interface FeedSummary {
  items: number;
  creates: number;
  contentEdits: number;
  priceChanges: number;
  stockChanges: number;
  delisted: number;
  missing: number;
  rejected: number;
}

function rawCodes(value: unknown): string[] {
  const skus = (value as { skus?: unknown } | null)?.skus;
  if (!Array.isArray(skus)) return [];
  return skus.flatMap((s) => {
    const code = (s as { sellerSkuCode?: unknown } | null)?.sellerSkuCode;
    return typeof code === "string" && code.trim() ? [code.trim()] : [];
  });
}

function jsonItems(body: string): ParsedFeed {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, reason: "the feed is not valid JSON" };
  }
  if (!Array.isArray(parsed))
    return { ok: false, reason: "a JSON feed must be an array of products in the seed's shape" };
  return {
    ok: true,
    items: parsed.map((value, i) => {
      const name = (value as { spu?: { name?: unknown } } | null)?.spu?.name;
      const ref = typeof name === "string" ? name.slice(0, 200) : null;
      const create: RowPayload = { kind: "json-product", value };
      const input = productInput.safeParse(value);
      if (!input.success)
        return {
          position: i + 1,
          ref,
          codes: rawCodes(value),
          invalid: input.error.issues
            .slice(0, 20)
            .map((x) => `${x.path.join(".")}: ${x.message}`)
            .join("; "),
          create,
          name: undefined,
          description: undefined,
          skus: [],
        };
      const raw = value as { spu: { description?: unknown }; skus: { stock?: unknown }[] };
      return {
        position: i + 1,
        ref,
        codes: rawCodes(value),
        invalid: null,
        create,
        name: input.data.spu.name,
        // Fields the item leaves out are not the feed's to change (the schema's defaults are not a wish).
        description: raw.spu.description === undefined ? undefined : input.data.spu.description,
        skus: input.data.skus.map((s, k) => ({
          code: s.sellerSkuCode ?? null,
          price: s.price,
          stock: raw.skus[k]?.stock === undefined ? undefined : s.stock,
        })),
      };
    }),
  };
}

/** Shopify's standard price: the compare-at price when it is above the Variant Price (as the import reads it). */
function shopifyStandardPrice(v: ShopifyProduct["variants"][number]): string {
  const price = Number(v.price);
  const compareAt = v.compareAtPrice === null ? Number.NaN : Number(v.compareAtPrice);
  return Number.isFinite(compareAt) && compareAt > price ? (v.compareAtPrice ?? v.price) : v.price;
}

function csvItems(body: string, currency: Currency | null): ParsedFeed {
  const csv = parseShopifyCsv(body);
  if (!csv.ok) return { ok: false, reason: csv.reason };
  return {
    ok: true,
    items: csv.products.map((p, i) => ({
      position: i + 1,
      ref: p.handle || null,
      codes: p.variants.flatMap((v) => (v.sku ? [v.sku] : [])),
      invalid: p.problems.length ? p.problems.join("; ") : null,
      create: { kind: "shopify-product", value: currency ? { ...p, currency } : p },
      name: p.title || undefined,
      description: undefined,
      skus: p.variants.map((v) => ({
        code: v.sku,
        price: shopifyStandardPrice(v),
        stock: v.inventoryQty ?? undefined,
      })),
    })),
  };
}

/** Reads a feed's body as items. */
export function parseFeed(format: "json" | "shopify_csv", body: string, currency: Currency | null): ParsedFeed {
  return format === "json" ? jsonItems(body) : csvItems(body, currency);
}

/** The difference of `items` with the shop's SKUs (`states`, by code) and the codes the feed listed before. */
export function diffFeed(
  items: readonly FeedItem[],
  states: ReadonlyMap<string, SkuSyncState>,
  previouslyListed: readonly string[],
  deleteMissing: boolean,
): { rows: RowPayload[]; summary: FeedSummary; listed: string[] } {
  const rows: RowPayload[] = [];
  const summary: FeedSummary = {
    items: items.length,
    creates: 0,
    contentEdits: 0,
    priceChanges: 0,
    stockChanges: 0,
    delisted: 0,
    missing: 0,
    rejected: 0,
  };
  const reject = (ref: string | null, detail: string, code = "validation_failed") => {
    summary.rejected += 1;
    rows.push({ kind: "rejected", value: { ref, code, detail: detail.slice(0, 1000) } });
  };
  const present = new Set(items.flatMap((item) => item.codes));
  const firstSeen = new Map<string, number>();
  for (const item of items) {
    const where = `feed item ${item.position}${item.ref ? ` (${item.ref})` : ""}`;
    const twice = item.codes.find((c) => firstSeen.has(c) || item.codes.indexOf(c) !== item.codes.lastIndexOf(c));
    for (const c of item.codes) if (!firstSeen.has(c)) firstSeen.set(c, item.position);
    if (item.invalid !== null) {
      // Unknown products go through the import path, which names every problem as an upload would.
      if (item.codes.every((c) => !states.has(c)) && twice === undefined) {
        summary.creates += 1;
        rows.push(item.create);
      } else reject(item.ref, `${where}: ${item.invalid}`);
      continue;
    }
    const uncoded = item.skus.findIndex((s) => s.code === null);
    if (uncoded >= 0) {
      reject(item.ref, `${where}: SKU ${uncoded + 1} has no seller SKU code; a feed matches SKUs by their codes`);
      continue;
    }
    if (twice !== undefined) {
      reject(item.ref, `${where}: the seller SKU code ${twice} is given more than once in the feed`);
      continue;
    }
    const known = item.skus.flatMap((s) => {
      const state = s.code === null ? undefined : states.get(s.code);
      return state ? [{ sku: s, state }] : [];
    });
    if (known.length === 0) {
      summary.creates += 1;
      rows.push(item.create);
      continue;
    }
    const productIds = [...new Set(known.map((k) => k.state.productId))];
    const [productId] = productIds;
    const first = known[0]?.state;
    if (productIds.length > 1 || productId === undefined || first === undefined) {
      reject(item.ref, `${where}: its SKU codes belong to several products (${productIds.join(", ")})`);
      continue;
    }
    const content = {
      ...(item.name !== undefined && item.name !== first.product.name ? { name: item.name } : {}),
      ...(item.description !== undefined && item.description !== first.product.description
        ? { description: item.description }
        : {}),
    };
    if (Object.keys(content).length > 0) {
      summary.contentEdits += 1;
      rows.push({ kind: "product-edit", value: { productId, ...content } });
    }
    for (const s of item.skus) {
      const code = s.code ?? "";
      const state = states.get(code);
      if (!state) {
        reject(
          code,
          `${where}: the SKU ${code} is new to product ${productId}; add it with POST /admin/v1/products/${productId}/skus (a feed creates whole products only)`,
          "unsupported_change",
        );
        continue;
      }
      const currency = state.standardPrice?.currency ?? DEFAULT_CURRENCY;
      const amount = parseDecimal(s.price, currency);
      if (!amount.ok || amount.value <= 0) {
        reject(code, `${where}: price of ${code}: ${amount.ok ? "must be greater than zero" : amount.reason}`);
        continue;
      }
      const repriced = amount.value !== state.standardPrice?.amount;
      const restocked = s.stock !== undefined && s.stock !== state.available;
      if (repriced) summary.priceChanges += 1;
      if (restocked) summary.stockChanges += 1;
      if (repriced || restocked)
        rows.push({
          kind: "edit",
          value: {
            sellerSkuCode: code,
            ...(repriced ? { price: s.price } : {}),
            ...(restocked ? { stock: s.stock } : {}),
          },
        });
    }
  }
  const missing = previouslyListed.filter((c) => !present.has(c) && states.has(c));
  const keptProducts = new Set([...present].flatMap((c) => states.get(c)?.productId ?? []));
  const offShelf = new Set<string>();
  if (deleteMissing) {
    for (const code of missing) {
      const state = states.get(code);
      if (!state) continue;
      summary.delisted += 1;
      const delist =
        !keptProducts.has(state.productId) &&
        !offShelf.has(state.productId) &&
        (state.product.status === "ON_SHELF" || state.product.status === "SOLD_OUT");
      if (delist) offShelf.add(state.productId);
      if (state.available > 0 || delist)
        rows.push({
          kind: "edit",
          value: {
            sellerSkuCode: code,
            ...(state.available > 0 ? { stock: 0 } : {}),
            ...(delist ? { status: "off-shelf" } : {}),
          },
        });
    }
  } else summary.missing = missing.length;
  return { rows, summary, listed: [...present, ...(deleteMissing ? [] : missing)] };
}
