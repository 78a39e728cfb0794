import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Caller } from "../../shared/platform/auth";
import { dbOf } from "../../shared/platform/db";
import { AppError } from "../../shared/platform/errors";
import { canAccessShop, ownShopOf, shopFilterFor, shopFor, shopOf } from "../../shared/platform/shop-access";
import { createUser } from "../helpers/factories";

const operator: Caller = { userId: "usr_op", roles: ["operator"] };
const seller: Caller = { userId: "usr_seller", roles: ["seller"], shopId: "shop_a" };
const shopless: Caller = { userId: "usr_new", roles: ["seller"] };
const shopper: Caller = { userId: "usr_shopper", roles: ["shopper"] };

/** The error `work` throws, so a test can check its code and field. */
function refusalOf(work: () => unknown): AppError {
  try {
    work();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

async function asyncRefusalOf(work: () => Promise<unknown>): Promise<AppError> {
  try {
    await work();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

describe("canAccessShop", () => {
  it("lets an operator see any shop and a seller only its own", () => {
    expect(canAccessShop(operator, "shop_a")).toBe(true);
    expect(canAccessShop(operator, "shop_b")).toBe(true);
    expect(canAccessShop(seller, "shop_a")).toBe(true);
    expect(canAccessShop(seller, "shop_b")).toBe(false);
  });

  it("lets neither a seller without a shop nor a shopper see a shop", () => {
    expect(canAccessShop(shopless, "shop_a")).toBe(false);
    expect(canAccessShop(shopper, "shop_a")).toBe(false);
    expect(canAccessShop({ ...shopper, shopId: "shop_a" }, "shop_a")).toBe(false);
  });
});

describe("shopOf", () => {
  it("answers a seller's own shop, named or not", () => {
    expect(shopOf(seller, undefined)).toBe("shop_a");
    expect(shopOf(seller, "shop_a")).toBe("shop_a");
  });

  it("answers another shop to a seller as a 404, like a shop that does not exist", () => {
    const refusal = refusalOf(() => shopOf(seller, "shop_b"));
    expect(refusal.code).toBe("not_found");
    expect(refusal.status).toBe(404);
  });

  it("answers a seller without a shop with 404", () => {
    expect(refusalOf(() => shopOf(shopless, undefined)).code).toBe("not_found");
  });

  it("answers an operator the shop it names, and requires it to name one", () => {
    expect(shopOf(operator, "shop_b")).toBe("shop_b");
    const refusal = refusalOf(() => shopOf(operator, undefined));
    expect(refusal.code).toBe("validation_failed");
    expect(JSON.stringify(refusal.errors)).toContain("shopId");
  });
});

describe("shopFor and shopFilterFor", () => {
  it("answers an operator naming an existing shop with it, and one naming no shop that exists with 404", async () => {
    const owner = await createUser("seller");
    const db = dbOf(env.DB);
    expect(await shopFor(db, operator, owner.shopId)).toBe(owner.shopId);
    expect(await shopFilterFor(db, operator, owner.shopId)).toBe(owner.shopId);
    const missing = await asyncRefusalOf(() => shopFor(db, operator, "shop_does_not_exist"));
    expect(missing.code).toBe("not_found");
    expect((await asyncRefusalOf(() => shopFilterFor(db, operator, "shop_does_not_exist"))).code).toBe("not_found");
  });

  it("leaves an operator's list unfiltered (all shops) when it names none, but not a seller's", async () => {
    const db = dbOf(env.DB);
    expect(await shopFilterFor(db, operator, undefined)).toBeUndefined();
    expect(await shopFilterFor(db, seller, undefined)).toBe("shop_a");
    expect((await asyncRefusalOf(() => shopFilterFor(db, seller, "shop_b"))).code).toBe("not_found");
  });
});

describe("ownShopOf", () => {
  it("answers a seller's shop, and refuses an operator and a seller without a shop with 403", () => {
    expect(ownShopOf(seller, "only sellers")).toBe("shop_a");
    for (const caller of [operator, shopless]) {
      const refusal = refusalOf(() => ownShopOf(caller, "only sellers"));
      expect(refusal.code).toBe("forbidden");
      expect(refusal.detail).toBe("only sellers");
    }
  });
});
