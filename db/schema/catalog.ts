/**
 * The product center's tables (seed: 商品管理 数据库模型, price and stock apart from the SKU as in
 * its option 2). Category, brand and attribute ids are integers because the seed's product JSON
 * refers to them by number (`categoryId: 1003001`); products and SKUs carry prefixed ids.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { shops } from "./users";

/** A category of any depth; `path` (`/1003/1003001/`) makes subtree filters a prefix match. */
export const categories = sqliteTable(
  "categories",
  {
    id: integer("id").primaryKey(),
    parentId: integer("parent_id"),
    name: text("name").notNull(),
    level: integer("level").notNull(),
    path: text("path").notNull(),
    /** Which checkout strategy its products follow: physical goods ship, virtual goods are delivered. */
    kind: text("kind", { enum: ["physical", "virtual"] })
      .notNull()
      .default("physical"),
    sort: integer("sort").notNull().default(0),
    status: integer("status").notNull().default(1),
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("categories_parent").on(t.parentId), index("categories_path").on(t.path)],
);

export const brands = sqliteTable("brands", {
  id: integer("id").primaryKey(),
  name: text("name").notNull().unique(),
  logoUrl: text("logo_url"),
  status: integer("status").notNull().default(1),
  version: integer("version").notNull().default(1),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** An attribute name (颜色, 尺码, 材质, ...); its role in a category is set by the template. */
export const attributes = sqliteTable("attributes", {
  id: integer("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** A category's attribute template: basic (describes the SPU) or sales (defines SKUs). */
export const categoryAttributes = sqliteTable(
  "category_attributes",
  {
    categoryId: integer("category_id")
      .notNull()
      .references(() => categories.id),
    attributeId: integer("attribute_id")
      .notNull()
      .references(() => attributes.id),
    kind: text("kind", { enum: ["basic", "sales"] }).notNull(),
    required: integer("required", { mode: "boolean" }).notNull().default(false),
    /** JSON array of allowed values, or null for free text. */
    allowedValues: text("allowed_values"),
    sort: integer("sort").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.categoryId, t.attributeId] })],
);

export const warehouses = sqliteTable(
  "warehouses",
  {
    id: text("id").primaryKey(),
    shopId: text("shop_id")
      .notNull()
      .references(() => shops.id),
    name: text("name").notNull(),
    region: text("region").notNull(),
    isDefault: integer("is_default", { mode: "boolean" }).notNull().default(false),
    /** Allocation order for reservations: lower first; ties go to the warehouse with most stock. */
    priority: integer("priority").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("warehouses_shop").on(t.shopId)],
);

/** The SPU ("item" in the seed). `status` follows the lifecycle codes of SPEC §2. */
export const products = sqliteTable(
  "products",
  {
    id: text("id").primaryKey(),
    shopId: text("shop_id")
      .notNull()
      .references(() => shops.id),
    categoryId: integer("category_id")
      .notNull()
      .references(() => categories.id),
    brandId: integer("brand_id").references(() => brands.id),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** JSON `{ "en": "...", ... }`: names and descriptions in other languages. */
    nameI18n: text("name_i18n"),
    descriptionI18n: text("description_i18n"),
    status: integer("status").notNull(),
    /** Why the last audit rejected or froze it. */
    statusReason: text("status_reason"),
    salesCount: integer("sales_count").notNull().default(0),
    version: integer("version").notNull().default(1),
    /** The operation that last changed the row: later statements of the same D1 batch key on it. */
    lastOpId: text("last_op_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // An accidental duplicate (same shop, category, brand and name) is refused; deleted ones do not count.
    uniqueIndex("products_shop_identity").on(t.shopId, t.categoryId, t.brandId, t.name).where(sql`status <> 99`),
    index("products_shop_status").on(t.shopId, t.status),
    index("products_category_status").on(t.categoryId, t.status),
    index("products_status_created").on(t.status, t.createdAt),
  ],
);

/** Basic attribute values of a product. */
export const productAttributeValues = sqliteTable(
  "product_attribute_values",
  {
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    attributeId: integer("attribute_id")
      .notNull()
      .references(() => attributes.id),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.productId, t.attributeId] })],
);

export const productImages = sqliteTable(
  "product_images",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    url: text("url").notNull(),
    sort: integer("sort").notNull().default(0),
  },
  (t) => [index("product_images_product").on(t.productId, t.sort)],
);

export const tags = sqliteTable("tags", {
  id: integer("id").primaryKey(),
  name: text("name").notNull().unique(),
});

export const productTags = sqliteTable(
  "product_tags",
  {
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    tagId: integer("tag_id")
      .notNull()
      .references(() => tags.id),
  },
  (t) => [primaryKey({ columns: [t.productId, t.tagId] })],
);

