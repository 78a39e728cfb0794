/** A user's address book: the shipping destinations checkout picks from. */
import { z } from "zod";
import type { Clock } from "../platform/clock";
import { ISO_COUNTRIES } from "../platform/countries";
import { createdCursorSchema, decodeCursor, pageOf } from "../platform/cursor";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import * as repo from "./addresses-repo";

/** How many addresses one user may keep. */
export const MAX_ADDRESSES = 50;

const text = (max: number) => z.string().trim().min(1, "is required").max(max, `must be at most ${max} characters`);

const addressFields = {
  recipient: text(64),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9][0-9 ()-]{4,30}$/, "must be a phone number"),
  country: z
    .string()
    .transform((s) => s.trim().toUpperCase())
    .refine((s) => ISO_COUNTRIES.has(s), "must be an ISO 3166-1 alpha-2 country code, e.g. CN"),
  province: text(64),
  city: text(64),
  district: text(64).nullish(),
  line1: text(200),
  line2: text(200).nullish(),
  postalCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9 -]{2,16}$/, "must be a postal code"),
  isDefault: z.boolean().optional(),
};

export const createAddressBody = z.object(addressFields).strict();
export const updateAddressBody = z
  .object(addressFields)
  .partial()
  .extend({
    version: z.number().int().positive().optional().describe("When given, the update applies only to this version"),
  })
  .strict();
export type CreateAddressBody = z.infer<typeof createAddressBody>;
export type UpdateAddressBody = z.infer<typeof updateAddressBody>;

export const addressSchema = z.object({
  addressId: z.string(),
  recipient: z.string(),
  phone: z.string(),
  country: z.string(),
  province: z.string(),
  city: z.string(),
  district: z.string().nullable(),
  line1: z.string(),
  line2: z.string().nullable(),
  postalCode: z.string(),
  isDefault: z.boolean(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Address = z.infer<typeof addressSchema>;

function view(row: repo.AddressRow): Address {
  return {
    addressId: row.id,
    recipient: row.recipient,
    phone: row.phone,
    country: row.country,
    province: row.province,
    city: row.city,
    district: row.district,
    line1: row.line1,
    line2: row.line2,
    postalCode: row.postalCode,
    isDefault: row.isDefault,
    version: row.version,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

function notFound(id: string): AppError {
  return new AppError("not_found", { detail: `No address ${id}` });
}

/** Adds an address; the first one becomes the default. */
export async function createAddress(db: Db, clock: Clock, userId: string, input: CreateAddressBody): Promise<Address> {
  const existing = await repo.countAddresses(db, userId);
  if (existing >= MAX_ADDRESSES) {
    throw new AppError("address_book_full", {
      detail: `An address book holds at most ${MAX_ADDRESSES} addresses; delete one first`,
      extensions: { limit: MAX_ADDRESSES },
    });
  }
  const now = clock.now();
  const id = newId("address", now);
  const isDefault = input.isDefault ?? existing === 0;
  await repo.insertAddress(db, {
    ...input,
    district: input.district ?? null,
    line2: input.line2 ?? null,
    id,
    userId,
    isDefault,
    createdAt: now,
    updatedAt: now,
  });
  if (isDefault) await repo.clearDefault(db, userId, id);
  return getAddress(db, userId, id);
}

export async function getAddress(db: Db, userId: string, id: string): Promise<Address> {
  const row = await repo.findAddress(db, userId, id);
  if (!row) throw notFound(id);
  return view(row);
}

export async function listAddresses(db: Db, userId: string, query: { limit: number; cursor?: string | undefined }) {
  const after = query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined;
  const rows = await repo.listAddresses(db, userId, query.limit + 1, after);
  return pageOf(rows, query.limit, view);
}

/** Applies a partial update, compare-and-set on `version` (the given one, or the current one). */
export async function updateAddress(
  db: Db,
  clock: Clock,
  userId: string,
  id: string,
  input: UpdateAddressBody,
): Promise<Address> {
  const current = await repo.findAddress(db, userId, id);
  if (!current) throw notFound(id);
  const { version, ...changes } = input;
  const expected = version ?? current.version;
  const updated = await repo.updateAddress(db, userId, id, expected, { ...changes, updatedAt: clock.now() });
  if (!updated) {
    throw new AppError("version_conflict", {
      detail: `Address ${id} is at version ${current.version}, not ${expected}`,
      extensions: { currentVersion: current.version },
    });
  }
  if (changes.isDefault) await repo.clearDefault(db, userId, id);
  return view(updated);
}

export async function deleteAddress(db: Db, userId: string, id: string): Promise<void> {
  if (!(await repo.deleteAddress(db, userId, id))) throw notFound(id);
}
