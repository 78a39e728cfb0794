/**
 * The life of a checkout's vouchers and coins: held when its orders are created, consumed when
 * they are paid, returned when they are cancelled (or time out) or the checkout is undone.
 *
 * The hold is one D1 batch: for each voucher a conditional insert of its use (only while the
 * voucher has uses and budget left, the shopper is under `per_user_limit` and a batch code is
 * unused), the voucher's counters moved only if that row went in, an assertion that it did; the
 * coins posting with its not-overdrawn assertion; and an assertion that the checkout's holds were
 * not given back already (`promotion_releases`, written by every release: so nothing is held for a
 * saga its runner undid or the sweeper took over; the saga itself lives in the shopper's order
 * shard, out of this batch's reach). D1 runs batches one at a
 * time, so of checkouts racing for a voucher's last use exactly one holds it; any failed
 * assertion rolls the whole batch back, so a loser holds nothing (409 `voucher_exhausted`). Why a
 * conditional D1 update rather than a Durable Object per voucher: docs/decisions.md.
 *
 * Returning is idempotent: a use goes held → returned (and its counters back) only once; coin
 * postings carry idempotency keys. A voucher use spread over several orders of one checkout (a
 * platform voucher) is returned when every order it discounted is cancelled.
 */
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { orderDiscounts, promotionReleases, vouchers, voucherUses } from "../../db/schema";
import * as ledgerRepo from "../ledger/ledger-repo";
import { assertExists, type Db, isAssertionFailure } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { coinBalance, holdCoinsStatements, returnHeldCoinsStatements, spendHeldCoinsStatements } from "./coins";
import type { OrderDiscount } from "./stacking";

/** One voucher a checkout uses, with what it takes off in all. */
export interface VoucherHold {
  voucherId: string;
  code: string;
  amount: number;
}

/** The vouchers and coins a priced checkout uses (from its orders' discounts). */
export function holdsOf(
  orders: readonly { discounts: readonly OrderDiscount[] }[],
  codeOf: (voucherId: string) => string,
): { vouchers: VoucherHold[]; coins: number } {
  const byVoucher = new Map<string, VoucherHold>();
  let coins = 0;
  for (const d of orders.flatMap((o) => o.discounts)) {
    if (d.source === "coins") coins += d.amount;
    if ((d.source === "shop_voucher" || d.source === "platform_voucher") && d.sourceId) {
      const hold = byVoucher.get(d.sourceId) ?? { voucherId: d.sourceId, code: codeOf(d.sourceId), amount: 0 };
      hold.amount += d.amount;
      byVoucher.set(d.sourceId, hold);
    }
  }
  return { vouchers: [...byVoucher.values()], coins };
}

const ACTIVE = sql`('held', 'consumed')`;

/** The statements that hold `hold` for saga `sagaId` (see the header); `useId` names the use row. */
function voucherHoldStatements(
  db: Db,
  input: { sagaId: string; userId: string; useId: string; now: number; hold: VoucherHold },
) {
  const { hold, useId, now } = input;
  return [
    db.insert(voucherUses).select(
      db
        .select({
          id: sql<string>`${useId}`.as("id"),
          voucherId: vouchers.id,
          userId: sql<string>`${input.userId}`.as("user_id"),
          sagaId: sql<string>`${input.sagaId}`.as("saga_id"),
          code: sql<string>`${hold.code}`.as("code"),
          amount: sql<number>`${hold.amount}`.as("amount"),
          status: sql<"held">`'held'`.as("status"),
          createdAt: sql<number>`${now}`.as("created_at"),
          updatedAt: sql<number>`${now}`.as("updated_at"),
        })
        .from(vouchers)
        .where(
          and(
            eq(vouchers.id, hold.voucherId),
            sql`${vouchers.taken} < ${vouchers.totalCount}`,
            sql`(${vouchers.budget} IS NULL OR ${vouchers.budgetTaken} + ${hold.amount} <= ${vouchers.budget})`,
            sql`(SELECT count(*) FROM voucher_uses u WHERE u.voucher_id = ${vouchers.id} AND u.user_id = ${input.userId} AND u.status IN ${ACTIVE}) < ${vouchers.perUserLimit}`,
            sql`(${vouchers.codeMode} = 'single' OR NOT EXISTS (SELECT 1 FROM voucher_uses u WHERE u.code = ${hold.code} AND u.status IN ${ACTIVE}))`,
          ),
        ),
    ),
    db
      .update(vouchers)
      .set({ taken: sql`${vouchers.taken} + 1`, budgetTaken: sql`${vouchers.budgetTaken} + ${hold.amount}` })
      .where(and(eq(vouchers.id, hold.voucherId), sql`EXISTS (SELECT 1 FROM voucher_uses WHERE id = ${useId})`)),
    assertExists(db, sql`SELECT 1 FROM voucher_uses WHERE id = ${useId}`),
  ];
}

