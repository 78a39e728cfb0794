/**
 * The operators' metrics page: the business counters, inline SVG charts of requests, errors and
 * p99 per route with their figures in a table, the window chosen (an unknown one is the hour);
 * a seller gets the API's refusal.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { dbOf } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";
import { createLogger } from "../../shared/platform/logger";
import { IsolateMetrics, metricsTargetOf } from "../../shared/platform/metrics/recorder";
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

  it("shows a seller the API's refusal", async () => {
    const seller = await newSeller();
    const browser = await signedIn(seller);
    const res = await browser.get("/console/metrics");
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('class="problem"');
  });
});
