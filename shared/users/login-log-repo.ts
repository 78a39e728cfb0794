/** The login log (`user_login_logs`): append-only. */
import { and, eq } from "drizzle-orm";
import { userLoginLogs } from "../../db/schema";
import type { Db } from "../platform/db";

export type LoginLogRow = typeof userLoginLogs.$inferInsert;

export async function insertLoginLog(db: Db, row: LoginLogRow): Promise<void> {
  await db.insert(userLoginLogs).values(row);
}

/** Whether `userId` has logged in successfully before from this device and from this country. */
export async function seenBefore(db: Db, userId: string, deviceHash: string, country: string | null) {
  const success = and(eq(userLoginLogs.userId, userId), eq(userLoginLogs.outcome, "success"));
  const [device, fromCountry] = await Promise.all([
    db.query.userLoginLogs.findFirst({
      columns: { id: true },
      where: and(success, eq(userLoginLogs.deviceHash, deviceHash)),
    }),
    country
      ? db.query.userLoginLogs.findFirst({
          columns: { id: true },
          where: and(success, eq(userLoginLogs.country, country)),
        })
      : Promise.resolve({ id: "" }),
  ]);
  return { device: device !== undefined, country: fromCountry !== undefined };
}
