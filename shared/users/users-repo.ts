/**
 * Users and shop membership in D1. Only this module touches `users`, `shops` and `shop_members`,
 * but for operators' directory (directory.ts, account-status.ts), which reads and acts on them.
 */
import { eq } from "drizzle-orm";
import { shopMembers, users } from "../../db/schema";
import { type BatchRead, batchRead } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import type { LoginIdentifier } from "./identifiers";

export type UserRow = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

const UNIQUE_FIELDS = [
  ["users.username", "username_taken", "username"],
  ["users.email", "email_taken", "email"],
  ["users.phone", "phone_taken", "phone"],
] as const;

/** Inserts a user; a taken username, email or phone is a 409 naming it (the unique index decides, race-free). */
export async function insertUser(db: Db, row: NewUser): Promise<void> {
  try {
    await db.insert(users).values(row);
  } catch (err) {
    const message = String((err as { cause?: unknown })?.cause ?? err);
    for (const [column, code, field] of UNIQUE_FIELDS) {
      if (message.includes(`UNIQUE constraint failed: ${column}`)) {
        throw new AppError(code, { detail: `That ${field} is already registered`, extensions: { field } });
      }
    }
    throw err;
  }
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.query.users.findFirst({ where: eq(users.id, id) });
}

/**
 * The user as checkout needs them: id, account status and phone (the default recharge target of
 * virtual goods); absent when there is no such user. A read for the caller's batch.
 */
export function buyerRead(
  db: Db,
  id: string,
): BatchRead<{ id: string; status: number; phone: string | null } | undefined> {
  return batchRead(
    [[db.select({ id: users.id, status: users.status, phone: users.phone }).from(users).where(eq(users.id, id))]],
    ([[row]]) => row,
  );
}

export async function findUserByLogin(db: Db, identifier: LoginIdentifier): Promise<UserRow | undefined> {
  const column = identifier.kind === "email" ? users.email : identifier.kind === "phone" ? users.phone : users.username;
  return db.query.users.findFirst({ where: eq(column, identifier.value) });
}

export async function updatePasswordHash(db: Db, id: string, passwordHash: string, now: number): Promise<void> {
  await db.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, id));
}

/** The shop a user acts for, if any. */
export async function shopIdOf(db: Db, userId: string): Promise<string | undefined> {
  const row = await db.query.shopMembers.findFirst({
    columns: { shopId: true },
    where: eq(shopMembers.userId, userId),
  });
  return row?.shopId;
}