/**
 * Holds a checkout's vouchers and coins for saga `sagaId`, all or nothing. 409 `voucher_exhausted`
 * naming the voucher and why (`used_up`, `budget`, `per_user_limit`) when a voucher ran out,
 * 409 `insufficient_coins` when the coins did, `checkout_timed_out` when the saga was taken over.
 */
export async function holdPromotions(
  db: Db,
  input: { sagaId: string; userId: string; vouchers: VoucherHold[]; coins: number; now: number },
): Promise<void> {
  if (input.vouchers.length === 0 && input.coins === 0) return;
  const statements: BatchItem<"sqlite">[] = [
    assertExists(db, sql`SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM promotion_releases WHERE saga_id = ${input.sagaId})`),
  ];
  for (const hold of input.vouchers) {
    const useId = newId("voucherUse", input.now);
    statements.push(...voucherHoldStatements(db, { ...input, useId, hold }));
  }
  if (input.coins > 0) {
    statements.push(
      ...holdCoinsStatements(db, { sagaId: input.sagaId, userId: input.userId, amount: input.coins }, input.now),
    );
  }
  try {
    await db.batch(statements as never);
  } catch (err) {
    if (!isAssertionFailure(err)) throw err;
    throw await whyNotHeld(db, input);
  }
}

/** The refusal of a hold that did not go through: the first voucher that ran out, else the coins, else the saga. */
async function whyNotHeld(
  db: Db,
  input: { sagaId: string; userId: string; vouchers: VoucherHold[]; coins: number },
): Promise<AppError> {
  for (const hold of input.vouchers) {
    const v = await db.query.vouchers.findFirst({ where: eq(vouchers.id, hold.voucherId) });
    if (!v) continue;
    const [mine] = await db
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(voucherUses)
      .where(
        and(
          eq(voucherUses.voucherId, v.id),
          eq(voucherUses.userId, input.userId),
          inArray(voucherUses.status, ["held", "consumed"]),
        ),
      );
    const [codeTaken] =
      v.codeMode === "batch"
        ? await db
            .select({ id: voucherUses.id })
            .from(voucherUses)
            .where(and(eq(voucherUses.code, hold.code), inArray(voucherUses.status, ["held", "consumed"])))
            .limit(1)
        : [];
    const reason =
      v.taken >= v.totalCount || codeTaken
        ? "used_up"
        : v.budget !== null && v.budgetTaken + hold.amount > v.budget
          ? "budget"
          : (mine?.n ?? 0) >= v.perUserLimit
            ? "per_user_limit"
            : null;
    if (reason) {
      return new AppError("voucher_exhausted", {
        detail:
          reason === "per_user_limit"
            ? `You have used voucher ${hold.code} as often as it allows (${v.perUserLimit}); nothing was held`
            : `Voucher ${hold.code} ran out (${reason === "budget" ? "its budget" : "its uses"}) while you checked out; nothing was held`,
        extensions: { voucherId: v.id, voucherCode: hold.code, reason },
      });
    }
  }
  if (input.coins > 0) {
    const balance = await coinBalance(db, input.userId);
    if (balance < input.coins) {
      return new AppError("insufficient_coins", {
        detail: `You have ${balance} coins; this checkout spends ${input.coins}; nothing was held`,
        extensions: { balance, requested: input.coins },
      });
    }
  }
  return new AppError("checkout_timed_out", {
    detail: "The checkout took too long and was undone; try again",
    retryable: true,
  });
}

