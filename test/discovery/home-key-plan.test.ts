/**
 * Every home request reads its cache key from D1 first; the flash-sale part of that key counts the
 * open campaigns. Its plan must read them through an index, not scan every campaign ever run.
 */
import { env } from "cloudflare:test";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { flashSaleKeyPart } from "../../shared/discovery/flash-sale-slot";

async function planOf(shopId: string | null): Promise<string> {
  const query = new SQLiteSyncDialect().sqlToQuery(flashSaleKeyPart(Date.now(), shopId));
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN SELECT ${query.sql} AS part`)
    .bind(...query.params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail).join("\n");
}

describe("the home cache key's flash-sale part", () => {
  it("reads the open campaigns through flash_sale_campaigns_open, never a scan", async () => {
    const platform = await planOf(null);
    expect(platform).toContain("USING INDEX flash_sale_campaigns_open (settled_at=? AND ends_at>?)");
    expect(platform).not.toMatch(/SCAN c\b/);
  });

  it("reads a shop's through an index too", async () => {
    expect(await planOf("shp_00000000000000000000000001")).not.toMatch(/SCAN c\b/);
  });
});
