/**
 * The key-value `meta` table both flash-sale objects keep beside their own tables (the plan, flags
 * such as closed or sold out), and the plan stored in it: one base for their tables classes.
 */
import type { QuotaPlanInput } from "./flash-sale-protocol";

export const META_SCHEMA = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);";

export class FlashSaleMetaTables {
  constructor(protected readonly sql: SqlStorage) {
    sql.exec(META_SCHEMA);
  }

  meta(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  setMeta(key: string, value: string): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }

  plan(): QuotaPlanInput | null {
    const raw = this.meta("plan");
    return raw ? (JSON.parse(raw) as QuotaPlanInput) : null;
  }
}
