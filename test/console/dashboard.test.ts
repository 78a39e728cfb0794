/**
 * The dashboard's "today" is the viewer's day: midnight in the zone the console script keeps in a
 * cookie (UTC without one, or with one Intl does not know), including zones behind UTC whose day
 * began on the previous UTC date.
 */
import { describe, expect, it } from "vitest";
import { startOfDayIn, viewerZone } from "../../workers/admin/console/format";
import { newSeller } from "../helpers/catalog";
import { consoleBrowser } from "../helpers/console";

describe("the viewer's day", () => {
  it("starts at the zone's midnight", () => {
    const now = Date.parse("2026-12-02T07:30:15.250Z");
    expect(new Date(startOfDayIn(now, "UTC")).toISOString()).toBe("2026-12-02T00:00:00.000Z");
    // 15:30 in Shanghai (UTC+8): its day began at 16:00 UTC the day before.
    expect(new Date(startOfDayIn(now, "Asia/Shanghai")).toISOString()).toBe("2026-12-01T16:00:00.000Z");
    // 03:00 UTC is 22:00 of 1 December in New York (UTC-5 in winter).
    const late = Date.parse("2026-12-02T03:00:00Z");
    expect(new Date(startOfDayIn(late, "America/New_York")).toISOString()).toBe("2026-12-01T05:00:00.000Z");
    // Summer time: UTC-4, and a zone at a half hour.
    const summer = Date.parse("2026-07-01T12:00:00Z");
    expect(new Date(startOfDayIn(summer, "America/New_York")).toISOString()).toBe("2026-07-01T04:00:00.000Z");
    expect(new Date(startOfDayIn(summer, "Asia/Kolkata")).toISOString()).toBe("2026-06-30T18:30:00.000Z");
  });

  it("reads the zone from its cookie, UTC when absent or unknown", () => {
    expect(viewerZone("Asia/Shanghai")).toBe("Asia/Shanghai");
    expect(viewerZone(undefined)).toBe("UTC");
    expect(viewerZone("Mars/Olympus_Mons")).toBe("UTC");
    expect(viewerZone("'; drop table orders; --")).toBe("UTC");
  });

  it("heads the dashboard with the viewer's zone", async () => {
    const seller = await newSeller();
    const browser = consoleBrowser();
    expect((await browser.signIn(seller.username, seller.password)).status).toBe(303);
    expect(await (await browser.get("/console")).text()).toContain("Today (since 00:00 UTC)");
    browser.cookies.set("console-tz", encodeURIComponent("Asia/Shanghai"));
    const page = await (await browser.get("/console")).text();
    expect(page).toContain("Today (since 00:00 Asia/Shanghai)");
    expect(page).toContain('data-testid="orders-today">0<');
  });
});