/** A SKU of a product; price and stock live in their own tables. */
export const skus = sqliteTable(
  "skus",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    shopId: text("shop_id")
      .notNull()
      .references(() => shops.id),
    /** The seller's own code, unique within the shop when given. */
    sellerSkuCode: text("seller_sku_code"),
    name: text("name").notNull(),
    /** Display order within the product, as the seller listed the SKUs. */
    position: integer("position").notNull().default(0),
    weightGrams: integer("weight_grams"),
    /** JSON `{ length, width, height }` in millimetres, for shipping fees. */
    dimensionsMm: text("dimensions_mm"),
    status: integer("status").notNull().default(1),
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("skus_product").on(t.productId), uniqueIndex("skus_shop_code").on(t.shopId, t.sellerSkuCode)],
);

/** Sales attribute values of a SKU (颜色=黑色, 尺码=L). */
export const skuAttributeValues = sqliteTable(
  "sku_attribute_values",
  {
    skuId: text("sku_id")
      .notNull()
      .references(() => skus.id),
    attributeId: integer("attribute_id")
      .notNull()
      .references(() => attributes.id),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.skuId, t.attributeId] })],
);

/** Price rows of a SKU; the effective one at an instant is what a shopper sees (promo over standard). */
export const prices = sqliteTable(
  "prices",
  {
    id: text("id").primaryKey(),
    skuId: text("sku_id")
      .notNull()
      .references(() => skus.id),
    type: text("type", { enum: ["standard", "promo"] }).notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    effectiveAt: integer("effective_at").notNull(),
    expiresAt: integer("expires_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("prices_sku_effective").on(t.skuId, t.effectiveAt)],
);

/**
 * Projection of each SKU's stock per warehouse, for listing and search. The SKU's Durable Object
 * is the system of record; this table is written from it.
 */
export const skuStock = sqliteTable(
  "sku_stock",
  {
    skuId: text("sku_id")
      .notNull()
      .references(() => skus.id),
    warehouseId: text("warehouse_id")
      .notNull()
      .references(() => warehouses.id),
    available: integer("available").notNull().default(0),
    reserved: integer("reserved").notNull().default(0),
    sold: integer("sold").notNull().default(0),
    /** The object's revision this row reflects; older updates never overwrite newer ones. */
    revision: integer("revision").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.skuId, t.warehouseId] })],
);

/** Immutable versions of a product's content (seed: 商品快照), one per edit. */
export const productSnapshots = sqliteTable(
  "product_snapshots",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    version: integer("version").notNull(),
    contentHash: text("content_hash").notNull(),
    /** The full product (SPU, attributes, SKUs) as JSON. */
    content: text("content").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("product_snapshots_product_version").on(t.productId, t.version)],
);

/**
 * Content edits of an audited product waiting for an operator (seed: 商品的生命周期, re-audit):
 * the live product stays as approved until a revision is approved. At most one is PENDING per
 * product (a later edit supersedes it, carrying its changes forward).
 */
export const productRevisions = sqliteTable(
  "product_revisions",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    shopId: text("shop_id").notNull(),
    status: text("status", { enum: ["PENDING", "APPROVED", "REJECTED", "SUPERSEDED"] }).notNull(),
    /** The live product's version when the revision was proposed. */
    baseVersion: integer("base_version").notNull(),
    /** JSON: the proposed field changes (SPU fields, SKU fields by id, new SKUs), applied on approval. */
    changes: text("changes").notNull(),
    createdBy: text("created_by").notNull(),
    createdByType: text("created_by_type").notNull(),
    createdAt: integer("created_at").notNull(),
    decidedBy: text("decided_by"),
    decidedAt: integer("decided_at"),
    reason: text("reason"),
    /** The revision that replaced this one while it was pending. */
    supersededBy: text("superseded_by"),
    /** The product version the approval produced. */
    appliedVersion: integer("applied_version"),
    /** The operation that last changed the row: later statements of the same D1 batch key on it. */
    lastOpId: text("last_op_id"),
  },
  (t) => [
    uniqueIndex("product_revisions_one_pending").on(t.productId).where(sql`status = 'PENDING'`),
    index("product_revisions_product").on(t.productId, t.createdAt),
  ],
);

