/**
 * Turns the demo fixtures and the generated catalog into SQL statements. Every row has a fixed
 * id and is written with `INSERT OR IGNORE`, so loading the seed twice changes nothing.
 */
import { hashPassword } from "../../shared/users/password.ts";
import { insertRows } from "./build-sql.ts";
import { generateCatalog } from "./catalog.ts";
import {
  DEMO_ACCOUNTS,
  DEMO_ADDRESS,
  DEMO_ATTRIBUTES,
  DEMO_BRANDS,
  DEMO_CATEGORIES,
  DEMO_SHIPPING_TEMPLATE,
  DEMO_SHOPS,
  DEMO_TEMPLATES,
  demoId,
} from "./fixtures.ts";
import { searchStatements } from "./search-rows.ts";

export interface SeedOptions {
  /** How many generated products (besides the fixtures). */
  catalogSize: number;
  /** Time stamped on fixture rows. */
  now?: number;
}

/** The whole demo seed as SQL statements. */
export async function buildSeedStatements(options: SeedOptions): Promise<string[]> {
  const now = options.now ?? Date.UTC(2026, 0, 1);
  const statements: string[] = [];

  const users = await Promise.all(
    DEMO_ACCOUNTS.map(async (a) => ({
      id: a.id,
      username: a.username,
      email: a.email,
      phone: "phone" in a ? a.phone : null,
      password_hash: await hashPassword(a.password),
      role: a.role,
      status: 1,
      created_at: now,
      updated_at: now,
    })),
  );
  statements.push(...insertRows("users", users));
  statements.push(
    ...insertRows(
      "shops",
      DEMO_SHOPS.map((s) => ({
        id: s.id,
        name: s.name,
        owner_user_id: s.ownerUserId,
        created_at: now,
        updated_at: now,
      })),
    ),
    ...insertRows(
      "shop_members",
      DEMO_SHOPS.map((s) => ({ shop_id: s.id, user_id: s.ownerUserId, created_at: now })),
    ),
    ...insertRows(
      "warehouses",
      DEMO_SHOPS.map((s) => ({
        id: s.warehouseId,
        shop_id: s.id,
        name: `${s.name} main warehouse`,
        region: s.region,
        is_default: true,
        created_at: now,
      })),
    ),
  );

  statements.push(
    ...insertRows("addresses", [
      {
        id: DEMO_ADDRESS.id,
        user_id: DEMO_ADDRESS.userId,
        recipient: DEMO_ADDRESS.recipient,
        phone: DEMO_ADDRESS.phone,
        country: DEMO_ADDRESS.country,
        province: DEMO_ADDRESS.province,
        city: DEMO_ADDRESS.city,
        line1: DEMO_ADDRESS.line1,
        postal_code: DEMO_ADDRESS.postalCode,
        is_default: true,
        created_at: now,
        updated_at: now,
      },
    ]),
    ...insertRows("shipping_templates", [
      {
        shop_id: DEMO_SHIPPING_TEMPLATE.shopId,
        currency: DEMO_SHIPPING_TEMPLATE.currency,
        first_weight_grams: DEMO_SHIPPING_TEMPLATE.firstWeightGrams,
        first_fee: DEMO_SHIPPING_TEMPLATE.firstFee,
        additional_weight_grams: DEMO_SHIPPING_TEMPLATE.additionalWeightGrams,
        additional_fee: DEMO_SHIPPING_TEMPLATE.additionalFee,
        free_threshold: DEMO_SHIPPING_TEMPLATE.freeThreshold,
        regions: JSON.stringify(DEMO_SHIPPING_TEMPLATE.regions),
        created_at: now,
        updated_at: now,
      },
    ]),
  );

  const byId = new Map(DEMO_CATEGORIES.map((c) => [c.id, c]));
  const pathOf = (id: number): string => {
    const c = byId.get(id);
    if (!c) throw new Error(`unknown category ${id}`);
    return c.parentId === null ? `/${id}/` : `${pathOf(c.parentId)}${id}/`;
  };
  statements.push(
    ...insertRows(
      "categories",
      DEMO_CATEGORIES.map((c, i) => {
        const path = pathOf(c.id);
        return {
          id: c.id,
          parent_id: c.parentId,
          name: c.name,
          level: path.split("/").length - 2,
          path,
          kind: c.kind,
          sort: i,
          created_at: now,
          updated_at: now,
        };
      }),
    ),
    ...insertRows(
      "brands",
      DEMO_BRANDS.map((b) => ({ id: b.id, name: b.name, created_at: now, updated_at: now })),
    ),
    ...insertRows(
      "attributes",
      DEMO_ATTRIBUTES.map((a) => ({ id: a.id, name: a.name, created_at: now, updated_at: now })),
    ),
    ...insertRows(
      "category_attributes",
      DEMO_TEMPLATES.map((t, i) => ({
        category_id: t.categoryId,
        attribute_id: t.attributeId,
        kind: t.kind,
        required: t.required,
        allowed_values: t.allowedValues ? JSON.stringify(t.allowedValues) : null,
        sort: i,
      })),
    ),
  );

  const catalog = generateCatalog(options.catalogSize, now);
  statements.push(
    ...insertRows(
      "products",
      catalog.map((p) => ({
        id: p.id,
        shop_id: p.shopId,
        category_id: p.categoryId,
        brand_id: p.brandId,
        name: p.name,
        description: p.description,
        status: p.status,
        sales_count: p.salesCount,
        created_at: p.createdAt,
        updated_at: p.createdAt,
      })),
    ),
    ...insertRows(
      "product_attribute_values",
      catalog.flatMap((p) => p.basic.map((b) => ({ product_id: p.id, attribute_id: b.attributeId, value: b.value }))),
    ),
    ...insertRows(
      "product_images",
      catalog.map((p, i) => ({
        id: demoId("img", i + 1),
        product_id: p.id,
        url: `https://images.example.com/demo/${p.id}.jpg`,
        sort: 0,
      })),
    ),
    ...insertRows(
      "skus",
      catalog.flatMap((p) =>
        p.skus.map((s) => ({
          id: s.id,
          product_id: p.id,
          shop_id: p.shopId,
          seller_sku_code: s.code,
          name: s.name,
          weight_grams: s.weightGrams,
          created_at: p.createdAt,
          updated_at: p.createdAt,
        })),
      ),
    ),
    ...insertRows(
      "sku_attribute_values",
      catalog.flatMap((p) =>
        p.skus.flatMap((s) => s.sales.map((a) => ({ sku_id: s.id, attribute_id: a.attributeId, value: a.value }))),
      ),
    ),
    ...insertRows(
      "prices",
      catalog.flatMap((p) =>
        p.skus.flatMap((s) => [
          {
            id: `prc_${s.id.slice(4)}`,
            sku_id: s.id,
            type: "standard",
            amount: s.price,
            currency: "CNY",
            effective_at: p.createdAt,
            expires_at: null,
            created_at: p.createdAt,
          },
          ...(s.promoPrice === null
            ? []
            : [
                {
                  id: `prp_${s.id.slice(4)}`,
                  sku_id: s.id,
                  type: "promo",
                  amount: s.promoPrice,
                  currency: "CNY",
                  effective_at: p.createdAt,
                  expires_at: null,
                  created_at: p.createdAt,
                },
              ]),
        ]),
      ),
    ),
    ...insertRows(
      "sku_stock",
      catalog.flatMap((p) =>
        p.skus.map((s) => ({
          sku_id: s.id,
          warehouse_id: p.warehouseId,
          available: s.stock,
          reserved: 0,
          sold: 0,
          updated_at: p.createdAt,
        })),
      ),
    ),
    ...searchStatements(catalog, (p) => `https://images.example.com/demo/${p.id}.jpg`),
  );
  return statements;
}
