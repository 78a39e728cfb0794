import { describe, expect, it } from "vitest";
import { isId, newId, ulid } from "../../shared/platform/ids";

describe("ids", () => {
  it("prefixes ids with their type", () => {
    expect(newId("user")).toMatch(/^usr_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isId("user", newId("user"))).toBe(true);
    expect(isId("sku", newId("user"))).toBe(false);
  });

  it("sorts by creation time", () => {
    const earlier = ulid(Date.UTC(2026, 0, 1));
    const later = ulid(Date.UTC(2026, 0, 1) + 1);
    expect(earlier < later).toBe(true);
  });

  it("does not collide within one millisecond", () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => newId("event", now)));
    expect(ids.size).toBe(10_000);
  });
});
