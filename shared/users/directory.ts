/**
 * The platform's shops and accounts as operators look them up (GET /admin/v1/shops, GET
 * /admin/v1/users): newest first, cursor-paged, filtered by status, role and a text search. A
 * shop comes with its owner and the counts an operator weighs it by (members, live and all
 * products, orders); an account with its state as login sees it: disabled (`status` 0, which
 * login, token refresh and checkout refuse) and locked (the lockout's `locked_until` still ahead).
 * Never a password hash or any other secret.
 */
import { z } from "@hono/zod-openapi";
import { and, count, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { loginThrottles, orders, products, shopMembers, shops, users } from "../../db/schema";
import { PRODUCT_STATUS } from "../catalog/lifecycle";
import { createdCursorSchema, decodeCursor, olderThan, pageOf } from "../platform/cursor";
import { readChunks } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { listQuerySchema } from "../platform/validation";

/** `users.status` and `shops.status`: 1 active, anything else (0 in the seed) disabled. */
export const ACTIVE = 1;
export const DISABLED = 0;

export const accountStatusSchema = z.enum(["ACTIVE", "DISABLED"]);
export type AccountStatus = z.infer<typeof accountStatusSchema>;

export function statusText(status: number): AccountStatus {
  return status === ACTIVE ? "ACTIVE" : "DISABLED";
}

/** `%text%` for LIKE, its own wildcards in the text matching themselves, not any character. */
function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

const searchText = z.string().trim().min(1).max(100);

export const listShopsQuery = listQuerySchema.extend({
  status: accountStatusSchema.optional(),
  q: searchText.optional().openapi({ description: "The shop's name contains this (case-insensitive for ASCII)" }),
});

export const shopListItemSchema = z.object({
  shopId: z.string(),
  name: z.string(),
  status: accountStatusSchema,
  defaultCurrency: z.string(),
  owner: z.object({ userId: z.string(), username: z.string(), status: accountStatusSchema }),
  members: z.number().int().describe("Accounts acting for the shop, its owner included"),
  products: z.number().int().describe("Products not deleted, whatever their status"),
  onShelf: z.number().int().describe("Products on shelf (sold out ones not counted)"),
  orders: z.number().int().describe("Orders ever placed with the shop, whatever their status"),
  createdAt: z.string(),
});
export type ShopListItem = z.infer<typeof shopListItemSchema>;

/**
 * Orders per shop among `shopIds`, summed over the order shards (issue #20: orders live in the
 * shopper's shard, so one shop's orders are spread over all of them). A slot being moved is
 * counted twice until its old copy is purged, a count an operator reads as "about".
 */
async function orderCounts(orderDbs: readonly Db[], shopIds: readonly string[]): Promise<Map<string, number>> {
  const perShard = await Promise.all(
    orderDbs.map((db) =>
      readChunks(shopIds, (chunk) =>
        db
          .select({ shopId: orders.shopId, n: count() })
          .from(orders)
          .where(inArray(orders.shopId, chunk))
          .groupBy(orders.shopId),
      ),
    ),
  );
  const counts = new Map<string, number>();
  for (const r of perShard.flat()) counts.set(r.shopId, (counts.get(r.shopId) ?? 0) + r.n);
  return counts;
}

/** A page of shops, newest first, with their owners and counts; `orderDbs` are the order shards. */
export async function listShops(db: Db, orderDbs: readonly Db[], query: z.infer<typeof listShopsQuery>) {
  const cursor = query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined;
  const conditions: (SQL | undefined)[] = [
    query.status === undefined
      ? undefined
      : query.status === "ACTIVE"
        ? eq(shops.status, ACTIVE)
        : sql`${shops.status} <> ${ACTIVE}`,
    query.q ? sql`${shops.name} LIKE ${containing(query.q)} ESCAPE '\\'` : undefined,
    olderThan(shops.createdAt, shops.id, cursor),
  ];
  const rows = await db
    .select({
      id: shops.id,
      name: shops.name,
      status: shops.status,
      defaultCurrency: shops.defaultCurrency,
      createdAt: shops.createdAt,
      ownerId: users.id,
      ownerUsername: users.username,
      ownerStatus: users.status,
      members: sql<number>`(SELECT count(*) FROM ${shopMembers} WHERE ${shopMembers.shopId} = ${shops.id})`,
      products: sql<number>`(SELECT count(*) FROM ${products} WHERE ${products.shopId} = ${shops.id} AND ${products.status} <> ${PRODUCT_STATUS.DELETED})`,
      onShelf: sql<number>`(SELECT count(*) FROM ${products} WHERE ${products.shopId} = ${shops.id} AND ${products.status} = ${PRODUCT_STATUS.ON_SHELF})`,
    })
    .from(shops)
    .innerJoin(users, eq(users.id, shops.ownerUserId))
    .where(and(...conditions))
    .orderBy(desc(shops.createdAt), desc(shops.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const ordersOf = await orderCounts(
    orderDbs,
    page.map((r) => r.id),
  );
  return pageOf(
    rows,
    query.limit,
    (r): ShopListItem => ({
      shopId: r.id,
      name: r.name,
      status: statusText(r.status),
      defaultCurrency: r.defaultCurrency,
      owner: { userId: r.ownerId, username: r.ownerUsername, status: statusText(r.ownerStatus) },
      members: Number(r.members),
      products: Number(r.products),
      onShelf: Number(r.onShelf),
      orders: ordersOf.get(r.id) ?? 0,
      createdAt: new Date(r.createdAt).toISOString(),
    }),
  );
}

export const listUsersQuery = listQuerySchema.extend({
  role: z.enum(["shopper", "seller", "operator"]).optional(),
  status: accountStatusSchema.optional(),
  q: searchText.optional().openapi({ description: "The username or email contains this (case-insensitive for ASCII)" }),
});

export const userListItemSchema = z.object({
  userId: z.string(),
  username: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  role: z.enum(["shopper", "seller", "operator"]),
  status: accountStatusSchema.describe("DISABLED: login, token refresh and orders are refused"),
  lockedUntil: z
    .string()
    .nullable()
    .describe("While too many failed logins lock the account (5 in 10 minutes): when the lock ends; else null"),
  shopId: z.string().nullable().describe("The shop a seller acts for"),
  vipLevel: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type UserListItem = z.infer<typeof userListItemSchema>;

/** The lockout's row key of an account (accounts.ts claims attempts under it). */
export function throttleKeyOf(userId: string): string {
  return `user:${userId}`;
}

const userColumns = (now: number) => ({
  id: users.id,
  username: users.username,
  email: users.email,
  phone: users.phone,
  role: users.role,
  status: users.status,
  vipLevel: users.vipLevel,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
  shopId: sql<
    string | null
  >`(SELECT ${shopMembers.shopId} FROM ${shopMembers} WHERE ${shopMembers.userId} = ${users.id})`,
  lockedUntil: sql<
    number | null
  >`(SELECT ${loginThrottles.lockedUntil} FROM ${loginThrottles} WHERE ${loginThrottles.key} = 'user:' || ${users.id} AND ${loginThrottles.lockedUntil} > ${now})`,
});

function selectUsers(db: Db, now: number) {
  return db.select(userColumns(now)).from(users);
}

type UserRead = Awaited<ReturnType<typeof selectUsers>>[number];

function userView(r: UserRead): UserListItem {
  return {
    userId: r.id,
    username: r.username,
    email: r.email,
    phone: r.phone,
    role: r.role,
    status: statusText(r.status),
    lockedUntil: r.lockedUntil === null ? null : new Date(r.lockedUntil).toISOString(),
    shopId: r.shopId,
    vipLevel: r.vipLevel,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

/** A page of accounts, newest first. */
export async function listUsers(db: Db, query: z.infer<typeof listUsersQuery>, now: number) {
  const cursor = query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined;
  const pattern = query.q ? containing(query.q) : undefined;
  const conditions: (SQL | undefined)[] = [
    query.role ? eq(users.role, query.role) : undefined,
    query.status === undefined
      ? undefined
      : query.status === "ACTIVE"
        ? eq(users.status, ACTIVE)
        : sql`${users.status} <> ${ACTIVE}`,
    pattern
      ? sql`(${users.username} LIKE ${pattern} ESCAPE '\\' OR ${users.email} LIKE ${pattern} ESCAPE '\\')`
      : undefined,
    olderThan(users.createdAt, users.id, cursor),
  ];
  const rows = await selectUsers(db, now)
    .where(and(...conditions))
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(query.limit + 1);
  return pageOf(rows, query.limit, userView);
}

/** One account as the list shows it, or undefined. */
export async function findUserView(db: Db, userId: string, now: number): Promise<UserListItem | undefined> {
  const [row] = await selectUsers(db, now).where(eq(users.id, userId));
  return row ? userView(row) : undefined;
}
