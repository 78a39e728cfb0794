/** @jsxImportSource hono/jsx */
/** The shop's orders: the list filtered by status, and an order's items, totals, address, shipments and refunds. */
import type { OrderView } from "../../../../shared/orders/orders";
import type { ProblemDocument } from "../../../../shared/platform/problem";
import type { ListPage } from "../admin-api";
import type { PageContext, PageRegistrar } from "../console";
import { formOf } from "../forms";
import { Badge, CsrfField, ListSection, Money, Notice, ProblemBox, Table, Time } from "../ui";
import { refundHref } from "./refunds";

const ORDER_STATUSES = ["CREATED", "PAID", "SHIPPED", "DELIVERED", "COMPLETED", "CANCELLED"];

async function list({ api, c, caller, render }: PageContext) {
  const status = c.req.query("status") ?? "";
  const cursor = c.req.query("cursor");
  const page = await api.get<ListPage<OrderView>>("/admin/v1/orders", { status, cursor, limit: "20" });
  const operator = caller.roles.includes("operator");
  return render(
    "Orders",
    <>
      <ListSection
        filter={{
          action: "/console/orders",
          label: "Filter orders",
          fields: (
            <label>
              Status
              <select name="status">
                <option value="">Any status</option>
                {ORDER_STATUSES.map((s) => (
                  <option value={s} selected={s === status}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          ),
        }}
        list={page}
        empty="No orders match."
        caption="Orders, newest first"
        head={
          <>
            <th scope="col">Order</th>
            <th scope="col">Status</th>
            <th scope="col">Payment</th>
            <th scope="col">Fulfillment</th>
            {operator && <th scope="col">Shop</th>}
            <th scope="col" class="num">
              Total
            </th>
            <th scope="col">Placed</th>
          </>
        }
        row={(o) => (
          <tr>
            <td>
              <a href={`/console/orders/${o.orderId}`}>{o.orderId}</a>
            </td>
            <td>
              <Badge>{o.status}</Badge>
            </td>
            <td>{o.paymentStatus}</td>
            <td>{o.fulfillmentStatus}</td>
            {operator && <td>{o.sellerId}</td>}
            <td class="num">
              <Money value={o.total} />
            </td>
            <td>
              <Time value={o.createdAt} />
            </td>
          </tr>
        )}
        next={{ path: "/console/orders", query: { status } }}
      />
    </>,
    page.status,
  );
}

function addressLines(address: Record<string, unknown> | null): string[] {
  if (!address) return [];
  const part = (k: string) => (typeof address[k] === "string" ? (address[k] as string) : "");
  return [
    `${part("recipient")} ${part("phone")}`.trim(),
    [part("line1"), part("line2")].filter(Boolean).join(", "),
    [part("district"), part("city"), part("province"), part("postalCode"), part("country")].filter(Boolean).join(", "),
  ].filter(Boolean);
}

async function detail({ api, c, csrf, render }: PageContext, problem?: ProblemDocument, status = 200) {
  const id = c.req.param("orderId") ?? "";
  const res = await api.get<OrderView>(`/admin/v1/orders/${encodeURIComponent(id)}`);
  if (!res.ok) return render("Order", <ProblemBox problem={res.problem} />, res.status);
  const o = res.body;
  return render(
    `Order ${o.orderId}`,
    <>
      <Notice text={c.req.query("notice") === "shipped" ? "Shipped." : undefined} />
      <ProblemBox problem={problem} />
      <dl class="facts">
        <dt>Status</dt>
        <dd data-testid="order-status">
          <Badge>{o.status}</Badge>
        </dd>
        <dt>Payment</dt>
        <dd>{o.paymentStatus}</dd>
        <dt>Fulfillment</dt>
        <dd>{o.fulfillmentStatus}</dd>
        <dt>Refunds</dt>
        <dd>{o.refundStatus}</dd>
        <dt>Kind</dt>
        <dd>{o.kind}</dd>
        <dt>Placed</dt>
        <dd>
          <Time value={o.createdAt} />
        </dd>
        <dt>Pay by</dt>
        <dd>
          <Time value={o.payBy} />
        </dd>
        {o.cancelReason && (
          <>
            <dt>Cancelled</dt>
            <dd>{o.cancelReason}</dd>
          </>
        )}
      </dl>
      <h2>Items</h2>
      <Table caption="What was ordered, at the prices of the order's snapshots">
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" class="num">
              Quantity
            </th>
            <th scope="col" class="num">
              Unit price
            </th>
            <th scope="col" class="num">
              Discount
            </th>
            <th scope="col" class="num">
              Paid
            </th>
          </tr>
        </thead>
        <tbody>
          {o.items.map((i) => (
            <tr>
              <td>
                {i.name} <span class="muted">({i.skuId})</span>
              </td>
              <td class="num">{i.quantity}</td>
              <td class="num">
                <Money value={i.unitPrice} />
              </td>
              <td class="num">
                <Money value={i.discount} />
              </td>
              <td class="num">
                <Money value={i.paidAmount} />
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      <dl class="facts">
        <dt>Items</dt>
        <dd>
          <Money value={o.itemsAmount} />
        </dd>
        <dt>Shipping</dt>
        <dd>
          <Money value={o.shippingFee} />
        </dd>
        <dt>Discount</dt>
        <dd>
          <Money value={o.discount} />
        </dd>
        <dt>Total</dt>
        <dd>
          <strong>
            <Money value={o.total} />
          </strong>
        </dd>
      </dl>
      {o.address && (
        <>
          <h2>Ship to</h2>
          <address>
            {addressLines(o.address).map((l) => (
              <div>{l}</div>
            ))}
          </address>
        </>
      )}
      <h2>Shipments</h2>
      <ListSection
        list={{ ok: true, body: { items: o.shipments } }}
        empty="None yet."
        caption="The order's parcels, oldest first"
        head={
          <>
            <th scope="col">Status</th>
            <th scope="col">Carrier</th>
            <th scope="col">Tracking number</th>
            <th scope="col">Shipped</th>
            <th scope="col">Delivered</th>
          </>
        }
        row={(s) => (
          <tr data-testid="shipment">
            <td>
              <Badge>{s.status}</Badge>
            </td>
            <td>{s.carrier ?? "—"}</td>
            <td>{s.trackingNumber ? <code>{s.trackingNumber}</code> : "—"}</td>
            <td>
              <Time value={s.shippedAt} />
            </td>
            <td>
              <Time value={s.deliveredAt ?? s.failedAt} />
            </td>
          </tr>
        )}
      />
      {o.kind === "physical" && o.status === "PAID" && (
        <form method="post" action={`/console/orders/${o.orderId}/ship`} class="row">
          <CsrfField token={csrf} />
          <label>
            Carrier
            <input name="carrier" required maxlength={32} placeholder="sf-express" />
          </label>
          <label>
            Tracking number
            <input name="trackingNumber" required pattern="[A-Za-z0-9\-]{4,64}" />
          </label>
          <button type="submit">Ship</button>
        </form>
      )}
      <h2>Refunds</h2>
      <ListSection
        list={{ ok: true, body: { items: o.refunds } }}
        empty="None."
        caption="The order's refunds, oldest first"
        head={
          <>
            <th scope="col">Refund</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Amount
            </th>
            <th scope="col">Reason</th>
            <th scope="col">Requested</th>
          </>
        }
        row={(r) => (
          <tr>
            <td>
              <a href={refundHref(r)}>{r.refundId}</a>
            </td>
            <td>
              <Badge>{r.status.replaceAll("_", " ")}</Badge>
            </td>
            <td class="num">
              <Money value={r.amount} />
            </td>
            <td>{r.reason}</td>
            <td>
              <Time value={r.createdAt} />
            </td>
          </tr>
        )}
      />
    </>,
    status,
  );
}

async function ship(page: PageContext) {
  const id = page.c.req.param("orderId") ?? "";
  const form = await formOf(page.c);
  const res = await page.api.send("POST", `/admin/v1/orders/${encodeURIComponent(id)}/ship`, {
    body: { carrier: form.carrier ?? "", trackingNumber: form.trackingNumber ?? "" },
  });
  if (!res.ok) return detail(page, res.problem, res.status);
  return page.c.redirect(`/console/orders/${id}?notice=shipped`, 303);
}

export function orderPages(register: PageRegistrar): void {
  register.get("/console/orders", list);
  register.get("/console/orders/:orderId", (page) => detail(page));
  register.post("/console/orders/:orderId/ship", ship);
}
