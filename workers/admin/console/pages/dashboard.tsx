/** @jsxImportSource hono/jsx */
/** The seller's dashboard: today's orders and GMV (the day in the viewer's zone), and the low-stock alerts. */
import { getCookie } from "hono/cookie";
import type { z } from "zod";
import type { stockAlertSchema } from "../../../../shared/inventory/stock-intake";
import type { OrderView } from "../../../../shared/orders/orders";
import type { ListPage } from "../admin-api";
import type { PageContext, PageRegistrar } from "../console";
import { formatMoney, startOfDayIn, viewerZone, ZONE_COOKIE } from "../format";
import { ListSection, ProblemBox, Time } from "../ui";

type StockAlert = z.output<typeof stockAlertSchema>;

/** Orders pages read at most for today's figures (100 each); past that the figures say "at least". */
const MAX_ORDER_PAGES = 5;
/** Payment statuses whose orders count as sold (GMV counts what was paid, refunds included). */
const PAID = new Set(["PAID", "PARTIALLY_REFUNDED", "REFUNDED"]);

/** Today's orders (newest first until yesterday), whether the reading stopped early, and GMV by currency. */
export function todaysFigures(orders: OrderView[], dayStart: number) {
  const today = orders.filter((o) => Date.parse(o.createdAt) >= dayStart);
  const gmv = new Map<string, number>();
  let paid = 0;
  for (const order of today) {
    if (!PAID.has(order.paymentStatus)) continue;
    paid += 1;
    gmv.set(order.total.currency, (gmv.get(order.total.currency) ?? 0) + order.total.amount);
  }
  return { count: today.length, paid, gmv: [...gmv].map(([currency, amount]) => ({ amount, currency })) };
}

async function dashboard({ api, render, c }: PageContext) {
  const now = c.var.clock.now();
  const zone = viewerZone(getCookie(c, ZONE_COOKIE));
  const dayStart = startOfDayIn(now, zone);
  const orders: OrderView[] = [];
  let cursor: string | undefined;
  let complete = false;
  for (let i = 0; i < MAX_ORDER_PAGES; i++) {
    const page = await api.get<ListPage<OrderView>>("/admin/v1/orders", { limit: "100", cursor });
    if (!page.ok) return render("Dashboard", <ProblemBox problem={page.problem} />, page.status);
    orders.push(...page.body.items);
    const last = page.body.items.at(-1);
    if (!page.body.nextCursor || !last || Date.parse(last.createdAt) < dayStart) {
      complete = true;
      break;
    }
    cursor = page.body.nextCursor;
  }
  const figures = todaysFigures(orders, dayStart);
  const alerts = await api.get<ListPage<StockAlert>>("/admin/v1/stock-alerts", { limit: "20" });
  const atLeast = complete ? "" : "at least ";
  return render(
    "Dashboard",
    <>
      <section aria-labelledby="today">
        <h2 id="today">Today (since 00:00 {zone})</h2>
        <div class="cards">
          <div class="card">
            <div class="muted">Orders</div>
            <div class="value" data-testid="orders-today">
              {atLeast}
              {figures.count}
            </div>
          </div>
          <div class="card">
            <div class="muted">Paid orders</div>
            <div class="value">
              {atLeast}
              {figures.paid}
            </div>
          </div>
          <div class="card">
            <div class="muted">GMV</div>
            <div class="value" data-testid="gmv-today">
              {figures.gmv.length === 0 ? "—" : figures.gmv.map((m) => <div>{formatMoney(m)}</div>)}
            </div>
          </div>
        </div>
        <p>
          <a href="/console/orders">All orders</a>
        </p>
      </section>
      <section aria-labelledby="alerts">
        <h2 id="alerts">Low-stock alerts</h2>
        <ListSection
          list={alerts}
          empty="No SKU is below its safety stock."
          caption="SKUs at or below their safety stock, newest alert first"
          head={
            <>
              <th scope="col">Product</th>
              <th scope="col">SKU</th>
              <th scope="col" class="num">
                Available
              </th>
              <th scope="col" class="num">
                Threshold
              </th>
              <th scope="col">Raised</th>
            </>
          }
          row={(a) => (
            <tr>
              <td>{a.productId ? <a href={`/console/products/${a.productId}`}>{a.productName}</a> : "—"}</td>
              <td>
                {a.skuName} {a.sellerSkuCode ? <span class="muted">({a.sellerSkuCode})</span> : null}
              </td>
              <td class="num">{a.available}</td>
              <td class="num">{a.threshold}</td>
              <td>
                <Time value={a.raisedAt} />
              </td>
            </tr>
          )}
        />
      </section>
    </>,
  );
}

export function dashboardPages(register: PageRegistrar): void {
  register.get("/console", (page) =>
    // Operators start at their audit queue; the dashboard is a shop's.
    page.caller.roles.includes("operator") ? page.c.redirect("/console/audit", 303) : dashboard(page),
  );
}
