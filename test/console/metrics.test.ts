/**
 * The operators' metrics page: requests, errors and p99 over time (one route's when picked) as
 * SVG columns described for screen readers, with every point in a table and times in the viewer's
 * zone; the business counters, inline SVG charts of requests, errors and p99 per route with their
 * figures in a table, the window chosen (an unknown one is the hour); a seller gets the API's refusal.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { dbOf } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";
import { createLogger } from "../../shared/platform/logger";
import { bucketField, bucketOf } from "../../shared/platform/metrics/histogram";
import { IsolateMetrics, metricsTargetOf } from "../../shared/platform/metrics/recorder";
import { addCounters } from "../../shared/platform/metrics/rollup-repo";
import { newSeller } from "../helpers/catalog";
import { consoleBrowser } from "../helpers/console";

async function signedIn(user: { username: string; password: string }) {
  const browser = consoleBrowser();
  const res = await browser.signIn(user.username, user.password);
  expect(res.status, await res.clone().text()).toBe(303);
  return browser;
}

describe("console metrics", () => {
  it("charts the window's requests, errors and p99 per route, with the numbers in a table", async () => {
    // Traffic to count, as an isolate of the probe Worker records and flushes it (the suite's
    // own rollup is off: test/wrangler.test.toml). One route answers, another fails slowly.
    const log = createLogger({ test: "console-metrics" });
    const target = metricsTargetOf({ ...env, METRICS_ROLLUP: "on", METRICS_FLUSH_EVENTS: "100000" } as never, log);
    const probe = new IsolateMetrics("probe");
    const ok = `GET /v1/console-probe/${newId("request")}`;
    const failing = `POST /v1/console-probe/${newId("request")}`;
    for (let i = 0; i < 40; i++) probe.request(target, ok, 200, 15, Date.now());
    for (let i = 0; i < 5; i++) probe.request(target, failing, 503, 4000, Date.now());
    await probe.flush(dbOf(env.DB), log);
    const operator = await signedIn({ username: "admin", password: "admin-dev-password" });
    const res = await operator.get("/console/metrics?window=300");
    const html = await res.text();
    expect(res.status, html).toBe(200);
    const charts = [...html.matchAll(/<svg[^>]*role="img"[^>]*aria-label="([^"]*)"/g)].map((m) => m[1] ?? "");
    const chart = (title: string) => charts.find((label) => label.startsWith(title)) ?? "";
    expect(chart("Requests (busiest routes):")).toContain(`probe ${ok} 40`);
    expect(chart("Errors (4xx and 5xx):")).toContain(`probe ${failing} 5`);
    expect(chart("Errors (4xx and 5xx):")).not.toContain(ok);
    expect(chart("p99 latency")).toContain(`probe ${failing} ≤ 5000 ms`);
    expect(html).toContain('<option value="300" selected="">Last 5 minutes</option>');
    expect(html).toContain('data-testid="orders-created"');
    expect(html).toContain("Every route&#39;s figures");

    const fallback = await (await operator.get("/console/metrics?window=12345")).text();
    expect(fallback).toContain('<option value="3600" selected="">Last hour</option>');
  });

  it("charts a route's requests, errors and p99 over time, described, in a table and in the viewer's zone", async () => {
    // 12 slow failures of one route a quarter of an hour ago, written as the rollup holds them.
    const route = `POST /v1/console-series/${newId("request")}`;
    const now = Date.now();
    const at = now - (now % 60_000) - 15 * 60_000;
    await addCounters(
      dbOf(env.DB),
      ["requests", "status_5xx", bucketField(bucketOf(4000))].map((field) => ({
        minute: at,
        worker: "probe",
        kind: "route" as const,
        subject: route,
        field,
        value: 12,
      })),
    );
    const operator = await signedIn({ username: "admin", password: "admin-dev-password" });
    operator.cookies.set("console-tz", "Asia/Shanghai");
    const res = await operator.get(`/console/metrics?window=3600&route=${encodeURIComponent(`probe ${route}`)}`);
    const html = await res.text();
    expect(res.status, html).toBe(200);
    // 15 minutes ago on a Shanghai clock (UTC+8, no daylight saving).
    const shanghai = new Date(at + 8 * 3_600_000).toISOString().slice(11, 16);
    const desc = (id: string) => new RegExp(`<desc id="${id}-desc">([^<]*)</desc>`).exec(html)?.[1] ?? "";
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="series-requests-title series-requests-desc"/);
    expect(desc("series-requests")).toMatch(
      new RegExp(`^61 points from \\d\\d:\\d\\d to \\d\\d:\\d\\d\\. Highest 12 at ${shanghai}\\. Total 12\\.$`),
    );
    expect(desc("series-errors")).toContain(`Highest 12 at ${shanghai}. Total 12.`);
    expect(desc("series-p99")).toContain(`Highest 5,000 ms at ${shanghai}.`);
    expect(html).toContain(`<title>${shanghai}: 12</title>`);
    expect(html).toContain("times in Asia/Shanghai; requests of probe");
    expect(html).toContain(`<option value="probe ${route}" selected="">`);
    // The table alternative: the point's row with the slot's time for the console script to localize.
    const row = new RegExp(`<time datetime="${new Date(at).toISOString()}">[^<]*</time></th>(.*?)</tr>`).exec(html);
    expect(row?.[1]).toContain('<td class="num">12</td><td class="num">12</td><td class="num">5000</td>');
  });

  it("shows a seller the API's refusal", async () => {
    const seller = await newSeller();
    const browser = await signedIn(seller);
    const res = await browser.get("/console/metrics");
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('class="problem"');
  });
});
