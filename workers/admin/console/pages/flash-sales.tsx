/** @jsxImportSource hono/jsx */
/**
 * Flash sales (秒杀): a seller's shop's campaigns (operators: every shop's) with their live counts —
 * admitted, sold, remaining, and once settled what went back to stock — scheduling one from a form
 * (SKU, flash price, quota, window in the viewer's zone, per-shopper limit, buckets), and ending one
 * early. Only the admin API's flash-sale routes: the campaign's internals are theirs.
 */
import type { CampaignView } from "../../../../shared/flash-sales/campaigns";
import type { ProblemDocument } from "../../../../shared/platform/problem";
import type { ListPage } from "../admin-api";
import type { PageContext, PageRegistrar } from "../console";
import { bodyOf, currencyOf, type Form, formOf, integerOf, moneyOf, timeOf } from "../forms";
import {
  Badge,
  CsrfField,
  CurrencySelect,
  isOperator,
  ListSection,
  Money,
  Notice,
  ProblemBox,
  Time,
  WindowFields,
} from "../ui";

/** The campaign body a filled-in form stands for (buckets left to the API when empty). */
export function campaignFromForm(form: Form): Record<string, unknown> {
  const currency = currencyOf(form);
  return {
    skuId: (form.skuId ?? "").trim(),
    price: moneyOf(form, "price", currency),
    quota: integerOf(form, "quota"),
    startsAt: timeOf(form, "startsAt"),
    endsAt: timeOf(form, "endsAt"),
    perUserLimit: integerOf(form, "perUserLimit"),
    ...((form.buckets ?? "").trim() ? { buckets: integerOf(form, "buckets") } : {}),
  };
}

function noticeOf(query: (k: string) => string | undefined): string | undefined {
  const id = query("campaign");
  if (query("notice") === "scheduled") return `Flash sale ${id} scheduled.`;
  if (query("notice") === "ended") return `Flash sale ${id} ended; its unsold units are back in stock.`;
  return undefined;
}

interface State {
  form?: Form;
  problem?: ProblemDocument;
  status?: number;
}

