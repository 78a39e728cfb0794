/** @jsxImportSource hono/jsx */
/**
 * Refunds: a seller's shop's (operators: every shop's) by status, and one refund with its order's
 * items, where it is decided — approved (with a note), rejected (with the reason) — or its
 * returned goods received as sellable (back to stock) or damaged (written off); a refund whose
 * payout the provider failed is retried (operators) or released so its units may be asked for anew.
 */
import type { OrderView } from "../../../../shared/orders/orders";
import { AppError } from "../../../../shared/platform/errors";
import type { ProblemDocument } from "../../../../shared/platform/problem";
import { REFUND_STATUSES, type RefundView } from "../../../../shared/refunds/refunds-read";
import type { ListPage } from "../admin-api";
import { type PageContext, type PageRegistrar, problemFor } from "../console";
import { formOf } from "../forms";
import { Badge, CsrfField, isOperator, ListSection, Money, Notice, ProblemBox, Table, Time } from "../ui";

/** Where a refund waits on the shop: a decision, or its goods coming back. */
const AWAITING_GOODS = new Set(["AWAITING_RETURN", "RETURN_SHIPPED"]);

const NOTICES: Record<string, string> = {
  approved: "Refund approved.",
  rejected: "Refund rejected.",
  received: "Return received; the money goes back to the shopper.",
  retried: "Payout retried; the provider is asked once more.",
  released: "Refund released; its units may be asked for again.",
};

/** The console's address of a refund (its order's id finds its items' names). */
export function refundHref(refund: Pick<RefundView, "orderId" | "refundId">): string {
  return `/console/refunds/${encodeURIComponent(refund.orderId)}/${encodeURIComponent(refund.refundId)}`;
}

async function list({ api, c, render }: PageContext) {
  const status = c.req.query("status") ?? "";
  const cursor = c.req.query("cursor");
  const page = await api.get<ListPage<RefundView>>("/admin/v1/refunds", { status, cursor, limit: "20" });
  return render(
    "Refunds",
    <ListSection
      filter={{
        action: "/console/refunds",
        label: "Filter refunds",
        fields: (
          <label>
            Status
            <select name="status">
              <option value="">Any status</option>
              {REFUND_STATUSES.map((s) => (
                <option value={s} selected={s === status}>
                  {s.replaceAll("_", " ")}
                </option>
              ))}
            </select>
          </label>
        ),
      }}
      list={page}
      empty="No refunds match."
      caption="Refunds, newest first"
      head={
        <>
          <th scope="col">Refund</th>
          <th scope="col">Order</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">
            Amount
          </th>
          <th scope="col">Goods back</th>
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
            <a href={`/console/orders/${r.orderId}`}>{r.orderId}</a>
          </td>
          <td>
            <Badge>{r.status.replaceAll("_", " ")}</Badge>
          </td>
          <td class="num">
            <Money value={r.amount} />
          </td>
          <td>{r.returnGoods ? "yes" : "no"}</td>
          <td>{r.reason}</td>
          <td>
            <Time value={r.createdAt} />
          </td>
        </tr>
      )}
      next={{ path: "/console/refunds", query: { status } }}
    />,
    page.status,
  );
}

