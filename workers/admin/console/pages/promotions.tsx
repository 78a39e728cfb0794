/** @jsxImportSource hono/jsx */
/**
 * Promotions: a shop's vouchers (operators: every voucher) with their status and uses, ending one
 * early, creating vouchers (fixed or percent with a cap, minimum spend, category or SKU scope,
 * window, counts, budget, per-shopper limit, one shared code or a batch of codes) and threshold
 * discounts (满减 tiers over a window) for a shop, platform vouchers for operators, and operators'
 * coin grants. The forms are read into the API's bodies here; the API checks the rest and its
 * refusals are shown as it words them.
 */
import type { ProblemDocument } from "../../../../shared/platform/problem";
import type { VoucherView } from "../../../../shared/promotions/voucher-admin";
import type { ListPage } from "../admin-api";
import type { PageContext, PageRegistrar } from "../console";
import {
  bodyOf,
  currencyOf,
  FieldError,
  type Form,
  formOf,
  integerOf,
  moneyOf,
  optionalMoneyOf,
  timeOf,
} from "../forms";
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

/** The voucher body a filled-in form stands for. */
export function voucherFromForm(form: Form, operator: boolean): Record<string, unknown> {
  const currency = currencyOf(form);
  const kind = form.kind === "percent" ? "percent" : "fixed";
  const scope = operator && form.scope === "platform" ? "platform" : "shop";
  const skuIds = (form.skuIds ?? "")
    .split(/[\s,，]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const categoryText = (form.categoryId ?? "").trim();
  const budget = optionalMoneyOf(form, "budget", currency);
  const maxDiscount = kind === "percent" ? optionalMoneyOf(form, "maxDiscount", currency) : undefined;
  return {
    name: form.name ?? "",
    scope,
    ...(scope === "shop" && operator && form.shopId?.trim() ? { shopId: form.shopId.trim() } : {}),
    kind,
    value: kind === "percent" ? integerOf(form, "percent") : moneyOf(form, "value", currency),
    ...(maxDiscount ? { maxDiscount } : {}),
    minSpend: optionalMoneyOf(form, "minSpend", currency) ?? { amount: 0, currency },
    ...(categoryText ? { categoryId: integerOf(form, "categoryId") } : {}),
    ...(skuIds.length > 0 ? { skuIds } : {}),
    startsAt: timeOf(form, "startsAt"),
    endsAt: timeOf(form, "endsAt"),
    totalCount: integerOf(form, "totalCount"),
    perUserLimit: integerOf(form, "perUserLimit"),
    ...(budget ? { budget } : {}),
    claimable: form.claimable === "on",
    codes:
      form.codeMode === "batch"
        ? { mode: "batch", count: integerOf(form, "codeCount") }
        : { mode: "single", code: form.code ?? "" },
  };
}

/**
 * The threshold discount a filled-in form stands for: tiers one a line, "spend | off" in major
 * units ("200.00 | 20.00": spend 200, get 20 off).
 */
export function thresholdFromForm(form: Form, operator: boolean): Record<string, unknown> {
  const currency = currencyOf(form);
  const lines = (form.tiers ?? "").split("\n").filter((l) => l.trim());
  if (lines.length === 0) throw new FieldError("tiers", "needs at least one line: spend | off");
  const tiers = lines.map((line, i) => {
    const [spend = "", off = ""] = line.split("|").map((p) => p.trim());
    return {
      spend: moneyOf({ [`tiers.${i}.spend`]: spend }, `tiers.${i}.spend`, currency),
      off: moneyOf({ [`tiers.${i}.off`]: off }, `tiers.${i}.off`, currency),
    };
  });
  return {
    name: form.name ?? "",
    ...(operator && form.shopId?.trim() ? { shopId: form.shopId.trim() } : {}),
    tiers,
    startsAt: timeOf(form, "startsAt"),
    endsAt: timeOf(form, "endsAt"),
  };
}

interface FormState {
  form?: Form;
  problem?: ProblemDocument;
  status?: number;
}

/** Operators name the shop a shop promotion is for; a seller's is its own. */
const ShopField = ({ form, hint }: { form: Form; hint: string }) => (
  <label>
    Shop id {hint}
    <input name="shopId" maxlength={64} value={form.shopId ?? ""} />
  </label>
);

/** The vouchers list: status, discount, uses of the total, claims, window, and ending one. */
async function VoucherList({ page }: { page: PageContext }) {
  const { api, c, caller, csrf } = page;
  const operator = isOperator(caller);
  const scope = operator ? (c.req.query("scope") ?? "") : "";
  const cursor = c.req.query("cursor");
  const list = await api.get<ListPage<VoucherView>>("/admin/v1/vouchers", { scope, cursor, limit: "20" });
  return (
    <ListSection
      filter={
        operator
          ? {
              action: "/console/vouchers",
              label: "Filter vouchers",
              fields: (
                <label>
                  For
                  <select name="scope">
                    <option value="">Platform and shops</option>
                    <option value="platform" selected={scope === "platform"}>
                      The platform
                    </option>
                    <option value="shop" selected={scope === "shop"}>
                      Shops
                    </option>
                  </select>
                </label>
              ),
            }
          : undefined
      }
      list={list}
      empty="No vouchers yet."
      caption="Vouchers, newest first; uses are held by unpaid orders or consumed by paid ones"
      head={
        <>
          <th scope="col">Name</th>
          <th scope="col">Code</th>
          {operator && <th scope="col">For</th>}
          <th scope="col">Status</th>
          <th scope="col" class="num">
            Off
          </th>
          <th scope="col" class="num">
            Minimum spend
          </th>
          <th scope="col" class="num">
            Uses
          </th>
          <th scope="col" class="num">
            Claimed
          </th>
          <th scope="col">Starts</th>
          <th scope="col">Ends</th>
          <th scope="col">End now</th>
        </>
      }
      row={(v) => (
        <tr data-testid={`voucher-${v.voucherId}`}>
          <td>{v.name}</td>
          <td>{v.code ? <code>{v.code}</code> : <span class="muted">batch</span>}</td>
          {operator && <td>{v.scope === "platform" ? "platform" : v.shopId}</td>}
          <td data-testid="voucher-status">
            <Badge>{v.status}</Badge>
          </td>
          <td class="num">{typeof v.value === "number" ? `${v.value}%` : <Money value={v.value} />}</td>
          <td class="num">
            <Money value={v.minSpend} />
          </td>
          <td class="num" data-testid="voucher-uses">
            {v.uses} / {v.totalCount}
          </td>
          <td class="num">{v.claimed}</td>
          <td>
            <Time value={v.startsAt} />
          </td>
          <td>
            <Time value={v.endsAt} />
          </td>
          <td>
            {v.status !== "ENDED" && (
              <form method="post" action={`/console/vouchers/${v.voucherId}/end`} class="inline">
                <CsrfField token={csrf} />
                <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
                <button type="submit" class="danger" aria-label={`End voucher ${v.name} (${v.voucherId})`}>
                  End
                </button>
              </form>
            )}
          </td>
        </tr>
      )}
      next={{ path: "/console/vouchers", query: { scope } }}
    />
  );
}

function vouchers(page: PageContext, state: FormState & { created?: { voucherId: string; codes: string[] } } = {}) {
  const { c, caller, csrf, render } = page;
  const operator = isOperator(caller);
  const form = state.form ?? {};
  const checked = (field: string, value: string, fallback: boolean) =>
    form[field] === undefined ? fallback : form[field] === value;
  const ended = c.req.query("notice") === "ended" ? `Voucher ${c.req.query("voucher") ?? ""} ended.` : undefined;
  return render(
    "Vouchers",
    <>
      <Notice text={ended} />
      <ProblemBox problem={state.problem} />
      {state.created && (
        <section class="notice" role="status" aria-labelledby="created">
          <h2 id="created">Voucher created</h2>
          <p>
            Voucher <code>{state.created.voucherId}</code>
            {state.created.codes.length === 1 ? (
              <>
                {" "}
                with the code <code data-testid="voucher-code">{state.created.codes[0]}</code>.
              </>
            ) : (
              <> with {state.created.codes.length} single-use codes. Copy them now: they are shown only this once.</>
            )}
          </p>
          {state.created.codes.length > 1 && (
            <label>
              Codes
              <textarea readonly rows={8} data-testid="voucher-codes">
                {state.created.codes.join("\n")}
              </textarea>
            </label>
          )}
        </section>
      )}
      <VoucherList page={page} />
      <h2>Create a voucher</h2>
      <form method="post" action="/console/vouchers" class="stack">
        <CsrfField token={csrf} />
        <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
        <label>
          Name
          <input name="name" required maxlength={100} value={form.name ?? ""} placeholder="满 100 减 10 店铺券" />
        </label>
        {operator && (
          <fieldset>
            <legend>For</legend>
            <label class="check">
              <input type="radio" name="scope" value="platform" checked={checked("scope", "platform", true)} /> The
              whole platform
            </label>
            <label class="check">
              <input type="radio" name="scope" value="shop" checked={checked("scope", "shop", false)} /> One shop
            </label>
            <ShopField form={form} hint="(for one shop)" />
          </fieldset>
        )}
        <CurrencySelect value={form.currency} />
        <fieldset>
          <legend>Discount</legend>
          <label class="check">
            <input type="radio" name="kind" value="fixed" checked={checked("kind", "fixed", true)} /> A fixed amount off
          </label>
          <label>
            Amount off (fixed)
            <input name="value" inputmode="decimal" value={form.value ?? ""} placeholder="10.00" />
          </label>
          <label class="check">
            <input type="radio" name="kind" value="percent" checked={checked("kind", "percent", false)} /> A percent off
          </label>
          <label>
            Percent off (1–99)
            <input name="percent" inputmode="numeric" value={form.percent ?? ""} placeholder="15" />
          </label>
          <label>
            At most this off (percent; empty: no cap)
            <input name="maxDiscount" inputmode="decimal" value={form.maxDiscount ?? ""} />
          </label>
        </fieldset>
        <label>
          Minimum spend of the eligible goods (empty: none)
          <input name="minSpend" inputmode="decimal" value={form.minSpend ?? ""} placeholder="100.00" />
        </label>
        <fieldset>
          <legend>Eligible goods (both empty: everything)</legend>
          <label>
            Category id (its whole subtree)
            <input name="categoryId" inputmode="numeric" value={form.categoryId ?? ""} />
          </label>
          <label>
            SKU ids (separated by spaces, commas or lines)
            <textarea name="skuIds" rows={2}>
              {form.skuIds ?? ""}
            </textarea>
          </label>
        </fieldset>
        <WindowFields form={form} />
        <label>
          Total uses
          <input name="totalCount" inputmode="numeric" required value={form.totalCount ?? "1000"} />
        </label>
        <label>
          Uses per shopper
          <input name="perUserLimit" inputmode="numeric" required value={form.perUserLimit ?? "1"} />
        </label>
        <label>
          Budget: the most all uses take off together (empty: no budget)
          <input name="budget" inputmode="decimal" value={form.budget ?? ""} />
        </label>
        <label class="check">
          <input type="checkbox" name="claimable" checked={form.claimable === undefined || form.claimable === "on"} />{" "}
          Shoppers can find and claim it (otherwise by code only)
        </label>
        <fieldset>
          <legend>Codes</legend>
          <label class="check">
            <input type="radio" name="codeMode" value="single" checked={checked("codeMode", "single", true)} /> One
            shared code
          </label>
          <label>
            Code (4–32 letters, digits, _ or -)
            <input name="code" maxlength={32} value={form.code ?? ""} placeholder="SHOP10" />
          </label>
          <label class="check">
            <input type="radio" name="codeMode" value="batch" checked={checked("codeMode", "batch", false)} /> A batch
            of single-use codes
          </label>
          <label>
            How many codes
            <input name="codeCount" inputmode="numeric" value={form.codeCount ?? ""} />
          </label>
        </fieldset>
        <div>
          <button type="submit">Create voucher</button>
        </div>
      </form>
    </>,
    state.status ?? 200,
  );
}

async function createVoucher(page: PageContext) {
  const form = await formOf(page.c);
  const read = bodyOf(page.c, () => voucherFromForm(form, isOperator(page.caller)));
  if (!read.ok) return vouchers(page, { form, problem: read.problem, status: 400 });
  const res = await page.api.send<{ voucherId: string; codes: string[] }>("POST", "/admin/v1/vouchers", {
    body: read.body,
    idempotencyKey: form.idempotencyKey,
  });
  if (!res.ok) return vouchers(page, { form, problem: res.problem, status: res.status });
  return vouchers(page, { created: res.body, status: 201 });
}

function thresholds(page: PageContext, state: FormState & { createdId?: string } = {}) {
  const { caller, csrf, render } = page;
  const form = state.form ?? {};
  return render(
    "Threshold discounts",
    <>
      <ProblemBox problem={state.problem} />
      <Notice text={state.createdId ? `Threshold discount ${state.createdId} created.` : undefined} />
      <p>
        Spend at least a tier's amount in the shop, get its amount off; the best tier reached applies, before vouchers
        and coins.
      </p>
      <form method="post" action="/console/threshold-discounts" class="stack">
        <CsrfField token={csrf} />
        <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
        <label>
          Name
          <input
            name="name"
            required
            maxlength={100}
            value={form.name ?? ""}
            placeholder="满 200 减 20，满 300 减 40"
          />
        </label>
        {isOperator(caller) && <ShopField form={form} hint="" />}
        <CurrencySelect value={form.currency} />
        <label>
          Tiers (one a line: spend | off)
          <textarea name="tiers" rows={4} required placeholder={"200.00 | 20.00\n300.00 | 40.00"}>
            {form.tiers ?? ""}
          </textarea>
        </label>
        <WindowFields form={form} />
        <div>
          <button type="submit">Create threshold discount</button>
        </div>
      </form>
    </>,
    state.status ?? 200,
  );
}

async function endVoucher(page: PageContext) {
  const id = page.c.req.param("voucherId") ?? "";
  const form = await formOf(page.c);
  const res = await page.api.send("POST", `/admin/v1/vouchers/${encodeURIComponent(id)}/end`, {
    idempotencyKey: form.idempotencyKey,
  });
  if (!res.ok) return vouchers(page, { problem: res.problem, status: res.status });
  return page.c.redirect(`/console/vouchers?notice=ended&voucher=${encodeURIComponent(id)}`, 303);
}

async function createThreshold(page: PageContext) {
  const form = await formOf(page.c);
  const read = bodyOf(page.c, () => thresholdFromForm(form, isOperator(page.caller)));
  if (!read.ok) return thresholds(page, { form, problem: read.problem, status: 400 });
  const res = await page.api.send<{ thresholdDiscountId: string }>("POST", "/admin/v1/threshold-discounts", {
    body: read.body,
    idempotencyKey: form.idempotencyKey,
  });
  if (!res.ok) return thresholds(page, { form, problem: res.problem, status: res.status });
  return thresholds(page, { createdId: res.body.thresholdDiscountId, status: 201 });
}

function coins(
  page: PageContext,
  state: FormState & { granted?: { userId: string; amount: number; balance: number } } = {},
) {
  const { csrf, render } = page;
  const form = state.form ?? {};
  const granted = state.granted
    ? `${state.granted.amount > 0 ? "Granted" : "Took"} ${Math.abs(state.granted.amount)} coins; ${state.granted.userId} now has ${state.granted.balance}.`
    : undefined;
  return render(
    "Coins",
    <>
      <ProblemBox problem={state.problem} />
      <Notice text={granted} />
      <p>Grant a shopper coins (or take some back with a negative amount); each grant is a ledger transaction.</p>
      <form method="post" action="/console/coins" class="stack">
        <CsrfField token={csrf} />
        <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
        <label>
          User id
          <input name="userId" required maxlength={64} value={form.userId ?? ""} />
        </label>
        <label>
          Coins (negative to take)
          <input name="amount" inputmode="numeric" required value={form.amount ?? ""} />
        </label>
        <label>
          Reason
          <input name="reason" required maxlength={200} value={form.reason ?? ""} />
        </label>
        <div>
          <button type="submit">Post coins</button>
        </div>
      </form>
    </>,
    state.status ?? 200,
  );
}

async function grant(page: PageContext) {
  const form = await formOf(page.c);
  const read = bodyOf(page.c, () => ({ amount: integerOf(form, "amount"), reason: form.reason ?? "" }));
  if (!read.ok) return coins(page, { form, problem: read.problem, status: 400 });
  const userId = (form.userId ?? "").trim();
  const res = await page.api.send<{ userId: string; amount: number; balance: number }>(
    "POST",
    `/admin/v1/users/${encodeURIComponent(userId)}/coins`,
    { body: read.body, idempotencyKey: form.idempotencyKey },
  );
  if (!res.ok) return coins(page, { form, problem: res.problem, status: res.status });
  return coins(page, { granted: res.body, status: 201 });
}

export function promotionPages(register: PageRegistrar): void {
  register.get("/console/vouchers", (page) => vouchers(page));
  register.post("/console/vouchers", createVoucher);
  register.post("/console/vouchers/:voucherId/end", endVoucher);
  register.get("/console/threshold-discounts", (page) => thresholds(page));
  register.post("/console/threshold-discounts", createThreshold);
  register.get("/console/coins", (page) => coins(page));
  register.post("/console/coins", grant);
}
