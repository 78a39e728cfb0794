/**
 * Which shop a caller may see, in one place: operators any shop (and must name one where a
 * request acts on a single shop), sellers their own. Another shop is invisible to a seller: the
 * same 404 as a shop that does not exist. Every route and domain asks these functions rather
 * than restating the rule.
 */
import type { Caller } from "./auth";
import type { Db } from "./db";
import { AppError } from "./errors";
import { invalidField } from "./validation";

/** Whether `caller` may see data of `shopId`: operators any shop, sellers their own. */
export function canAccessShop(caller: Caller, shopId: string): boolean {
  return caller.roles.includes("operator") || (caller.roles.includes("seller") && caller.shopId === shopId);
}

/**
 * The shop a request acts on: a seller's own, or the one an operator names (`shopId`, required
 * for operators). Another shop is invisible to a seller: the same 404 as a shop that does not exist.
 * The policy alone, without a lookup; requests resolve their shop with `shopFor`, which also
 * checks that an operator's shop exists.
 */
export function shopOf(caller: Caller, requested: string | undefined): string {
  if (caller.roles.includes("operator")) {
    if (!requested) throw invalidField("shopId", "is required for operators");
    return requested;
  }
  if (!caller.shopId || (requested && requested !== caller.shopId)) {
    throw new AppError("not_found", { detail: `No shop ${requested ?? ""}`.trim() });
  }
  return caller.shopId;
}

/**
 * The shop a request acts on, as `shopOf` decides it, and known to exist: an operator naming a
 * shop that does not exist gets the same 404 as a seller naming another's (not a 500 from a
 * foreign key, nor an empty answer). Routes resolve `?shopId=` with this or `shopFilterFor`.
 */
export async function shopFor(db: Db, caller: Caller, requested: string | undefined): Promise<string> {
  const shopId = shopOf(caller, requested);
  if (caller.roles.includes("operator")) {
    const shop = await db.query.shops.findFirst({ columns: { id: true }, where: (s, { eq }) => eq(s.id, shopId) });
    if (!shop) throw new AppError("not_found", { detail: `No shop ${shopId}` });
  }
  return shopId;
}

/** Like `shopFor`, for lists where an operator may name no shop: undefined then, meaning all shops. */
export async function shopFilterFor(
  db: Db,
  caller: Caller,
  requested: string | undefined,
): Promise<string | undefined> {
  if (caller.roles.includes("operator") && !requested) return undefined;
  return shopFor(db, caller, requested);
}

/**
 * The shop a caller acts for in acts only a shop's own seller may do (creating products, bulk
 * jobs): operators, who act for no shop, and sellers without one are refused with 403 `detail`.
 */
export function ownShopOf(caller: Caller, detail: string): string {
  if (!caller.shopId) throw new AppError("forbidden", { detail });
  return caller.shopId;
}