async function detail(page: PageContext, problem?: ProblemDocument, status = 200) {
  const { api, c, caller, csrf, render } = page;
  const { orderId = "", refundId = "" } = c.req.param();
  const order = await api.get<OrderView>(`/admin/v1/orders/${encodeURIComponent(orderId)}`);
  if (!order.ok) return render("Refund", <ProblemBox problem={order.problem} />, order.status);
  const r = order.body.refunds.find((x) => x.refundId === refundId);
  if (!r) {
    const missing = new AppError("not_found", { detail: `No refund ${refundId} of order ${orderId}` });
    return render("Refund", <ProblemBox problem={problemFor(c, missing)} />, 404);
  }
  const items = new Map(order.body.items.map((i) => [i.orderItemId, i]));
  const action = (verb: string) => `${refundHref(r)}/${verb}`;
  // A decision submitted twice (a double click, a resent form) is answered as the first was.
  const IdempotencyField = () => <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />;
  return render(
    `Refund ${r.refundId}`,
    <>
      <Notice text={NOTICES[c.req.query("notice") ?? ""]} />
      <ProblemBox problem={problem} />
      <dl class="facts">
        <dt>Status</dt>
        <dd data-testid="refund-status">
          <Badge>{r.status.replaceAll("_", " ")}</Badge>
        </dd>
        <dt>Order</dt>
        <dd>
          <a href={`/console/orders/${r.orderId}`}>{r.orderId}</a>
        </dd>
        <dt>Amount</dt>
        <dd>
          <Money value={r.amount} />
          {r.shippingAmount.amount > 0 && (
            <span class="muted">
              {" "}
              (shipping <Money value={r.shippingAmount} /> included)
            </span>
          )}
        </dd>
        <dt>Reason</dt>
        <dd>{r.reason}</dd>
        <dt>Goods returned</dt>
        <dd>{r.returnGoods ? "yes" : "no (money only)"}</dd>
        {r.note && (
          <>
            <dt>Note</dt>
            <dd>{r.note}</dd>
          </>
        )}
        {r.returnShipment && (
          <>
            <dt>Return parcel</dt>
            <dd>
              {r.returnShipment.carrier} · <code>{r.returnShipment.trackingNumber}</code>
            </dd>
          </>
        )}
        {r.receivedCondition && (
          <>
            <dt>Goods received</dt>
            <dd>{r.receivedCondition}</dd>
          </>
        )}
        <dt>Requested</dt>
        <dd>
          <Time value={r.createdAt} />
        </dd>
        <dt>Last change</dt>
        <dd>
          <Time value={r.updatedAt} />
        </dd>
      </dl>
      <h2>Items</h2>
      <Table caption="The units refunded, at their exact share of what was paid">
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" class="num">
              Quantity
            </th>
            <th scope="col" class="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {r.items.map((i) => (
            <tr>
              <td>
                {items.get(i.orderItemId)?.name ?? i.orderItemId}{" "}
                <span class="muted">({items.get(i.orderItemId)?.skuId ?? "—"})</span>
              </td>
              <td class="num">{i.quantity}</td>
              <td class="num">
                <Money value={i.amount} />
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      {r.status === "REQUESTED" && (
        <section aria-labelledby="decide">
          <h2 id="decide">Decide</h2>
          <form method="post" action={action("approve")} class="row">
            <CsrfField token={csrf} />
            <IdempotencyField />
            <label>
              Note to the shopper (optional)
              <input name="note" maxlength={500} placeholder={r.returnGoods ? "请寄回原包装" : ""} />
            </label>
            <button type="submit">Approve refund</button>
          </form>
          <form method="post" action={action("reject")} class="row">
            <CsrfField token={csrf} />
            <IdempotencyField />
            <label>
              Reason for rejecting
              <input name="reason" required maxlength={500} />
            </label>
            <button type="submit" class="danger">
              Reject refund
            </button>
          </form>
        </section>
      )}
      {r.status === "FAILED" && (
        <section aria-labelledby="failed">
          <h2 id="failed">The payout failed</h2>
          <p>
            The payment provider could not pay this refund out. Retry the payout (operators), or release the refund: it
            ends REJECTED and its units may be asked for again.
          </p>
          {isOperator(caller) && (
            <form method="post" action={action("retry")} class="row">
              <CsrfField token={csrf} />
              <IdempotencyField />
              <label>
                Note on the retry (optional)
                <input name="note" maxlength={500} placeholder="银行卡已更换，重新退款" />
              </label>
              <button type="submit">Retry payout</button>
            </form>
          )}
          <form method="post" action={action("release")} class="row">
            <CsrfField token={csrf} />
            <IdempotencyField />
            <label>
              Note to the shopper on releasing (optional)
              <input name="note" maxlength={500} placeholder="退款账户已注销，请重新申请" />
            </label>
            <button type="submit" class="danger">
              Release refund
            </button>
          </form>
        </section>
      )}
      {AWAITING_GOODS.has(r.status) && (
        <section aria-labelledby="receive">
          <h2 id="receive">Receive the returned goods</h2>
          <form method="post" action={action("receive")} class="stack">
            <CsrfField token={csrf} />
            <IdempotencyField />
            <fieldset>
              <legend>Condition of the goods</legend>
              <label class="check">
                <input type="radio" name="condition" value="sellable" required checked /> Sellable: back to available
                stock
              </label>
              <label class="check">
                <input type="radio" name="condition" value="damaged" required /> Damaged: written off
              </label>
            </fieldset>
            <div>
              <button type="submit">Goods received</button>
            </div>
          </form>
        </section>
      )}
    </>,
    status,
  );
}

const noteOf = (form: Record<string, string>) => (form.note?.trim() ? { note: form.note.trim() } : {});

/** The body each decision sends, from its form. */
const DECISIONS = {
  approve: noteOf,
  reject: (form: Record<string, string>) => ({ reason: form.reason ?? "" }),
  receive: (form: Record<string, string>) => ({ condition: form.condition ?? "" }),
  retry: noteOf,
  release: noteOf,
} as const;
const NOTICE_OF = {
  approve: "approved",
  reject: "rejected",
  receive: "received",
  retry: "retried",
  release: "released",
} as const;

async function decide(page: PageContext, decision: keyof typeof DECISIONS) {
  const { orderId = "", refundId = "" } = page.c.req.param();
  const form = await formOf(page.c);
  const res = await page.api.send("POST", `/admin/v1/refunds/${encodeURIComponent(refundId)}/${decision}`, {
    body: DECISIONS[decision](form),
    idempotencyKey: form.idempotencyKey,
  });
  if (!res.ok) return detail(page, res.problem, res.status);
  return page.c.redirect(`${refundHref({ orderId, refundId })}?notice=${NOTICE_OF[decision]}`, 303);
}

export function refundPages(register: PageRegistrar): void {
  register.get("/console/refunds", list);
  register.get("/console/refunds/:orderId/:refundId", (page) => detail(page));
  for (const decision of Object.keys(DECISIONS) as (keyof typeof DECISIONS)[]) {
    register.post(`/console/refunds/:orderId/:refundId/${decision}`, (page) => decide(page, decision));
  }
}
