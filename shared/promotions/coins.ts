/**
 * Coins (金币) as ledger transactions: a shopper's balance is the (credit) balance of the ledger
 * account `coins:<userId>`, never a stored number. Every movement is a posting that sums to zero:
 *
 *   granted or earned    coins_issued +n   coins:<user> −n
 *   held by a checkout   coins:<user> +n   coins_held:<user> −n   (refused if the balance would go below 0)
 *   given back (cancel)  coins_held:<user> +n   coins:<user> −n
 *   spent (payment)      coins_held:<user> +n   coins_issued −n
 *   refunded             coins_issued +n   coins:<user> −n
 *
 * 1 coin = 1 minor unit of COINS_CURRENCY; coins are redeemed on checkouts in that currency.
 * Each posting's idempotency key names the fact (`coins:hold:<saga>`, `coins:return:<order>`), so
 * a retried or redelivered step posts nothing twice.
 */
import { z } from "zod";
import { account } from "../ledger/accounts";
import * as ledgerRepo from "../ledger/ledger-repo";
import { preparePosting } from "../ledger/transactions";
import type { Actor } from "../platform/actor";
import { actorText } from "../platform/actor";
import type { Clock } from "../platform/clock";
import { createdCursorSchema, decodeCursor, encodeCursor } from "../platform/cursor";
import { type Db, isAssertionFailure } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { CURRENCY_EXPONENTS, type Currency, DEFAULT_CURRENCY } from "../platform/money";
import { DEFAULT_PROMOTION_SETTINGS } from "./settings";

/** The currency coins are worth one minor unit of. */
export const COINS_CURRENCY: Currency = DEFAULT_CURRENCY;

const coinsOf = (userId: string) => account("coins", userId);
const heldOf = (userId: string) => account("coins_held", userId);
const ISSUED = account("coins_issued");

/** What a movement of coins is, as the shopper's history names it. */
export type CoinMovement = "granted" | "earned" | "held" | "returned" | "spent" | "refunded";

/** A shopper's coin balance. */
export async function coinBalance(db: Db, userId: string): Promise<number> {
  return balanceOf(await coinBalanceRead(db, userId));
}

/** The statement behind `coinBalance`, for a caller's batch; `balanceOf` reads its rows. */
export function coinBalanceRead(db: Db, userId: string) {
  return ledgerRepo.accountBalanceQuery(db, coinsOf(userId), COINS_CURRENCY);
}

/** The coins in `coinBalanceRead`'s rows (none: no coins). */
export function balanceOf(rows: readonly { balance: number }[]): number {
  // The account is credit-normal: its coins are the negated sum of its entries (0, not -0, when none).
  return 0 - (rows[0]?.balance ?? 0);
}

/** The postings of `n` coins moving between two accounts (debit `to`, credit `from`). */
function movement(
  db: Db,
  input: { kind: CoinMovement; ref: string; key: string; memo: string; debit: string; credit: string; amount: number },
  now: number,
) {
  return preparePosting(
    db,
    {
      kind: `coins.${input.kind}`,
      ref: input.ref,
      idempotencyKey: input.key,
      memo: input.memo,
      entries: [
        { account: input.debit, amount: input.amount, currency: COINS_CURRENCY },
        { account: input.credit, amount: -input.amount, currency: COINS_CURRENCY },
      ],
    },
    now,
  ).statements;
}

/** Refuses the batch (it rolls back) when the shopper's coins would go below zero. */
const notOverdrawn = (db: Db, userId: string) => ledgerRepo.assertBalanceAtMost(db, coinsOf(userId), COINS_CURRENCY, 0);

/** Runs a batch of coin postings; an overdrawn balance is 409 `insufficient_coins`. */
async function runCoins(db: Db, statements: readonly unknown[], detail: () => Promise<string>): Promise<void> {
  try {
    await db.batch(statements as never);
  } catch (err) {
    if (isAssertionFailure(err)) throw new AppError("insufficient_coins", { detail: await detail() });
    throw err;
  }
}

export const grantCoinsBody = z
  .object({
    amount: z
      .number()
      .int()
      .refine((n) => n !== 0, "must not be zero")
      .refine((n) => Math.abs(n) <= 100_000_000, "must be at most 100000000 coins either way")
      .describe("Coins to grant (positive) or take (negative)"),
    reason: z.string().trim().min(1).max(200),
  })
  .strict();

export const coinGrantSchema = z.object({
  userId: z.string(),
  amount: z.number().int(),
  balance: z.number().int(),
  transactionId: z.string(),
});