/**
 * Statements returning a use (from `from`) and its voucher's counters, once; only if `when` (an
 * SQL condition the batch evaluates, e.g. "its orders are wholly refunded") holds.
 */
export function returnUseStatements(
  db: Db,
  use: { id: string; voucherId: string; amount: number },
  from: "held" | "consumed",
  now: number,
  when: SQL = sql`1`,
) {
  return [
    db
      .update(vouchers)
      .set({ taken: sql`${vouchers.taken} - 1`, budgetTaken: sql`${vouchers.budgetTaken} - ${use.amount}` })
      .where(
        and(
          eq(vouchers.id, use.voucherId),
          sql`EXISTS (SELECT 1 FROM voucher_uses WHERE id = ${use.id} AND status = ${from})`,
          when,
        ),
      ),
    db
      .update(voucherUses)
      .set({ status: "returned", updatedAt: now })
      .where(and(eq(voucherUses.id, use.id), eq(voucherUses.status, from), when)),
  ];
}

/** The coins saga `sagaId` held (0 when it held none). */
async function coinsHeldBy(db: Db, sagaId: string): Promise<number> {
  const tx = await ledgerRepo.findByIdempotencyKey(db, `coins:hold:${sagaId}`);
  if (!tx) return 0;
  const entries = await ledgerRepo.entriesOf(db, [tx.id]);
  return entries.filter((e) => e.amount > 0).reduce((acc, e) => acc + e.amount, 0);
}

/**
 * Gives back everything saga `sagaId` held, for a checkout that wrote no orders (its own
 * compensation, or the sweeper after fencing it), and leaves the tombstone that refuses a hold
 * batch arriving after it. Idempotent.
 */