async function list(page: PageContext, state: State = {}) {
  const { api, c, caller, csrf, render } = page;
  const cursor = c.req.query("cursor");
  const campaigns = await api.get<ListPage<CampaignView>>("/admin/v1/flash-sales", { cursor, limit: "20" });
  const operator = isOperator(caller);
  const form = state.form ?? {};
  return render(
    "Flash sales",
    <>
      <Notice text={noticeOf((k) => c.req.query(k))} />
      <ProblemBox problem={state.problem} />
      {/* A campaign's ids and its window share a cell each, so the table fits 1280 px; on a phone each row is a card. */}
      <div class="cards-on-phone">
        <ListSection
          list={campaigns}
          empty="No flash sales yet."
          caption="Flash sales, newest first; remaining is what can still be admitted"
          head={
            <>
              <th scope="col">Campaign</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Price
              </th>
              <th scope="col" class="num">
                Quota
              </th>
              <th scope="col" class="num">
                Admitted
              </th>
              <th scope="col" class="num">
                Sold
              </th>
              <th scope="col" class="num">
                Remaining
              </th>
              <th scope="col" class="num">
                Back to stock
              </th>
              <th scope="col">Window</th>
              <th scope="col">End early</th>
            </>
          }
          row={(f) => (
            <tr data-testid={`flash-sale-${f.campaignId}`}>
              <th scope="row" data-label="Campaign">
                <div>
                  <code>{f.campaignId}</code>
                  <div class="muted">
                    SKU <code data-testid="flash-sku">{f.skuId}</code>
                  </div>
                  {operator && (
                    <div class="muted">
                      Shop <code>{f.shopId}</code>
                    </div>
                  )}
                </div>
              </th>
              <td data-testid="flash-status" data-label="Status">
                <Badge>{f.status}</Badge>
              </td>
              <td class="num" data-label="Price">
                <Money value={f.price} />
              </td>
              <td class="num" data-label="Quota">
                {f.quota}
              </td>
              <td class="num" data-testid="flash-admitted" data-label="Admitted">
                {f.admitted}
              </td>
              <td class="num" data-testid="flash-sold" data-label="Sold">
                {f.sold}
              </td>
              <td class="num" data-testid="flash-remaining" data-label="Remaining">
                {f.remaining}
              </td>
              <td class="num" data-testid="flash-unsold" data-label="Back to stock">
                {f.unsold ?? "—"}
              </td>
              <td data-label="Window">
                <div>
                  <Time value={f.startsAt} />
                  <div>
                    to <Time value={f.endsAt} />
                  </div>
                </div>
              </td>
              <td data-label="End early">
                {f.status !== "ENDED" && (
                  <form method="post" action={`/console/flash-sales/${f.campaignId}/end`} class="inline">
                    <CsrfField token={csrf} />
                    <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
                    <button type="submit" class="danger" aria-label={`End flash sale ${f.campaignId}`}>
                      End now
                    </button>
                  </form>
                )}
              </td>
            </tr>
          )}
          next={{ path: "/console/flash-sales", query: {} }}
        />
      </div>
      <h2>Schedule a flash sale</h2>
      <p>
        The quota is taken out of the SKU's available stock at once and what is not sold goes back when the sale ends.
        Shoppers admitted in the window have five minutes to order at the flash price.
      </p>
      <form method="post" action="/console/flash-sales" class="stack">
        <CsrfField token={csrf} />
        <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
        <label>
          SKU id
          <input name="skuId" required maxlength={64} value={form.skuId ?? ""} />
        </label>
        <CurrencySelect value={form.currency} />
        <label>
          Flash price
          <input name="price" inputmode="decimal" required value={form.price ?? ""} placeholder="9.90" />
        </label>
        <label>
          Quota (units)
          <input name="quota" inputmode="numeric" required value={form.quota ?? ""} placeholder="100" />
        </label>
        <WindowFields form={form} />
        <label>
          Units per shopper
          <input name="perUserLimit" inputmode="numeric" required value={form.perUserLimit ?? "1"} />
        </label>
        <label>
          Buckets (empty: one per 100 units, at most 8)
          <input name="buckets" inputmode="numeric" value={form.buckets ?? ""} />
        </label>
        <div>
          <button type="submit">Schedule flash sale</button>
        </div>
      </form>
    </>,
    state.status ?? campaigns.status,
  );
}

async function schedule(page: PageContext) {
  const form = await formOf(page.c);
  const read = bodyOf(page.c, () => campaignFromForm(form));
  if (!read.ok) return list(page, { form, problem: read.problem, status: 400 });
  const res = await page.api.send<{ campaignId: string }>("POST", "/admin/v1/flash-sales", {
    body: read.body,
    idempotencyKey: form.idempotencyKey,
  });
  if (!res.ok) return list(page, { form, problem: res.problem, status: res.status });
  return page.c.redirect(`/console/flash-sales?notice=scheduled&campaign=${res.body.campaignId}`, 303);
}

async function end(page: PageContext) {
  const id = page.c.req.param("campaignId") ?? "";
  const form = await formOf(page.c);
  const res = await page.api.send("POST", `/admin/v1/flash-sales/${encodeURIComponent(id)}/end`, {
    idempotencyKey: form.idempotencyKey,
  });
  if (!res.ok) return list(page, { problem: res.problem, status: res.status });
  return page.c.redirect(`/console/flash-sales?notice=ended&campaign=${encodeURIComponent(id)}`, 303);
}

export function flashSalePages(register: PageRegistrar): void {
  register.get("/console/flash-sales", (page) => list(page));
  register.post("/console/flash-sales", schedule);
  register.post("/console/flash-sales/:campaignId/end", end);
}
