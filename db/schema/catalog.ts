/**
 * The product center's tables (seed: 商品管理 数据库模型, price and stock apart from the SKU as in
 * its option 2). Category, brand and attribute ids are integers because the seed's product JSON
 * refers to them by number (`categoryId: 1003001`); products and SKUs carry prefixed ids.
 */
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
    status: integer("status").notNull(),
    salesCount: integer("sales_count").notNull().default(0),
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
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
    weightGrams: integer("weight_grams"),
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
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.skuId, t.warehouseId] })],
);