export async function releaseSagaPromotions(
  db: Db,
  input: { sagaId: string; userId: string; now: number },
): Promise<void> {
  const uses = await db
    .select()
    .from(voucherUses)
    .where(and(eq(voucherUses.sagaId, input.sagaId), eq(voucherUses.status, "held")));
  const coins = await coinsHeldBy(db, input.sagaId);
  const statements: BatchItem<"sqlite">[] = [
    db.insert(promotionReleases).values({ sagaId: input.sagaId, releasedAt: input.now }).onConflictDoNothing(),
    ...uses.flatMap((u) => returnUseStatements(db, u, "held", input.now)),
  ];
  if (coins > 0) {
    statements.push(
      ...returnHeldCoinsStatements(
        db,
        {
          key: `coins:release:${input.sagaId}`,
          ref: input.sagaId,
          userId: input.userId,
          amount: coins,
          memo: "checkout undone",
        },
        input.now,
      ),
    );
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/** The order's discount rows written with it (`orderDiscountInserts`). */
async function discountsOf(db: Db, orderId: string) {
  return db.select().from(orderDiscounts).where(eq(orderDiscounts.orderId, orderId));
}

/**
 * An order was cancelled (by the shopper or the payment timeout): its coins go back, and each
 * voucher use it shares is returned once no order it discounted is still open (`openOrderIds`:
 * the checkout's orders not cancelled). Idempotent (the `order.cancelled` consumer runs it again).
 * The order's discount rows are read from `orderDb`, its order shard; the counters and coins are
 * the commerce database's (`db`).
 */
export async function returnOrderPromotions(
  db: Db,
  orderDb: Db,
  input: { orderId: string; userId: string; sagaId: string; openOrderIds: readonly string[]; now: number },
): Promise<void> {
  const mine = await discountsOf(orderDb, input.orderId);
  if (mine.length === 0) return;
  const statements: BatchItem<"sqlite">[] = [];
  const coins = mine.filter((d) => d.source === "coins").reduce((acc, d) => acc + d.amount, 0);
  if (coins > 0) {
    statements.push(
      ...returnHeldCoinsStatements(
        db,
        {
          key: `coins:return:${input.orderId}`,
          ref: input.orderId,
          userId: input.userId,
          amount: coins,
          memo: "order cancelled",
        },
        input.now,
      ),
    );
  }
  const voucherIds = mine.flatMap((d) =>
    d.source === "coins" || d.source === "threshold" || !d.sourceId ? [] : [d.sourceId],
  );
  if (voucherIds.length > 0) {
    const [uses, shared] = await Promise.all([
      db
        .select()
        .from(voucherUses)
        .where(
          and(
            eq(voucherUses.sagaId, input.sagaId),
            inArray(voucherUses.voucherId, voucherIds),
            eq(voucherUses.status, "held"),
          ),
        ),
      orderDb
        .select({ orderId: orderDiscounts.orderId, sourceId: orderDiscounts.sourceId })
        .from(orderDiscounts)
        .where(and(eq(orderDiscounts.sagaId, input.sagaId), inArray(orderDiscounts.sourceId, voucherIds))),
    ]);
    for (const use of uses) {
      const stillOpen = shared.some((s) => s.sourceId === use.voucherId && input.openOrderIds.includes(s.orderId));
      if (!stillOpen) statements.push(...returnUseStatements(db, use, "held", input.now));
    }
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/**
 * An order was paid: its held coins are spent and the voucher uses it shares are consumed.
 * Idempotent. Discounts from `orderDb` (its order shard), counters and coins in `db`.
 */
export async function consumeOrderPromotions(
  db: Db,
  orderDb: Db,
  input: { orderId: string; userId: string; sagaId: string; now: number },
): Promise<void> {
  const mine = await discountsOf(orderDb, input.orderId);
  if (mine.length === 0) return;
  const statements: BatchItem<"sqlite">[] = [];
  const coins = mine.filter((d) => d.source === "coins").reduce((acc, d) => acc + d.amount, 0);
  if (coins > 0) {
    statements.push(
      ...spendHeldCoinsStatements(
        db,
        { key: `coins:spend:${input.orderId}`, ref: input.orderId, userId: input.userId, amount: coins },
        input.now,
      ),
    );
  }
  const voucherIds = mine.flatMap((d) =>
    d.source === "coins" || d.source === "threshold" || !d.sourceId ? [] : [d.sourceId],
  );
  if (voucherIds.length > 0) {
    statements.push(
      db
        .update(voucherUses)
        .set({ status: "consumed", updatedAt: input.now })
        .where(
          and(
            eq(voucherUses.sagaId, input.sagaId),
            inArray(voucherUses.voucherId, voucherIds),
            eq(voucherUses.status, "held"),
          ),
        ),
    );
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/**
 * The rows recording an order's discounts (one per source, with each line's share by SKU), for
 * the batch that writes the order: what cancel, payment and refunds later return by.
 */
export function orderDiscountInserts(
  db: Db,
  input: {
    orderId: string;
    sagaId: string;
    skuIds: readonly string[];
    discounts: readonly OrderDiscount[];
    now: number;
  },
) {
  if (input.discounts.length === 0) return [];
  return [
    db.insert(orderDiscounts).values(
      input.discounts.map((d) => ({
        id: newId("orderDiscount", input.now),
        orderId: input.orderId,
        sagaId: input.sagaId,
        source: d.source,
        sourceId: d.sourceId,
        amount: d.amount,
        lineShares: JSON.stringify(Object.fromEntries(input.skuIds.map((skuId, j) => [skuId, d.shares[j] ?? 0]))),
        createdAt: input.now,
      })),
    ),
  ];
}

/** An order's discounts by source with each line's share (`{skuId: minor units}`): what refunds allocate by. */
export async function orderDiscountShares(
  db: Db,
  orderId: string,
): Promise<{ source: string; sourceId: string | null; amount: number; lineShares: Record<string, number> }[]> {
  const rows = await discountsOf(db, orderId);
  return rows.map((r) => ({
    source: r.source,
    sourceId: r.sourceId,
    amount: r.amount,
    lineShares: JSON.parse(r.lineShares) as Record<string, number>,
  }));
}
