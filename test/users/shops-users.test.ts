/**
 * Operators' directory: GET /admin/v1/shops with owners and counts, GET /admin/v1/users with
 * status and lockout and never a secret, both cursor-paged to the end without a gap or a repeat
 * and filtered; sellers refused; disabling an account (login, refresh and orders refused, its
 * sessions ended, logged), enabling it, and lifting a lockout.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEMO, tokenFor } from "../helpers/callers";
import { newSeller, operatorToken } from "../helpers/catalog";
import { createUser, freshIp } from "../helpers/factories";
import { call, json } from "../helpers/http";
import { newShopper, placeOrder, quote, skuOnSale } from "../helpers/orders";

type Page<T> = { items: T[]; nextCursor: string | null };
type ShopItem = {
  shopId: string;
  name: string;
  status: string;
  owner: { userId: string; username: string; status: string };
  members: number;
  products: number;
  onShelf: number;
  orders: number;
};
type UserItem = { userId: string; username: string; role: string; status: string; lockedUntil: string | null };

async function get<T>(path: string, token?: string) {
  return json<T>(await call("GET", path, { token: token ?? (await operatorToken()) }));
}

function act(userId: string, action: "disable" | "enable" | "unlock", body: object = { reason: "support case 42" }) {
  return operatorToken().then(async (token) =>
    json<UserItem & { code?: string }>(await call("POST", `/admin/v1/users/${userId}/${action}`, { token, body })),
  );
}

async function loginAs(username: string, password: string) {
  return json<{ accessToken: string; refreshToken: string; code?: string }>(
    await call("POST", "/v1/auth/login", { body: { username, password }, headers: { "cf-connecting-ip": freshIp() } }),
  );
}

/** Every item of a list, page by page with `limit`, and the number of pages it took. */
async function walk<T>(path: string, limit: number) {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const res: { status: number; body: Page<T> } = await get<Page<T>>(
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages += 1;
  } while (cursor);
  return { items, pages };
}

function tag(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}