/** Who changed what, when, from what to what (seed: 用户操作日志). Append-only. */
export const operationLogs = sqliteTable(
  "operation_logs",
  {
    id: text("id").primaryKey(),
    actorId: text("actor_id").notNull(),
    /** `user`, `api_key` or `system` (automatic transitions, consumers). */
    actorType: text("actor_type").notNull(),
    shopId: text("shop_id"),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    operation: text("operation").notNull(),
    before: text("before"),
    after: text("after"),
    requestId: text("request_id"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("operation_logs_entity").on(t.entityType, t.entityId, t.createdAt),
    index("operation_logs_shop").on(t.shopId, t.createdAt),
  ],
);

/**
 * Denormalized search documents, one per product, rebuilt by the catalog-events consumer on every
 * change: the text the storefront's full-text index covers and the facts its filters use.
 */
export const searchDocuments = sqliteTable(
  "search_documents",
  {
    productId: text("product_id")
      .primaryKey()
      .references(() => products.id),
    shopId: text("shop_id").notNull(),
    status: integer("status").notNull(),
    categoryId: integer("category_id").notNull(),
    categoryPath: text("category_path").notNull(),
    brandId: integer("brand_id"),
    name: text("name").notNull(),
    /** Name, description, brand, category names, tags and attribute values, space-separated. */
    text: text("text").notNull(),
    /** JSON `{ "<attribute name>": ["value", ...] }` for attribute filters and facets. */
    attributes: text("attributes").notNull(),
    minPrice: integer("min_price"),
    maxPrice: integer("max_price"),
    currency: text("currency"),
    inStock: integer("in_stock", { mode: "boolean" }).notNull(),
    salesCount: integer("sales_count").notNull(),
    /** Visible reviews and their star sum (from shared/reviews), for the `rating` sort. */
    ratingCount: integer("rating_count").notNull().default(0),
    ratingSum: integer("rating_sum").notNull().default(0),
    image: text("image"),
    productVersion: integer("product_version").notNull(),
    createdAt: integer("created_at").notNull(),
    indexedAt: integer("indexed_at").notNull(),
    /**
     * The next instant a price row of the product's SKUs takes effect or expires (ms), after
     * which minPrice/maxPrice are out of date; null when no window is pending. The events cron
     * re-indexes documents past it.
     */
    priceValidUntil: integer("price_valid_until"),
  },
  (t) => [
    index("search_documents_status_category").on(t.status, t.categoryPath),
    // Facets, sorts and filters over on-shelf products read these instead of every row.
    index("search_documents_status_brand").on(t.status, t.brandId),
    index("search_documents_status_category_id").on(t.status, t.categoryId),
    index("search_documents_status_created").on(t.status, t.createdAt),
    index("search_documents_status_min_price").on(t.status, t.minPrice),
    index("search_documents_status_sales").on(t.status, t.salesCount),
    index("search_documents_price_valid_until").on(t.priceValidUntil),
  ],
);

/**
 * One row: a counter bumped in the same batch as every change to the search index, so cached
 * search results can be keyed by it and are never served after the index moved on.
 */
export const searchMeta = sqliteTable("search_meta", {
  id: integer("id").primaryKey(),
  generation: integer("generation").notNull(),
});

/** Bulk upload and bulk edit jobs, processed chunk by chunk from the bulk-jobs queue. */
export const bulkJobs = sqliteTable(
  "bulk_jobs",
  {
    id: text("id").primaryKey(),
    shopId: text("shop_id")
      .notNull()
      .references(() => shops.id),
    kind: text("kind", { enum: ["import", "edit", "feed"] }).notNull(),
    format: text("format", { enum: ["json", "csv"] }).notNull(),
    status: text("status", { enum: ["queued", "running", "completed", "failed"] }).notNull(),
    total: integer("total").notNull(),
    chunks: integer("chunks").notNull(),
    createdBy: text("created_by").notNull(),
    /**
     * JSON: the submitting credential (user or API key, roles, shop, scopes). Each row is checked
     * against it with the same permission as the direct route; null on jobs from before it was kept.
     */
    credential: text("credential"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    completedAt: integer("completed_at"),
  },
  (t) => [index("bulk_jobs_shop").on(t.shopId, t.createdAt)],
);

/** The rows of a job, stored at submission; a queue message names a chunk, never carries rows. */
export const bulkJobRows = sqliteTable(
  "bulk_job_rows",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => bulkJobs.id),
    row: integer("row").notNull(),
    chunk: integer("chunk").notNull(),
    payload: text("payload").notNull(),
    status: text("status", { enum: ["pending", "done", "failed"] }).notNull(),
    errorCode: text("error_code"),
    errorDetail: text("error_detail"),
    /** What the row created or changed (a product id), so a redelivered chunk does not repeat it. */
    resultId: text("result_id"),
    /** What the row is about, for the job view: a Shopify handle, a seller SKU code, a product name. */
    ref: text("ref"),
    /** JSON: what a done row left behind (an imported product's status, warnings about dropped data). */
    outcome: text("outcome"),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.row] }), index("bulk_job_rows_chunk").on(t.jobId, t.chunk)],
);
