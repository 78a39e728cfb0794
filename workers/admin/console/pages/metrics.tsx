/** @jsxImportSource hono/jsx */
/**
 * Operators' metrics (GET /admin/v1/metrics) for a chosen window: the business counters, charts
 * of requests, errors and p99 latency per route, and the queues' outcomes, with the numbers in
 * tables beside the charts.
 */
import type { MetricsSummary } from "../../../../shared/platform/metrics/summary";
import { BarChart } from "../charts";
import type { PageContext, PageRegistrar } from "../console";
import { formatMoney } from "../format";
import { ListSection, ProblemBox, Time } from "../ui";

/** The windows offered, in seconds, with their names. */
const WINDOWS = [
  ["300", "Last 5 minutes"],
  ["3600", "Last hour"],
  ["86400", "Last 24 hours"],
  ["604800", "Last 7 days"],
] as const;
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

async function metrics({ api, c, render }: PageContext) {
  const window = WINDOWS.some(([w]) => w === c.req.query("window")) ? (c.req.query("window") as string) : "3600";
  const res = await api.get<MetricsSummary>("/admin/v1/metrics", { window });
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
      <button type="submit">Show</button>
    </form>
  );
  if (!res.ok) return render("Metrics", <ProblemBox problem={res.problem} />, res.status);
  const m = res.body;
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
