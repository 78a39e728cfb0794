/** @jsxImportSource hono/jsx */
/**
 * Operators' metrics for a chosen window (and optionally one route): requests, errors, p99 and the
 * business counters over time (GET /admin/v1/metrics/series) as column charts with every point in
 * a table, times in the viewer's zone; then the window's business counters, charts of requests,
 * errors and p99 latency per route, and the queues' outcomes (GET /admin/v1/metrics), with the
 * numbers in tables beside the charts.
 */
import { getCookie } from "hono/cookie";
import type { MetricsSeries } from "../../../../shared/platform/metrics/series";
import type { MetricsSummary } from "../../../../shared/platform/metrics/summary";
import { BarChart, clockIn, SeriesChart } from "../charts";
import type { PageContext, PageRegistrar } from "../console";
import { formatMoney, viewerZone, ZONE_COOKIE } from "../format";
import { ListSection, ProblemBox, Table, Time } from "../ui";

/** The windows offered, in seconds, with their names. */
const WINDOWS = [
  ["300", "Last 5 minutes"],
  ["3600", "Last hour"],
  ["86400", "Last 24 hours"],
  ["604800", "Last 7 days"],
] as const;
/** Seconds per point of each window's series (some 50 columns a chart, a minute at least). */
const STEPS: Record<(typeof WINDOWS)[number][0], number> = { "300": 60, "3600": 60, "86400": 1800, "604800": 10800 };
/** Routes charted (the busiest); the table lists them all. */
const CHARTED_ROUTES = 10;

type RouteMetrics = MetricsSummary["routes"][number];

const count = (n: number) => n.toLocaleString("en");
const routeName = (r: RouteMetrics) => `${r.worker} ${r.route}`;