/** Operators grant (or, negative, take) coins; taking more than the balance is 409 `insufficient_coins`. */
export async function grantCoins(
  deps: { db: Db; clock: Clock },
  input: { userId: string; amount: number; reason: string; actor: Actor },
): Promise<z.infer<typeof coinGrantSchema>> {
  const { db } = deps;
  const user = await db.query.users.findFirst({ where: (u, { eq }) => eq(u.id, input.userId), columns: { id: true } });
  if (!user) throw new AppError("not_found", { detail: `No user ${input.userId}` });
  const now = deps.clock.now();
  const grant = input.amount > 0;
  const prepared = preparePosting(
    db,
    {
      kind: "coins.granted",
      ref: input.userId,
      idempotencyKey: `coins:grant:${newId("operation", now)}`,
      memo: `${input.reason} (by ${actorText(input.actor)})`,
      entries: [
        { account: grant ? ISSUED : coinsOf(input.userId), amount: Math.abs(input.amount), currency: COINS_CURRENCY },
        { account: grant ? coinsOf(input.userId) : ISSUED, amount: -Math.abs(input.amount), currency: COINS_CURRENCY },
      ],
    },
    now,
  );
  await runCoins(db, [...prepared.statements, notOverdrawn(db, input.userId)], async () => {
    const balance = await coinBalance(db, input.userId);
    return `The shopper has ${balance} coins; ${-input.amount} cannot be taken`;
  });
  return {
    userId: input.userId,
    amount: input.amount,
    balance: await coinBalance(db, input.userId),
    transactionId: prepared.transactionId,
  };
}

/**
 * The statements holding `amount` coins for checkout saga `sagaId`, for the caller's batch; the
 * batch fails (isAssertionFailure) when the shopper has too few.
 */
export function holdCoinsStatements(db: Db, input: { sagaId: string; userId: string; amount: number }, now: number) {
  return [
    ...movement(
      db,
      {
        kind: "held",
        ref: input.sagaId,
        key: `coins:hold:${input.sagaId}`,
        memo: "spent at checkout",
        debit: coinsOf(input.userId),
        credit: heldOf(input.userId),
        amount: input.amount,
      },
      now,
    ),
    notOverdrawn(db, input.userId),
  ];
}

/** Gives held coins back (an order cancelled, a checkout undone), once per `key`. */
export function returnHeldCoinsStatements(
  db: Db,
  input: { key: string; ref: string; userId: string; amount: number; memo: string },
  now: number,
) {
  return movement(db, { kind: "returned", ...input, debit: heldOf(input.userId), credit: coinsOf(input.userId) }, now);
}

/** Spends held coins (the order was paid), once per `key`. */
export function spendHeldCoinsStatements(
  db: Db,
  input: { key: string; ref: string; userId: string; amount: number },
  now: number,
) {
  return movement(
    db,
    { kind: "spent", ...input, memo: "order paid", debit: heldOf(input.userId), credit: ISSUED },
    now,
  );
}

/** Credits coins to a shopper (earned on a completed order, or refunded), once per `key`. */
export function creditCoinsStatements(
  db: Db,
  input: { kind: "earned" | "refunded"; key: string; ref: string; userId: string; amount: number; memo: string },
  now: number,
) {
  return movement(db, { ...input, debit: ISSUED, credit: coinsOf(input.userId) }, now);
}

/** Whether a coin posting with `key` exists (a hold that went through, say). */
export async function coinPostingExists(db: Db, key: string): Promise<boolean> {
  return (await ledgerRepo.findByIdempotencyKey(db, key)) !== undefined;
}

export const coinsHistoryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});

export const coinsHistorySchema = z.object({
  balance: z.number().int(),
  items: z.array(
    z.object({
      amount: z.number().int().describe("Coins in (positive) or out (negative)"),
      reason: z.string(),
      orderId: z.string().optional(),
      createdAt: z.string(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

const ORDER_NUMBER = /^\d{19}$/;

/** The shopper's balance and movements, newest first (GET /v1/me/coins). */
export async function coinsHistory(
  db: Db,
  userId: string,
  query: z.infer<typeof coinsHistoryQuery>,
): Promise<z.infer<typeof coinsHistorySchema>> {
  const rows = await ledgerRepo.accountEntries(db, {
    account: coinsOf(userId),
    currency: COINS_CURRENCY,
    limit: query.limit + 1,
    before: query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    balance: await coinBalance(db, userId),
    items: page.map((r) => ({
      amount: -r.amount,
      reason: r.memo ?? r.kind,
      ...(ORDER_NUMBER.test(r.ref) ? { orderId: r.ref } : {}),
      createdAt: new Date(r.createdAt).toISOString(),
    })),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}

/**
 * The coins a completed order earns (COINS_EARN_PER_MAJOR per whole currency unit it paid),
 * for the batch that completes it, once per order. Only orders in COINS_CURRENCY earn coins.
 */
export function coinsEarnedStatements(
  db: Db,
  order: { id: string; userId: string; currency: string; totalAmount: number },
  now: number,
  perMajor: number = DEFAULT_PROMOTION_SETTINGS.coinsEarnPerMajor,
) {
  if (order.currency !== COINS_CURRENCY) return [];
  const amount = Math.floor(order.totalAmount / 10 ** CURRENCY_EXPONENTS[COINS_CURRENCY]) * perMajor;
  if (amount <= 0) return [];
  return creditCoinsStatements(
    db,
    {
      kind: "earned",
      key: `coins:earn:${order.id}`,
      ref: order.id,
      userId: order.userId,
      amount,
      memo: "order completed",
    },
    now,
  );
}
