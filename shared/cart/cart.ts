/**
 * Carts (seed: 购物车模块的实现和优化). A signed-in shopper has one account cart; a guest holds a
 * cart through an `X-Cart-Token` (256 random bits, stored hashed, lapsing after 30 days without
 * change). Lines keep the price they were added at, so the cart can say when a price changed;
 * the list shows the current effective price, availability and each line's problems. At login a
 * guest cart merges into the account cart exactly once (quantities summed, capped by stock).
 */
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { cartItems, carts } from "../../db/schema";
import { PRODUCT_STATUS } from "../catalog/lifecycle";
import { effectivePrice } from "../catalog/pricing";
import { type SkuView, skuReadModel } from "../catalog/sku-read-model";
import type { Clock } from "../platform/clock";
import { randomToken, sha256Hex } from "../platform/crypto";
import { type BatchRead, batchRead, combineReads, inChunks, runBatchRead } from "../platform/d1-chunks";
import { assertExists, type Db, isAssertionFailure, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { type Currency, DEFAULT_CURRENCY, moneySchema } from "../platform/money";

export const CART_TOKEN_HEADER = "X-Cart-Token";
export const GUEST_CART_TTL_MS = 30 * 24 * 60 * 60 * 1000;
export const MAX_LINES = 100;
export const MAX_QUANTITY = 999;
const TOKEN_PREFIX = "ct_";

/** Who a cart belongs to: a user, or a guest token (possibly new). */
export type CartOwner = { userId: string } | { token: string };

export const PROBLEMS = ["off_shelf", "out_of_stock", "insufficient_stock", "price_changed", "no_price"] as const;

export const cartSchema = z.object({
  items: z.array(
    z.object({
      skuId: z.string(),
      productId: z.string().nullable(),
      name: z.string().nullable(),
      quantity: z.number().int(),
      unitPrice: moneySchema.nullable().describe("The price in effect now"),
      addedUnitPrice: moneySchema.nullable().describe("The price when the line was added"),
      available: z.number().int(),
      problems: z.array(z.enum(PROBLEMS)),
    }),
  ),
  subtotal: moneySchema.describe(
    "Current prices × quantities of lines that can be bought; zero (in the cart's currency, else the platform's " +
      "default currency) when none can, and for an empty cart",
  ),
});
export type CartView = z.infer<typeof cartSchema>;

export function newCartToken(): string {
  return `${TOKEN_PREFIX}${randomToken(32)}`;
}

export const cartTokenSchema = z.string().regex(/^ct_[A-Za-z0-9_-]{43}$/, "is not a cart token");

type CartRow = typeof carts.$inferSelect;

/** A guest cart lapses 30 days after its last change and ends when merged into an account cart. */
const isLive = (cart: CartRow | undefined, now: number) =>
  cart && (cart.expiresAt === null || cart.expiresAt > now) && cart.mergedOp === null ? cart : undefined;

async function findCart(db: Db, owner: CartOwner, now: number) {
  if ("userId" in owner) return db.query.carts.findFirst({ where: eq(carts.userId, owner.userId) });
  return isLive(await db.query.carts.findFirst({ where: eq(carts.tokenHash, await sha256Hex(owner.token)) }), now);
}

/** The cart row an owner names: the user's, or the one under the guest token's hash (live or not). */
async function ownerCondition(owner: CartOwner): Promise<SQL> {
  if ("userId" in owner) return eq(carts.userId, owner.userId);
  return eq(carts.tokenHash, await sha256Hex(owner.token));
}

/**
 * The lines of the cart `owned` names and their SKUs as the cart shows them, as a read for a
 * batch: after the batch's own writes, so a change and the cart it leaves take one round trip.
 */
function cartLinesRead(db: Db, owned: SQL, now: number) {
  const cartIds = db.select({ id: carts.id }).from(carts).where(owned);
  return combineReads(
    {
      lines: batchRead(
        [
          [
            db
              .select()
              .from(cartItems)
              .where(inArray(cartItems.cartId, cartIds))
              .orderBy(cartItems.addedAt, cartItems.skuId),
          ],
        ],
        ([rows]) => rows,
      ),
      views: skuReadModel(db, {
        keys: {
          ids: ["cart"],
          via: () => db.select({ id: cartItems.skuId }).from(cartItems).where(inArray(cartItems.cartId, cartIds)),
        },
      }),
    },
    ({ lines, views }) => viewOf(lines, skuFactsOf(views, now)),
  );
}

async function ensureCart(db: Db, owner: CartOwner, now: number) {
  const existing = await findCart(db, owner, now);
  if (existing) return existing;
  const guest = "token" in owner;
  const tokenHash = guest ? await sha256Hex(owner.token) : null;
  if (guest) {
    // A lapsed guest cart under this token is cleared before the token starts a new one.
    const stale = await db.query.carts.findFirst({ where: eq(carts.tokenHash, tokenHash ?? "") });
    if (stale)
      await runBatch(db, [
        db.delete(cartItems).where(eq(cartItems.cartId, stale.id)),
        db.delete(carts).where(eq(carts.id, stale.id)),
      ]);
  }
  await db
    .insert(carts)
    .values({
      id: newId("cart", now),
      userId: guest ? null : owner.userId,
      tokenHash,
      createdAt: now,
      updatedAt: now,
      expiresAt: guest ? now + GUEST_CART_TTL_MS : null,
    })
    .onConflictDoNothing();
  const cart = await findCart(db, owner, now);
  if (!cart) throw new Error("cart vanished after creation");
  return cart;
}

interface SkuFacts {
  productId: string;
  name: string;
  status: number;
  available: number;
  price: { amount: number; currency: Currency } | null;
}

async function skuFacts(db: Db, skuIds: string[], now: number): Promise<Map<string, SkuFacts>> {
  return skuFactsOf(await runBatchRead(db, skuReadModel(db, { skuIds })), now);
}

function skuFactsOf(views: Map<string, SkuView>, now: number): Map<string, SkuFacts> {
  return new Map(
    [...views].map(([skuId, v]) => [
      skuId,
      {
        productId: v.row.productId,
        name: `${v.product.name} ${v.row.name}`,
        status: v.product.status,
        available: v.stock.available,
        price: effectivePrice(v.prices, now),
      },
    ]),
  );
}

/** The cart with current prices, availability and per-line problems. */
export async function viewCart(db: Db, owner: CartOwner, clock: Clock): Promise<CartView> {
  const now = clock.now();
  const cart = await findCart(db, owner, now);
  if (!cart) return { items: [], subtotal: zeroSubtotal(null) };
  const lines = await db
    .select()
    .from(cartItems)
    .where(eq(cartItems.cartId, cart.id))
    .orderBy(cartItems.addedAt, cartItems.skuId);
  const facts = await skuFacts(
    db,
    lines.map((l) => l.skuId),
    now,
  );
  return viewOf(lines, facts);
}

function viewOf(lines: (typeof cartItems.$inferSelect)[], facts: Map<string, SkuFacts>): CartView {
  let subtotal: { amount: number; currency: Currency } | null = null;
  const items = lines.map((line) => {
    const f = facts.get(line.skuId);
    const problems: (typeof PROBLEMS)[number][] = [];
    if (!f || f.status !== PRODUCT_STATUS.ON_SHELF)
      problems.push(f?.status === PRODUCT_STATUS.SOLD_OUT ? "out_of_stock" : "off_shelf");
    else if (f.available === 0) problems.push("out_of_stock");
    else if (f.available < line.quantity) problems.push("insufficient_stock");
    if (f && !f.price) problems.push("no_price");
    if (f?.price && line.addedUnitPrice !== null && f.price.amount !== line.addedUnitPrice)
      problems.push("price_changed");
    const buyable = f?.price && !problems.some((p) => p === "off_shelf" || p === "out_of_stock" || p === "no_price");
    if (buyable && f?.price && (!subtotal || subtotal.currency === f.price.currency)) {
      subtotal = { amount: (subtotal?.amount ?? 0) + f.price.amount * line.quantity, currency: f.price.currency };
    }
    return {
      skuId: line.skuId,
      productId: f?.productId ?? null,
      name: f?.name ?? null,
      quantity: line.quantity,
      unitPrice: f?.price ?? null,
      addedUnitPrice:
        line.addedUnitPrice === null || line.currency === null
          ? null
          : { amount: line.addedUnitPrice, currency: line.currency as Currency },
      available: f?.available ?? 0,
      problems,
    };
  });
  return { items, subtotal: subtotal ?? zeroSubtotal(items.find((i) => i.unitPrice)?.unitPrice?.currency ?? null) };
}

/** A subtotal with nothing to buy: zero money, never null, in the lines' currency when one is known. */
function zeroSubtotal(currency: Currency | null): { amount: number; currency: Currency } {
  return { amount: 0, currency: currency ?? DEFAULT_CURRENCY };
}

/** Sets a line's quantity (0 removes it). Unknown SKUs and products never offered are 404. */
export async function setQuantity(
  db: Db,
  owner: CartOwner,
  clock: Clock,
  skuId: string,
  quantity: number,
): Promise<CartView> {
  const now = clock.now();
  if (quantity === 0) {
    const cart = await findCart(db, owner, now);
    if (cart) await db.delete(cartItems).where(and(eq(cartItems.cartId, cart.id), eq(cartItems.skuId, skuId)));
    return viewCart(db, owner, clock);
  }
  // One read batch (the SKU, the owner's cart, its line count, whether the SKU has a line) and
  // one write batch that also reads the cart it leaves; a guest's first line creates its cart first.
  const owned = await ownerCondition(owner);
  const cartIds = db.select({ id: carts.id }).from(carts).where(owned);
  const found = await runBatchRead(
    db,
    combineReads(
      {
        views: skuReadModel(db, { skuIds: [skuId] }),
        cart: batchRead(
          [
            [db.select().from(carts).where(owned)],
            [
              db
                .select({
                  n: sql<number>`count(*)`.mapWith(Number),
                  has: sql<number>`count(${cartItems.skuId} = ${skuId} OR NULL)`.mapWith(Number),
                })
                .from(cartItems)
                .where(inArray(cartItems.cartId, cartIds)),
            ],
          ],
          ([rows, [count]]) => ({ row: rows[0], lines: count?.n ?? 0, hasLine: (count?.has ?? 0) > 0 }),
        ),
      },
      (v) => v,
    ),
  );
  const facts = skuFactsOf(found.views, now).get(skuId);
  const offered: number[] = [PRODUCT_STATUS.ON_SHELF, PRODUCT_STATUS.SOLD_OUT, PRODUCT_STATUS.OFF_SHELF];
  if (!facts || !offered.includes(facts.status)) throw new AppError("not_found", { detail: `No SKU ${skuId}` });
  const live = isLive(found.cart.row, now);
  const cart = live ?? ("token" in owner ? await ensureCart(db, owner, now) : undefined);
  const { lines, hasLine } = live ? found.cart : { lines: 0, hasLine: false };
  if (!hasLine && lines >= MAX_LINES)
    throw new AppError("cart_full", {
      detail: `A cart holds at most ${MAX_LINES} lines; SKU ${skuId} would be one more`,
      extensions: { skuId, limit: MAX_LINES },
    });
  // A shopper's first line creates the account cart in the same batch (racing adds both find it).
  const createCart =
    cart || !("userId" in owner)
      ? []
      : [
          db
            .insert(carts)
            .values({
              id: newId("cart", now),
              userId: owner.userId,
              tokenHash: null,
              createdAt: now,
              updatedAt: now,
              expiresAt: null,
            })
            .onConflictDoNothing(),
        ];
  const cartId: string | SQL = cart ? cart.id : sql`(SELECT id FROM carts WHERE ${owned})`;
  const writes = [
    ...createCart,
    db
      .insert(cartItems)
      .values({
        cartId,
        skuId,
        quantity,
        addedUnitPrice: facts.price?.amount ?? null,
        currency: facts.price?.currency ?? null,
        addedAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({ target: [cartItems.cartId, cartItems.skuId], set: { quantity, updatedAt: now } }),
    db
      .update(carts)
      .set({ updatedAt: now, ...(cart?.expiresAt == null ? {} : { expiresAt: now + GUEST_CART_TTL_MS }) })
      .where(cart ? eq(carts.id, cart.id) : owned),
  ];
  const after: BatchRead<CartView> = combineReads(
    {
      written: batchRead([writes], () => undefined),
      view: cartLinesRead(db, cart ? eq(carts.id, cart.id) : owned, now),
    },
    ({ view }) => view,
  );
  return runBatchRead(db, after);
}

/**
 * Which of `skuIds` the user's cart holds a line of, for a caller's batch (checkout reads it with
 * its facts, so an order of nothing in the cart has nothing to take out of it afterwards).
 */
export function cartSkusRead(db: Db, userId: string, skuIds: readonly string[]): BatchRead<Set<string>> {
  return batchRead(
    [
      inChunks(skuIds, (chunk) =>
        db
          .select({ skuId: cartItems.skuId })
          .from(cartItems)
          .innerJoin(carts, eq(carts.id, cartItems.cartId))
          .where(and(eq(carts.userId, userId), inArray(cartItems.skuId, chunk))),
      ),
    ],
    ([rows]) => new Set(rows.map((r) => r.skuId)),
  );
}

/**
 * The statements that take ordered SKUs out of the user's cart (its other lines stay), for the
 * order's own batch: the lines leave exactly when the order commits.
 */
export function removeOrderedLines(db: Db, userId: string, skuIds: readonly string[]) {
  return inChunks(skuIds, (chunk) =>
    db
      .delete(cartItems)
      .where(
        and(
          inArray(cartItems.cartId, db.select({ id: carts.id }).from(carts).where(eq(carts.userId, userId))),
          inArray(cartItems.skuId, chunk),
        ),
      ),
  );
}

/**
 * Moves a guest cart into the user's cart, once: the guest cart is claimed by a compare-and-set
 * on `merged_op` inside the same batch as the moved lines, so two logins racing with one token
 * merge it once. Quantities add up and are capped by available stock (at least 1 stays). The
 * merged cart keeps `MAX_LINES`: the account's lines all stay, guest lines for SKUs it already
 * holds add up, and new guest lines fill what room is left, most recently added first.
 */
export async function mergeGuestCart(db: Db, userId: string, token: string, clock: Clock): Promise<void> {
  const now = clock.now();
  const guest = await findCart(db, { token }, now);
  if (!guest) return;
  const allGuestLines = await db.select().from(cartItems).where(eq(cartItems.cartId, guest.id));
  const target = await ensureCart(db, { userId }, now);
  const own = await db.select().from(cartItems).where(eq(cartItems.cartId, target.id));
  const guestLines = withinLineCap(
    own.map((o) => o.skuId),
    allGuestLines,
  );
  const facts = await skuFacts(
    db,
    guestLines.map((l) => l.skuId),
    now,
  );
  const op = newId("operation", now);
  const merged = guestLines.map((line) => {
    const mine = own.find((o) => o.skuId === line.skuId);
    const wanted = Math.min(MAX_QUANTITY, (mine?.quantity ?? 0) + line.quantity);
    const available = facts.get(line.skuId)?.available ?? 0;
    return { line, quantity: Math.max(1, Math.min(wanted, available || wanted)), mine };
  });
  try {
    await runBatch(db, [
      db
        .update(carts)
        .set({ mergedOp: op })
        .where(and(eq(carts.id, guest.id), sql`${carts.mergedOp} IS NULL`)),
      assertExists(db, sql`SELECT 1 FROM carts WHERE id = ${guest.id} AND merged_op = ${op}`),
      ...merged.map(({ line, quantity, mine }) =>
        db
          .insert(cartItems)
          .values({ ...line, cartId: target.id, quantity, addedAt: mine?.addedAt ?? line.addedAt, updatedAt: now })
          .onConflictDoUpdate({ target: [cartItems.cartId, cartItems.skuId], set: { quantity, updatedAt: now } }),
      ),
      db.delete(cartItems).where(eq(cartItems.cartId, guest.id)),
      db.update(carts).set({ updatedAt: now }).where(eq(carts.id, target.id)),
    ]);
  } catch (err) {
    if (isAssertionFailure(err)) return; // Another login merged it.
    throw err;
  }
}

/** The guest lines a merge keeps so the account cart stays within `MAX_LINES` (see `mergeGuestCart`). */
export function withinLineCap<L extends { skuId: string; addedAt: number }>(
  ownSkuIds: readonly string[],
  guest: L[],
): L[] {
  const owned = new Set(ownSkuIds);
  const room = Math.max(0, MAX_LINES - owned.size);
  const added = new Set(
    guest
      .filter((l) => !owned.has(l.skuId))
      .sort((a, b) => b.addedAt - a.addedAt || (a.skuId < b.skuId ? 1 : -1))
      .slice(0, room)
      .map((l) => l.skuId),
  );
  return guest.filter((l) => owned.has(l.skuId) || added.has(l.skuId));
}

/**
 * The products in a shopper's account cart, newest line first, for recommendations' seeds: one
 * indexed read (the cart by user, its lines, their SKUs' products), no prices or stock.
 */
export async function cartProductIds(db: Db, userId: string, limit: number): Promise<string[]> {
  const rows = await db.all<{ product_id: string }>(sql`
    SELECT s.product_id FROM carts c
      JOIN cart_items i ON i.cart_id = c.id
      JOIN skus s ON s.id = i.sku_id
     WHERE c.user_id = ${userId}
     GROUP BY s.product_id ORDER BY max(i.added_at) DESC, s.product_id LIMIT ${limit}`);
  return rows.map((r) => r.product_id);
}
