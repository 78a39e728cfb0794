/**
 * Vouchers as their owners manage them after creating them (GET /admin/v1/vouchers, POST
 * /admin/v1/vouchers/:id/end): a seller its shop's, operators every voucher (platform and shops').
 * A voucher's status follows from its window and its counts; ending one early moves its window's
 * end to now, which every checkout, claim and wallet read already honours, so nothing else changes.
 */
import { and, desc, eq, gt, inArray, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { voucherCodes, vouchers } from "../../db/schema";
import type { Caller } from "../platform/auth";
import type { Clock } from "../platform/clock";
import { createdCursorSchema, decodeCursor, olderThan, pageOf } from "../platform/cursor";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { type Currency, moneySchema } from "../platform/money";
import { canAccessShop, shopFilterFor } from "../platform/shop-access";
import { listQuerySchema } from "../platform/validation";

import { type VoucherRow, voucherTerms, voucherTermsSchema } from "./wallet";

export const voucherStatusSchema = z
  .enum(["SCHEDULED", "ACTIVE", "EXHAUSTED", "ENDED"])
  .describe("SCHEDULED before startsAt, ENDED from endsAt (or once ended early), EXHAUSTED when all uses are taken");
export type VoucherStatus = z.infer<typeof voucherStatusSchema>;

export const voucherSchema = voucherTermsSchema.extend({
  status: voucherStatusSchema,
  totalCount: z.number().int(),
  uses: z.number().int().describe("Uses taken: held by unpaid orders or consumed by paid ones (returned ones not)"),
  claimed: z.number().int().describe("Claims into shoppers' wallets"),
  budget: moneySchema.nullable(),
  budgetUsed: moneySchema.describe("What the uses took off together"),
  claimable: z.boolean(),
  codeMode: z.enum(["single", "batch"]),
  code: z.string().nullable().describe("The shared code of a single-code voucher; null for a batch"),
  createdAt: z.string(),
});
export type VoucherView = z.infer<typeof voucherSchema>;

export const listVouchersQuery = listQuerySchema.extend({
  shopId: z.string().min(1).max(64).optional().describe("Operators: one shop's vouchers only"),
  scope: z.enum(["platform", "shop"]).optional().describe("Operators: only platform or only shop vouchers"),
});

/** The status at `now`: the window first (an ended voucher is ENDED whatever its counts). */
export function voucherStatusAt(row: Pick<VoucherRow, "startsAt" | "endsAt" | "taken" | "totalCount">, now: number) {
  if (now >= row.endsAt) return "ENDED" as const;
  if (now < row.startsAt) return "SCHEDULED" as const;
  return row.taken >= row.totalCount ? ("EXHAUSTED" as const) : ("ACTIVE" as const);
}

function viewOf(row: VoucherRow, code: string | null, now: number): VoucherView {
  const money = (amount: number) => ({ amount, currency: row.currency as Currency });
  return {
    ...voucherTerms(row),
    status: voucherStatusAt(row, now),
    totalCount: row.totalCount,
    uses: row.taken,
    claimed: row.claimed,
    budget: row.budget === null ? null : money(row.budget),
    budgetUsed: money(row.budgetTaken),
    claimable: row.claimable,
    codeMode: row.codeMode,
    code,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

/** The shared codes of the single-code vouchers among `rows`, read 90 ids at a time (D1 binds at most 100). */
async function sharedCodes(db: Db, rows: readonly VoucherRow[]): Promise<Map<string, string>> {
  const ids = rows.filter((r) => r.codeMode === "single").map((r) => r.id);
  const codes = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 90) {
    const found = await db
      .select({ code: voucherCodes.code, voucherId: voucherCodes.voucherId })
      .from(voucherCodes)
      .where(inArray(voucherCodes.voucherId, ids.slice(i, i + 90)));
    for (const f of found) codes.set(f.voucherId, f.code);
  }
  return codes;
}

/** A page of vouchers, newest first: a seller's shop's; operators' every voucher, or one shop's, or one scope. */
export async function listVouchers(
  deps: { db: Db; clock: Clock },
  caller: Caller,
  query: z.infer<typeof listVouchersQuery>,
): Promise<{ items: VoucherView[]; nextCursor: string | null }> {
  const { db } = deps;
  const operator = caller.roles.includes("operator");
  const shopId = await shopFilterFor(db, caller, query.shopId);
  const cursor = query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined;
  // A seller's are its shop's vouchers only; platform vouchers are operators'.
  const scope = operator ? query.scope : "shop";
  const conditions: (SQL | undefined)[] = [
    shopId ? eq(vouchers.shopId, shopId) : undefined,
    scope ? eq(vouchers.scope, scope) : undefined,
    olderThan(vouchers.createdAt, vouchers.id, cursor),
  ];
  const rows = await db
    .select()
    .from(vouchers)
    .where(and(...conditions))
    .orderBy(desc(vouchers.createdAt), desc(vouchers.id))
    .limit(query.limit + 1);
  const codes = await sharedCodes(db, rows.slice(0, query.limit));
  const now = deps.clock.now();
  return pageOf(rows, query.limit, (row) => viewOf(row, codes.get(row.id) ?? null, now));
}

/** A voucher the caller may manage: its shop's seller or an operator; a platform voucher operators only. Otherwise 404. */
async function visibleVoucher(db: Db, caller: Caller, voucherId: string): Promise<VoucherRow> {
  const row = await db.query.vouchers.findFirst({ where: (v, { eq: is }) => is(v.id, voucherId) });
  const visible =
    row !== undefined &&
    (caller.roles.includes("operator") ||
      (row.scope === "shop" && row.shopId !== null && canAccessShop(caller, row.shopId)));
  if (!visible) throw new AppError("not_found", { detail: `No voucher ${voucherId}` });
  return row;
}

/**
 * Ends a voucher now: its window closes (a voucher not yet started gets an empty window at now),
 * so no checkout applies it and no shopper claims it from then on; orders already placed with it
 * keep their discount. Ending an ended voucher answers it as it is.
 */
export async function endVoucher(
  deps: { db: Db; clock: Clock },
  caller: Caller,
  voucherId: string,
): Promise<VoucherView> {
  const { db } = deps;
  await visibleVoucher(db, caller, voucherId);
  const now = deps.clock.now();
  await db
    .update(vouchers)
    .set({ endsAt: now, startsAt: sql`min(${vouchers.startsAt}, ${now})` })
    .where(and(eq(vouchers.id, voucherId), gt(vouchers.endsAt, now)));
  const row = await visibleVoucher(db, caller, voucherId);
  const codes = await sharedCodes(db, [row]);
  return viewOf(row, codes.get(row.id) ?? null, now);
}