function Card({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div class="card">
      <div class="muted">{label}</div>
      <div class="value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

/** "per minute", "per 30 minutes", "per 3 hours". */
function perStep(step: number): string {
  if (step === 60) return "per minute";
  return step % 3600 === 0 ? `per ${step / 3600} hours` : `per ${step / 60} minutes`;
}

/** The worker and route of a route picker's value (`storefront GET /v1/products`). */
function routeOfChoice(choice: string): { worker?: string; route?: string } {
  const space = choice.indexOf(" ");
  return space <= 0 ? {} : { worker: choice.slice(0, space), route: choice.slice(space + 1) };
}

/** The window's requests, errors, p99 and business counters over time, every figure in a table too. */
function OverTime({ series, zone, scope }: { series: MetricsSeries; zone: string; scope: string }) {
  const clock = clockIn(zone, series.window > 86_400);
  const per = perStep(series.step);
  const sum = (values: number[]) => count(values.reduce((n, v) => n + v, 0));
  const currencies = [...new Set(series.business.flatMap((b) => b.gmv.map((g) => g.currency)))].sort();
  const gmvIn = (b: MetricsSeries["business"][number], currency: string) =>
    b.gmv.find((g) => g.currency === currency)?.amount ?? 0;
  return (
    <section aria-labelledby="over-time">
      <h2 id="over-time">Over time</h2>
      <p class="muted">
        One column {per}, times in {zone}; {scope}.
      </p>
      <div class="charts">
        <SeriesChart
          id="series-requests"
          title={`Requests ${per}`}
          points={series.points.map((p) => ({ at: p.at, value: p.requests }))}
          text={count}
          total={sum(series.points.map((p) => p.requests))}
          clock={clock}
        />
        <SeriesChart
          id="series-errors"
          title={`Errors (4xx and 5xx) ${per}`}
          tone="danger"
          points={series.points.map((p) => ({ at: p.at, value: p.errors }))}
          text={count}
          total={sum(series.points.map((p) => p.errors))}
          clock={clock}
        />
        <SeriesChart
          id="series-p99"
          title={`p99 latency ${per}`}
          points={series.points.map((p) => ({ at: p.at, value: p.p99Ms }))}
          text={(ms) => `${count(ms)} ms`}
          clock={clock}
        />
        <SeriesChart
          id="series-orders"
          title={`Orders paid ${per} (all shops)`}
          points={series.business.map((b) => ({ at: b.at, value: b.ordersPaid }))}
          text={count}
          total={sum(series.business.map((b) => b.ordersPaid))}
          clock={clock}
        />
        {currencies.map((currency) => (
          <SeriesChart
            id={`series-gmv-${currency}`}
            title={`GMV in ${currency} ${per} (all shops)`}
            points={series.business.map((b) => ({ at: b.at, value: gmvIn(b, currency) }))}
            text={(amount) => formatMoney({ amount: Math.round(amount), currency })}
            total={formatMoney({ amount: series.business.reduce((n, b) => n + gmvIn(b, currency), 0), currency })}
            clock={clock}
          />
        ))}
      </div>
      <details class="figures">
        <summary>Every point's figures</summary>
        <Table caption={`Requests, errors, p99 and business counters ${per}, oldest first`}>
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col" class="num">
                Requests
              </th>
              <th scope="col" class="num">
                Errors
              </th>
              <th scope="col" class="num">
                p99 ms
              </th>
              <th scope="col" class="num">
                Orders created
              </th>
              <th scope="col" class="num">
                Orders paid
              </th>
              <th scope="col" class="num">
                GMV
              </th>
            </tr>
          </thead>
          <tbody>
            {series.points.map((p, i) => {
              const b = series.business[i];
              return (
                <tr>
                  <th scope="row">
                    <Time value={p.at} />
                  </th>
                  <td class="num">{count(p.requests)}</td>
                  <td class="num">{count(p.errors)}</td>
                  <td class="num">{p.p99Ms ?? "—"}</td>
                  <td class="num">{count(b?.ordersCreated ?? 0)}</td>
                  <td class="num">{count(b?.ordersPaid ?? 0)}</td>
                  <td class="num">{b?.gmv.length ? b.gmv.map((g) => formatMoney(g)).join(" · ") : "—"}</td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      </details>
    </section>
  );
}

async function metrics({ api, c, render }: PageContext) {
  const window = WINDOWS.some(([w]) => w === c.req.query("window"))
    ? (c.req.query("window") as (typeof WINDOWS)[number][0])
    : "3600";
  const choice = c.req.query("route") ?? "";
  const [res, series] = await Promise.all([
    api.get<MetricsSummary>("/admin/v1/metrics", { window }),
    api.get<MetricsSeries>("/admin/v1/metrics/series", {
      window,
      step: String(STEPS[window]),
      ...routeOfChoice(choice),
    }),
  ]);
  if (!res.ok) return render("Metrics", <ProblemBox problem={res.problem} />, res.status);
  const m = res.body;
  const picker = (
    <form method="get" action="/console/metrics" class="row" aria-label="Metrics window">
      <label>
        Window
        <select name="window">
          {WINDOWS.map(([w, name]) => (
            <option value={w} selected={w === window}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Route over time
        <select name="route">
          <option value="">Every route</option>
          {m.routes.map((r) => (
            <option value={routeName(r)} selected={routeName(r) === choice}>
              {routeName(r)}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Show</button>
    </form>
  );
  const busiest = m.routes.slice(0, CHARTED_ROUTES);
  const erring = [...m.routes]
    .filter((r) => r.errors > 0)
    .sort((a, b) => b.errors - a.errors)
    .slice(0, CHARTED_ROUTES);
  const slowest = [...m.routes]
    .filter((r) => r.p99Ms !== null)
    .sort((a, b) => (b.p99Ms ?? 0) - (a.p99Ms ?? 0))
    .slice(0, CHARTED_ROUTES);
  const b = m.business;
  return render(
    "Metrics",
    <>
      {picker}
      <p class="muted">
        Counted from <Time value={m.from} /> at minute resolution (every Worker flushes its counts within seconds).
      </p>
      {series.ok ? (
        <OverTime
          series={series.body}
          zone={viewerZone(getCookie(c, ZONE_COOKIE))}
          scope={choice && series.body.route ? `requests of ${choice} only` : "requests of every route"}
        />
      ) : (
        <ProblemBox problem={series.problem} />
      )}
      <section aria-labelledby="business">
        <h2 id="business">Business</h2>
        <div class="cards">
          <Card label="Orders created" value={count(b.ordersCreated)} testId="orders-created" />
          <Card label="Orders paid" value={count(b.ordersPaid)} />
          <Card label="GMV" value={b.gmv.length === 0 ? "—" : b.gmv.map((g) => formatMoney(g)).join(" · ")} />
          <Card
            label="Payment success"
            value={b.paymentSuccessRate === null ? "—" : `${(b.paymentSuccessRate * 100).toFixed(1)} %`}
          />
          <Card label="Payments failed" value={count(b.paymentsFailed)} />
          <Card label="Refunds requested" value={count(b.refunds)} />
        </div>
      </section>
      <section aria-labelledby="routes">
        <h2 id="routes">Requests, errors and latency by route</h2>
        <div class="charts">
          <BarChart
            title="Requests (busiest routes)"
            bars={busiest.map((r) => ({ label: routeName(r), value: r.requests, text: count(r.requests) }))}
          />
          <BarChart
            title="Errors (4xx and 5xx)"
            tone="danger"
            bars={erring.map((r) => ({ label: routeName(r), value: r.errors, text: count(r.errors) }))}
          />
          <BarChart
            title="p99 latency (slowest routes)"
            bars={slowest.map((r) => ({ label: routeName(r), value: r.p99Ms ?? 0, text: `≤ ${r.p99Ms} ms` }))}
          />
        </div>
        <ListSection
          list={{ ok: true, body: { items: m.routes } }}
          empty="No requests in this window."
          caption="Every route's figures (latencies are the upper bounds of histogram buckets)"
          head={
            <>
              <th scope="col">Route</th>
              <th scope="col" class="num">
                Requests
              </th>
              <th scope="col" class="num">
                Errors
              </th>
              <th scope="col" class="num">
                p50 ms
              </th>
              <th scope="col" class="num">
                p95 ms
              </th>
              <th scope="col" class="num">
                p99 ms
              </th>
            </>
          }
          row={(r) => (
            <tr>
              <td>
                <code>{routeName(r)}</code>
              </td>
              <td class="num">{count(r.requests)}</td>
              <td class="num">{count(r.errors)}</td>
              <td class="num">{r.p50Ms ?? "—"}</td>
              <td class="num">{r.p95Ms ?? "—"}</td>
              <td class="num">{r.p99Ms ?? "—"}</td>
            </tr>
          )}
        />
      </section>
      <section aria-labelledby="queues">
        <h2 id="queues">Queues</h2>
        <ListSection
          list={{ ok: true, body: { items: m.queues } }}
          empty="No queue messages in this window."
          caption="Messages processed, retried and dead-lettered per queue"
          head={
            <>
              <th scope="col">Queue</th>
              <th scope="col" class="num">
                Processed
              </th>
              <th scope="col" class="num">
                Retried
              </th>
              <th scope="col" class="num">
                Dead-lettered
              </th>
            </>
          }
          row={(q) => (
            <tr>
              <td>{q.queue}</td>
              <td class="num">{count(q.processed)}</td>
              <td class="num">{count(q.retried)}</td>
              <td class="num">{count(q.deadLettered)}</td>
            </tr>
          )}
        />
      </section>
    </>,
  );
}

export function metricsPages(register: PageRegistrar): void {
  register.get("/console/metrics", metrics);
}
