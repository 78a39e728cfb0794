/** The address book in D1. Only this module touches `addresses`. */
import { and, asc, count, eq, ne, type SQL } from "drizzle-orm";
import { addresses } from "../../db/schema";
import { newerThan } from "../platform/cursor";
import { type BatchRead, batchRead } from "../platform/d1-chunks";
import type { Db } from "../platform/db";

export type AddressRow = typeof addresses.$inferSelect;
export type NewAddress = typeof addresses.$inferInsert;

export async function insertAddress(db: Db, row: NewAddress): Promise<void> {
  await db.insert(addresses).values(row);
}

export async function countAddresses(db: Db, userId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(addresses).where(eq(addresses.userId, userId));
  return row?.n ?? 0;
}

/** The user's own address; another user's id finds nothing. */
export async function findAddress(db: Db, userId: string, id: string): Promise<AddressRow | undefined> {
  return db.query.addresses.findFirst({ where: and(eq(addresses.id, id), eq(addresses.userId, userId)) });
}

/** `findAddress` as a read for the caller's batch; no address id reads nothing and finds nothing. */
export function findAddressRead(db: Db, userId: string, id: string | undefined): BatchRead<AddressRow | undefined> {
  return batchRead(
    [
      id === undefined
        ? []
        : [
            db
              .select()
              .from(addresses)
              .where(and(eq(addresses.id, id), eq(addresses.userId, userId))),
          ],
    ],
    ([[row]]) => row,
  );
}

/** Oldest first, keyset-paginated on (created_at, id). */
export async function listAddresses(db: Db, userId: string, limit: number, after?: { createdAt: number; id: string }) {
  const conditions: SQL[] = [eq(addresses.userId, userId)];
  const later = newerThan(addresses.createdAt, addresses.id, after);
  if (later) conditions.push(later);
  return db
    .select()
    .from(addresses)
    .where(and(...conditions))
    .orderBy(asc(addresses.createdAt), asc(addresses.id))
    .limit(limit);
}

/** Compare-and-set update on `version`; the updated row, or undefined when the version moved. */
export async function updateAddress(db: Db, userId: string, id: string, version: number, changes: Partial<NewAddress>) {
  const rows = await db
    .update(addresses)
    .set({ ...changes, version: version + 1 })
    .where(and(eq(addresses.id, id), eq(addresses.userId, userId), eq(addresses.version, version)))
    .returning();
  return rows[0];
}

/** Clears the default flag on the user's other addresses. */
export async function clearDefault(db: Db, userId: string, exceptId: string): Promise<void> {
  await db
    .update(addresses)
    .set({ isDefault: false })
    .where(and(eq(addresses.userId, userId), eq(addresses.isDefault, true), ne(addresses.id, exceptId)));
}

export async function deleteAddress(db: Db, userId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(addresses)
    .where(and(eq(addresses.id, id), eq(addresses.userId, userId)))
    .returning({ id: addresses.id });
  return rows.length > 0;
}