describe("GET /admin/v1/shops", () => {
  it("lists a shop with its owner, members, products, products on shelf and orders", async () => {
    const { seller, skuId } = await skuOnSale();
    const shopper = await newShopper();
    const q = await quote(shopper, [{ skuId, quantity: 1 }]);
    expect(q.status, JSON.stringify(q.body)).toBe(200);
    expect((await placeOrder(shopper, { quoteToken: q.body.quoteToken })).status).toBe(201);
    const name = `Directory shop ${tag()}`;
    await env.DB.prepare("update shops set name = ? where id = ?").bind(name, seller.shopId).run();

    const res = await get<Page<ShopItem>>(`/admin/v1/shops?q=${encodeURIComponent(name.toLowerCase())}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({
        shopId: seller.shopId,
        name,
        status: "ACTIVE",
        owner: { userId: seller.id, username: seller.username, status: "ACTIVE" },
        members: 1,
        products: 1,
        onShelf: 1,
        orders: 1,
      }),
    ]);
    // LIKE's wildcards in q match themselves.
    expect((await get<Page<ShopItem>>("/admin/v1/shops?q=%25%25%25")).body.items).toEqual([]);
  });

  it("pages through every shop matching q without a gap or a repeat, and filters by status", async () => {
    const run = tag();
    const sellers = [await newSeller(), await newSeller(), await newSeller()];
    for (const [i, s] of sellers.entries()) {
      await env.DB.prepare("update shops set name = ?, status = ? where id = ?")
        .bind(`Run ${run} shop ${i}`, i === 2 ? 0 : 1, s.shopId)
        .run();
    }
    const all = await walk<ShopItem>(`/admin/v1/shops?q=${run}`, 1);
    expect(all.pages).toBe(3);
    expect(all.items.map((s) => s.shopId).sort()).toEqual(sellers.map((s) => s.shopId).sort());
    const disabled = await get<Page<ShopItem>>(`/admin/v1/shops?q=${run}&status=DISABLED`);
    expect(disabled.body.items.map((s) => s.shopId)).toEqual([sellers[2]?.shopId]);
    const active = await get<Page<ShopItem>>(`/admin/v1/shops?q=${run}&status=ACTIVE`);
    expect(active.body.items).toHaveLength(2);
    // The whole directory pages to its end too (the demo shops among them).
    const everything = await walk<ShopItem>("/admin/v1/shops", 2);
    const ids = everything.items.map((s) => s.shopId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([DEMO.seller1.shopId, DEMO.seller2.shopId, ...sellers.map((s) => s.shopId)]),
    );
  });

  it("is operators' only", async () => {
    for (const token of [await tokenFor(DEMO.seller1), (await newSeller()).token]) {
      for (const path of ["/admin/v1/shops", "/admin/v1/users"]) {
        expect(await get(path, token)).toMatchObject({ status: 403, body: { code: "forbidden" } });
      }
    }
    const shopper = await tokenFor(DEMO.shopper);
    expect((await get("/admin/v1/users", shopper)).status).toBe(403);
    const seller = await tokenFor(DEMO.seller1);
    const res = await json(
      await call("POST", `/admin/v1/users/${DEMO.shopper.userId}/disable`, {
        token: seller,
        body: { reason: "not mine to do" },
      }),
    );
    expect(res).toMatchObject({ status: 403, body: { code: "forbidden" } });
  });
});

describe("GET /admin/v1/users", () => {
  it("filters by role, status and q on username or email, pages completely, and answers no secret", async () => {
    const run = tag();
    const made = [await createUser("shopper"), await createUser("seller"), await createUser("shopper")];
    for (const [i, u] of made.entries()) {
      // The run's tag in the username of two and the email of the third.
      const sql = i === 2 ? "update users set email = ? where id = ?" : "update users set username = ? where id = ?";
      await env.DB.prepare(sql)
        .bind(i === 2 ? `x${run}@example.test` : `${u.username}${run}`, u.id)
        .run();
    }
    const all = await walk<UserItem & Record<string, unknown>>(`/admin/v1/users?q=${run.toUpperCase()}`, 1);
    expect(all.items.map((u) => u.userId).sort()).toEqual(made.map((u) => u.id).sort());
    const text = JSON.stringify(all.items);
    expect(text).not.toMatch(/scrypt|password|hash|secret/i);
    expect(all.items.find((u) => u.userId === made[1]?.id)).toMatchObject({
      role: "seller",
      status: "ACTIVE",
      lockedUntil: null,
      shopId: made[1]?.shopId,
    });

    const sellers = await get<Page<UserItem>>(`/admin/v1/users?q=${run}&role=seller`);
    expect(sellers.body.items.map((u) => u.userId)).toEqual([made[1]?.id]);
    await env.DB.prepare("update users set status = 0 where id = ?").bind(made[0]?.id).run();
    const disabled = await get<Page<UserItem>>(`/admin/v1/users?q=${run}&status=DISABLED`);
    expect(disabled.body.items.map((u) => u.userId)).toEqual([made[0]?.id]);

    const bad = await get("/admin/v1/users?role=admin&cursor=nope");
    expect(bad).toMatchObject({ status: 400, body: { code: "validation_failed" } });
    const badCursor = await get("/admin/v1/users?cursor=nope");
    expect(badCursor).toMatchObject({ status: 400, body: { errors: [{ field: "query.cursor" }] } });
  });
});

describe("account acts", () => {
  it("disabling refuses login, refresh and orders and ends sessions; enabling lets a fresh login in", async () => {
    const user = await createUser("shopper");
    const before = await loginAs(user.username, user.password);
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    const shopper = await newShopper();
    const { skuId } = await skuOnSale();

    const disabled = await act(user.id, "disable", { reason: "chargeback fraud ring, case 1182" });
    expect(disabled).toMatchObject({ status: 200, body: { userId: user.id, status: "DISABLED" } });
    expect(await loginAs(user.username, user.password)).toMatchObject({
      status: 401,
      body: { code: "invalid_credentials" },
    });
    const refreshed = await json(
      await call("POST", "/v1/auth/refresh", { body: { refreshToken: before.body.refreshToken } }),
    );
    expect(refreshed).toMatchObject({ status: 401, body: { code: "invalid_token" } });

    // A disabled shopper's orders are refused (its access token still valid for its 15 minutes).
    await env.DB.prepare("update users set status = 0 where id = ?").bind(shopper.id).run();
    const refused = await quote(shopper, [{ skuId, quantity: 1 }]);
    expect(refused).toMatchObject({ status: 403, body: { code: "forbidden" } });

    const listed = await get<Page<UserItem>>(`/admin/v1/users?q=${user.username}&status=DISABLED`);
    expect(listed.body.items.map((u) => u.userId)).toEqual([user.id]);

    const enabled = await act(user.id, "enable", { reason: "cleared by risk team" });
    expect(enabled).toMatchObject({ status: 200, body: { status: "ACTIVE" } });
    // The session ended by disabling stays ended; a fresh login works.
    const stale = await json(
      await call("POST", "/v1/auth/refresh", { body: { refreshToken: before.body.refreshToken } }),
    );
    expect(stale).toMatchObject({ status: 401, body: { code: "invalid_token" } });
    expect((await loginAs(user.username, user.password)).status).toBe(200);

    const log = await get<Page<{ operation: string; actorId: string; before: unknown; after: unknown }>>(
      `/admin/v1/operation-logs?entityType=user&entityId=${user.id}`,
    );
    expect(log.body.items).toEqual([
      expect.objectContaining({
        operation: "enable",
        actorId: DEMO.operator.userId,
        before: { status: "DISABLED", lockedUntil: null },
        after: { status: "ACTIVE", reason: "cleared by risk team" },
      }),
      expect.objectContaining({
        operation: "disable",
        before: { status: "ACTIVE", lockedUntil: null },
        after: { status: "DISABLED", reason: "chargeback fraud ring, case 1182" },
      }),
    ]);
  });

  it("shows a lockout and lifts it early", async () => {
    const user = await createUser("seller");
    for (let i = 0; i < 5; i++) expect((await loginAs(user.username, "wrong password here")).status).toBe(401);
    expect((await loginAs(user.username, user.password)).status).toBe(423);
    const listed = await get<Page<UserItem>>(`/admin/v1/users?q=${user.username}`);
    expect(Date.parse(listed.body.items[0]?.lockedUntil ?? "")).toBeGreaterThan(Date.now());

    const unlocked = await act(user.id, "unlock", { reason: "owner verified by phone" });
    expect(unlocked).toMatchObject({ status: 200, body: { lockedUntil: null, status: "ACTIVE" } });
    expect((await loginAs(user.username, user.password)).status).toBe(200);
  });

  it("refuses an operator's own account, an unknown user and a missing reason", async () => {
    expect(await act(DEMO.operator.userId, "disable")).toMatchObject({ status: 403, body: { code: "forbidden" } });
    expect(await act("usr_nobody", "disable")).toMatchObject({ status: 404, body: { code: "not_found" } });
    const user = await createUser();
    expect(await act(user.id, "disable", {})).toMatchObject({
      status: 400,
      body: { errors: [expect.objectContaining({ field: "reason" })] },
    });
    expect(await act(user.id, "disable", { reason: "ok", extra: 1 })).toMatchObject({ status: 400 });
  });
});
