/**
 * What operators do to an account: disable it, enable it again, or lift a login lockout early.
 * A disabled account (`users.status` 0) is refused where the platform already reads the status:
 * login answers it as a wrong password (401 `invalid_credentials`, so nobody learns the account
 * exists), a refresh answers 401 `invalid_token`, a quote or an order 403 `forbidden`; disabling
 * also ends its open sessions, so enabling it again asks for a fresh login rather than reviving
 * the old refresh tokens. An access token issued before lives out its 15 minutes where a route
 * checks only the token's role (the admin API, the shopper's own reads). Every act is written to the operation log
 * (entity `user`) with who, why, before and after, in the same batch as the change, as switch
 * flips are logged; doing it again is logged again (a second operator confirming).
 */
import { z } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { loginThrottles, users } from "../../db/schema";
import { logInsert } from "../catalog/history";
import { actorOf } from "../platform/actor";
import type { Caller } from "../platform/auth";
import type { Db } from "../platform/db";
import { runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { ACTIVE, DISABLED, findUserView, statusText, throttleKeyOf, type UserListItem } from "./directory";
import { endSessionsOfUser } from "./sessions";

export const accountActionBody = z
  .object({
    reason: z.string().trim().min(3).max(500).describe("Why, for the operation log (who is taken from the token)"),
  })
  .strict();
export type AccountActionBody = z.infer<typeof accountActionBody>;

export type AccountAction = "disable" | "enable" | "unlock";

export interface AccountActionInput {
  caller: Caller;
  userId: string;
  action: AccountAction;
  body: AccountActionBody;
  now: number;
  requestId?: string;
}

/** Applies `action` to the account and answers it as the list shows it; 404 for an unknown user. */
export async function actOnAccount(db: Db, input: AccountActionInput): Promise<UserListItem> {
  const { caller, userId, action, body, now } = input;
  if (action === "disable" && userId === caller.userId) {
    // The last operator locking everyone out is not a mistake worth allowing.
    throw new AppError("forbidden", { detail: "An operator cannot disable their own account" });
  }
  const before = await findUserView(db, userId, now);
  if (!before) throw new AppError("not_found", { detail: `No user ${userId}` });
  const log = logInsert(db, {
    actor: actorOf(caller),
    shopId: null,
    entityType: "user",
    entityId: userId,
    operation: action,
    before: { status: before.status, lockedUntil: before.lockedUntil },
    after:
      action === "unlock"
        ? { status: before.status, lockedUntil: null, reason: body.reason }
        : { status: statusText(action === "enable" ? ACTIVE : DISABLED), reason: body.reason },
    requestId: input.requestId,
    now,
  });
  if (action === "unlock") {
    await runBatch(db, [log, db.delete(loginThrottles).where(eq(loginThrottles.key, throttleKeyOf(userId)))]);
  } else {
    const status = action === "enable" ? ACTIVE : DISABLED;
    const update = db
      .update(users)
      .set({ status, updatedAt: now, version: sql`${users.version} + 1` })
      .where(eq(users.id, userId));
    await runBatch(db, action === "disable" ? [log, update, endSessionsOfUser(db, userId, now)] : [log, update]);
  }
  const after = await findUserView(db, userId, now);
  if (!after) throw new AppError("not_found", { detail: `No user ${userId}` });
  return after;
}
