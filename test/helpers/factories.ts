/** Test data made per test, so no test depends on another's leftovers. */
import { env } from "cloudflare:test";
import { newId } from "../../shared/platform/ids";
import { hashPassword } from "../../shared/users/password";

export const PASSWORD = "correct horse battery staple";

let passwordHash: Promise<string> | undefined;

/** One scrypt hash of PASSWORD per test file; rows share it, so factories stay fast. */
function hashOfPassword(): Promise<string> {
  passwordHash ??= hashPassword(PASSWORD);
  return passwordHash;
}

export interface TestUser {
  id: string;
  username: string;
  email: string;
  phone: string;
  password: string;
  shopId?: string;
  warehouseId?: string;
}

let counter = 0;

/** A fresh user with PASSWORD; sellers get a fresh shop of their own. */
export async function createUser(
  role: "shopper" | "seller" | "operator" = "shopper",
  overrides: { passwordHash?: string } = {},
): Promise<TestUser> {
  const now = Date.now();
  const id = newId("user", now);
  counter += 1;
  const tag = `${id.slice(-10).toLowerCase()}${counter}`;
  const user: TestUser = {
    id,
    username: `u${tag}`,
    email: `u${tag}@example.test`,
    phone: `+86139${String(now % 10_000_000).padStart(7, "0")}${String(counter % 10)}`,
    password: PASSWORD,
  };
  await env.DB.prepare(
    "insert into users (id, username, email, phone, password_hash, role, status, created_at, updated_at) values (?, ?, ?, ?, ?, ?, 1, ?, ?)",
  )
    .bind(id, user.username, user.email, user.phone, overrides.passwordHash ?? (await hashOfPassword()), role, now, now)
    .run();
  if (role === "seller") {
    const shopId = newId("shop", now);
    const warehouseId = newId("warehouse", now);
    await env.DB.batch([
      env.DB.prepare("insert into shops (id, name, owner_user_id, created_at, updated_at) values (?, ?, ?, ?, ?)").bind(
        shopId,
        `Shop of ${user.username}`,
        id,
        now,
        now,
      ),
      env.DB.prepare("insert into shop_members (shop_id, user_id, created_at) values (?, ?, ?)").bind(shopId, id, now),
      env.DB.prepare(
        "insert into warehouses (id, shop_id, name, region, is_default, created_at) values (?, ?, 'main', 'CN-31', 1, ?)",
      ).bind(warehouseId, shopId, now),
    ]);
    user.shopId = shopId;
    user.warehouseId = warehouseId;
  }
  return user;
}

/** A client IP no other test uses, so per-IP limits never couple tests. */
export function freshIp(): string {
  const n = crypto.getRandomValues(new Uint8Array(3));
  return `10.${n[0]}.${n[1]}.${n[2]}`;
}
