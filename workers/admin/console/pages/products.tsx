/** @jsxImportSource hono/jsx */
/**
 * Products: the list (status filter and search), creating one (the seed's JSON pasted, or a form
 * built from the category's attribute template), and a product's page: facts, lifecycle buttons
 * from the transition table, content edits, and per SKU its price rows and stock per warehouse,
 * then snapshots and the operation log.
 */
import type { z } from "zod";
import type { operationLogSchema, snapshotSchema } from "../../../../shared/catalog/history";
import {
  LIFECYCLE_ACTIONS,
  type LifecycleAction,
  PRODUCT_STATUS,
  type ProductStatusName,
  TRANSITIONS,
} from "../../../../shared/catalog/lifecycle";
import type { productSummarySchema } from "../../../../shared/catalog/list-products";
import type { adminProductSchema } from "../../../../shared/catalog/product-views";
import type { stockViewResponse } from "../../../../shared/inventory/stock-intake";
import type { warehouseSchema } from "../../../../shared/inventory/warehouses";
import { CURRENCIES } from "../../../../shared/platform/money";
import type { ProblemDocument } from "../../../../shared/platform/problem";
import type { ApiAnswer, ListPage } from "../admin-api";
import type { PageContext, PageRegistrar } from "../console";
import { majorUnits } from "../format";
import { type Form, formOf, formProblem, isCurrency, minorUnitsOf, stripJsonComments, utcFromLocal } from "../forms";
import { Badge, CsrfField, ListSection, Money, Notice, ProblemBox, Table, Time } from "../ui";

type Summary = z.output<typeof productSummarySchema>;
type Product = z.output<typeof adminProductSchema>;
type Snapshot = z.output<typeof snapshotSchema>;
type OperationLog = z.output<typeof operationLogSchema>;
type StockView = z.output<typeof stockViewResponse>;
type Warehouse = z.output<typeof warehouseSchema>;
type CategoryNode = { id: number; name: string; children?: CategoryNode[] };
type TemplateAttribute = {
  attributeId: number;
  attributeName: string;
  kind: "basic" | "sales";
  required: boolean;
  allowedValues: string[] | null;
};

const STATUSES = Object.keys(PRODUCT_STATUS) as ProductStatusName[];
/** Lifecycle actions people take (sell-out and restock are the platform's). */
const ACTIONS = LIFECYCLE_ACTIONS.filter((a) => a !== "sell-out" && a !== "restock") as LifecycleAction[];
const ACTION_LABELS: Record<string, string> = {
  submit: "Submit for audit",
  approve: "Approve",
  reject: "Reject",
  "on-shelf": "Put on shelf",
  "off-shelf": "Take off shelf",
  freeze: "Freeze",
  unfreeze: "Unfreeze",
  delete: "Delete",
};
/** How many SKU rows the product form offers (the JSON form takes any number). */
const FORM_SKU_ROWS = 3;

/** What a page says after a change it redirected from (keys only, so no text comes from the URL). */
const NOTICES: Record<string, string> = {
  created: "Product created as DRAFT.",
  edited: "Changes saved.",
  revision: "Changes saved as a pending revision; they go live once an operator approves them.",
  prices: "Prices replaced.",
  stock: "Stock updated.",
  ...Object.fromEntries(ACTIONS.map((a) => [a, `Done: ${ACTION_LABELS[a]?.toLowerCase()}.`])),
};

/** The actions `role` may take from `status`, straight from the transition table. */
export function actionsFor(status: string, roles: readonly string[]): LifecycleAction[] {
  const code = PRODUCT_STATUS[status as ProductStatusName];
  return ACTIONS.filter((a) => {
    const rule = TRANSITIONS[a];
    return rule.from.includes(code as never) && rule.by.some((r) => roles.includes(r));
  });
}

export const StatusBadge = ({ status }: { status: string }) => <Badge>{status.replaceAll("_", " ")}</Badge>;

async function list({ api, c, caller, render }: PageContext) {
  const status = c.req.query("status") ?? "";
  const q = c.req.query("q") ?? "";
  const cursor = c.req.query("cursor");
  const page = await api.get<ListPage<Summary>>("/admin/v1/products", { status, q, cursor, limit: "20" });
  const operator = caller.roles.includes("operator");
  return render(
    "Products",
    <>
      <ListSection
        filter={{
          action: "/console/products",
          label: "Filter products",
          fields: (
            <>
              <label>
                Status
                <select name="status">
                  <option value="">Any status</option>
                  {STATUSES.map((s) => (
                    <option value={s} selected={s === status}>
                      {s.replaceAll("_", " ")}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Search
                <input type="search" name="q" value={q} placeholder="Name or seller SKU code" />
              </label>
            </>
          ),
          after: !operator && (
            <a href="/console/products/new" class="button">
              New product
            </a>
          ),
        }}
        list={page}
        empty="No products match."
        caption="Products, newest first"
        head={
          <>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            {operator && <th scope="col">Shop</th>}
            <th scope="col">Updated</th>
          </>
        }
        row={(p) => (
          <tr>
            <td>
              <a href={`/console/products/${p.productId}`}>{p.name}</a>
            </td>
            <td>
              <StatusBadge status={p.status} />
            </td>
            {operator && <td>{p.shopId}</td>}
            <td>
              <Time value={p.updatedAt} />
            </td>
          </tr>
        )}
        next={{ path: "/console/products", query: { status, q } }}
      />
    </>,
    page.status,
  );
}

function flatten(nodes: CategoryNode[], trail: string[] = []): { id: number; label: string }[] {
  return nodes.flatMap((n) =>
    n.children && n.children.length > 0
      ? flatten(n.children, [...trail, n.name])
      : [{ id: n.id, label: [...trail, n.name].join(" › ") }],
  );
}

/** The new-product page: paste the seed's JSON, or fill a form made from a category's template. */
async function newProduct(
  { api, c, csrf, render }: PageContext,
  state: { json?: string; form?: Form; problem?: ProblemDocument; status?: number } = {},
) {
  const categoryId = state.form?.categoryId ?? c.req.query("categoryId") ?? "";
  const categories = await api.get<CategoryNode[]>("/admin/v1/categories");
  const leaves = categories.ok ? flatten(categories.body) : [];
  const template = categoryId
    ? await api.get<{ attributes: TemplateAttribute[] }>(
        `/admin/v1/categories/${encodeURIComponent(categoryId)}/attributes`,
      )
    : null;
  const attributes = template?.ok ? template.body.attributes : [];
  const form = state.form ?? {};
  const idempotencyKey = crypto.randomUUID();
  return render(
    "New product",
    <>
      <ProblemBox problem={state.problem} />
      <section aria-labelledby="paste">
        <h2 id="paste">Paste the product JSON</h2>
        <p>The seed design's shape (`categoryId`, `spu`, `basicAttributes`, `skus`), comments and all.</p>
        <form method="post" action="/console/products/new" class="stack">
          <CsrfField token={csrf} />
          <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
          <label>
            Product JSON
            <textarea name="json" rows={16} required spellcheck={false}>
              {state.json ?? ""}
            </textarea>
          </label>
          <div>
            <button type="submit">Create from JSON</button>
          </div>
        </form>
      </section>
      <section aria-labelledby="fill">
        <h2 id="fill">Or fill in a form</h2>
        <form method="get" action="/console/products/new" class="row">
          <label>
            Category
            <select name="categoryId" required>
              <option value="">Choose a category</option>
              {leaves.map((l) => (
                <option value={String(l.id)} selected={String(l.id) === categoryId}>
                  {l.label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="secondary">
            Use this category
          </button>
        </form>
        {template && !template.ok && <ProblemBox problem={template.problem} />}
        {categoryId && template?.ok && (
          <form method="post" action="/console/products/new" class="stack">
            <CsrfField token={csrf} />
            <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
            <input type="hidden" name="categoryId" value={categoryId} />
            <label>
              Name
              <input name="name" required maxlength={200} value={form.name ?? ""} />
            </label>
            <label>
              Brand id
              <input name="brandId" inputmode="numeric" value={form.brandId ?? ""} />
            </label>
            <label>
              Description
              <textarea name="description" rows={3}>
                {form.description ?? ""}
              </textarea>
            </label>
            <label>
              Currency
              <select name="currency">
                {CURRENCIES.map((cur) => (
                  <option value={cur} selected={cur === (form.currency ?? "CNY")}>
                    {cur}
                  </option>
                ))}
              </select>
            </label>
            <fieldset>
              <legend>Attributes</legend>
              {attributes
                .filter((a) => a.kind === "basic")
                .map((a) => (
                  <AttributeField
                    attribute={a}
                    name={`basic.${a.attributeId}`}
                    value={form[`basic.${a.attributeId}`]}
                  />
                ))}
            </fieldset>
            {Array.from({ length: FORM_SKU_ROWS }, (_, i) => (
              <fieldset>
                <legend>
                  SKU {i + 1}
                  {i > 0 ? " (optional)" : ""}
                </legend>
                <label>
                  SKU name
                  <input name={`sku.${i}.name`} required={i === 0} value={form[`sku.${i}.name`] ?? ""} />
                </label>
                <label>
                  Price
                  <input
                    name={`sku.${i}.price`}
                    inputmode="decimal"
                    required={i === 0}
                    value={form[`sku.${i}.price`] ?? ""}
                  />
                </label>
                <label>
                  Opening stock
                  <input name={`sku.${i}.stock`} inputmode="numeric" value={form[`sku.${i}.stock`] ?? "0"} />
                </label>
                {attributes
                  .filter((a) => a.kind === "sales")
                  .map((a) => (
                    <AttributeField
                      attribute={a}
                      name={`sku.${i}.attr.${a.attributeId}`}
                      value={form[`sku.${i}.attr.${a.attributeId}`]}
                      optional={i > 0}
                    />
                  ))}
              </fieldset>
            ))}
            <div>
              <button type="submit">Create product</button>
            </div>
          </form>
        )}
      </section>
    </>,
    state.status ?? 200,
  );
}

function AttributeField(props: {
  attribute: TemplateAttribute;
  name: string;
  value: string | undefined;
  optional?: boolean;
}) {
  const { attribute: a } = props;
  const required = a.required && !props.optional;
  const id = `f-${props.name.replaceAll(".", "-")}`;
  return (
    <div class="field">
      <label for={id}>{`${a.attributeName}${a.required ? "" : " (optional)"}`}</label>
      {a.allowedValues ? (
        <select id={id} name={props.name} required={required}>
          <option value="">—</option>
          {a.allowedValues.map((v) => (
            <option value={v} selected={v === props.value}>
              {v}
            </option>
          ))}
        </select>
      ) : (
        <input id={id} name={props.name} required={required} value={props.value ?? ""} />
      )}
    </div>
  );
}

/** The seed-shaped product JSON a filled-in form stands for (prices as decimals, like the seed). */
export function productFromForm(form: Form, attributes: TemplateAttribute[]): Record<string, unknown> {
  const basic = attributes.filter((a) => a.kind === "basic");
  const sales = attributes.filter((a) => a.kind === "sales");
  const skus = Array.from({ length: FORM_SKU_ROWS }, (_, i) => i)
    .filter((i) => (form[`sku.${i}.name`] ?? "").trim() !== "")
    .map((i) => ({
      skuName: form[`sku.${i}.name`]?.trim(),
      price: form[`sku.${i}.price`]?.trim(),
      stock: Number(form[`sku.${i}.stock`] || "0"),
      salesAttributes: sales
        .filter((a) => (form[`sku.${i}.attr.${a.attributeId}`] ?? "") !== "")
        .map((a) => ({
          attributeId: a.attributeId,
          attributeName: a.attributeName,
          value: form[`sku.${i}.attr.${a.attributeId}`],
        })),
    }));
  const brand = (form.brandId ?? "").trim();
  return {
    categoryId: Number(form.categoryId),
    spu: {
      name: form.name?.trim(),
      ...(brand ? { brandId: Number(brand) } : {}),
      description: form.description?.trim() ?? "",
    },
    basicAttributes: basic
      .filter((a) => (form[`basic.${a.attributeId}`] ?? "").trim() !== "")
      .map((a) => ({
        attributeId: a.attributeId,
        attributeName: a.attributeName,
        value: form[`basic.${a.attributeId}`]?.trim(),
      })),
    skus,
    ...(form.currency && form.currency !== "CNY" ? { currency: form.currency } : {}),
  };
}

async function createProduct(page: PageContext) {
  const { api, c } = page;
  const form = await formOf(c);
  let raw: string;
  if (form.json !== undefined) {
    raw = stripJsonComments(form.json);
    try {
      JSON.parse(raw);
    } catch {
      return newProduct(page, { json: form.json, problem: formProblem(c, "json", "is not valid JSON"), status: 400 });
    }
  } else {
    const template = await api.get<{ attributes: TemplateAttribute[] }>(
      `/admin/v1/categories/${encodeURIComponent(form.categoryId ?? "")}/attributes`,
    );
    if (!template.ok) return newProduct(page, { form, problem: template.problem, status: template.status });
    raw = JSON.stringify(productFromForm(form, template.body.attributes));
  }
  const created = await api.send<{ productId: string }>("POST", "/admin/v1/products", {
    raw: { text: raw, contentType: "application/json" },
    idempotencyKey: form.idempotencyKey,
  });
  if (!created.ok) {
    const state = form.json !== undefined ? { json: form.json } : { form };
    return newProduct(page, { ...state, problem: created.problem, status: created.status });
  }
  return c.redirect(`/console/products/${created.body.productId}?notice=created`, 303);
}

async function detail(page: PageContext, id: string, problem?: ProblemDocument, status = 200) {
  const { api, c, caller, csrf, render } = page;
  const product = await api.get<Product>(`/admin/v1/products/${encodeURIComponent(id)}`);
  if (!product.ok) return render("Product", <ProblemBox problem={product.problem} />, product.status);
  const p = product.body;
  const shopQuery = caller.roles.includes("operator") ? { shopId: p.shopId } : {};
  const [stocks, warehouses, snapshots, logs] = await Promise.all([
    Promise.all(p.skus.map((s) => api.get<StockView>(`/admin/v1/skus/${s.skuId}/stock`))),
    api.get<{ items: Warehouse[] }>("/admin/v1/warehouses", shopQuery),
    api.get<ListPage<Snapshot>>(`/admin/v1/products/${encodeURIComponent(id)}/snapshots`, { limit: "10" }),
    api.get<ListPage<OperationLog>>("/admin/v1/operation-logs", { entityType: "product", entityId: id, limit: "20" }),
  ]);
  const actions = actionsFor(p.status, caller.roles);
  const warehouseList = warehouses.ok ? warehouses.body.items : [];
  return render(
    p.name,
    <>
      <Notice text={NOTICES[c.req.query("notice") ?? ""]} />
      <ProblemBox problem={problem} />
      <dl class="facts">
        <dt>Status</dt>
        <dd data-testid="product-status">
          <StatusBadge status={p.status} />
          {p.statusReason ? <span class="muted"> — {p.statusReason}</span> : null}
        </dd>
        <dt>Product id</dt>
        <dd>
          <code>{p.productId}</code>
        </dd>
        <dt>Shop</dt>
        <dd>{p.shopId}</dd>
        <dt>Category · brand</dt>
        <dd>
          {p.categoryId} · {p.brandId ?? "—"}
        </dd>
        <dt>Version</dt>
        <dd>{p.version}</dd>
        <dt>Updated</dt>
        <dd>
          <Time value={p.updatedAt} />
        </dd>
        {p.pendingRevision && (
          <>
            <dt>Pending revision</dt>
            <dd>
              {p.pendingRevision.revisionId} ({p.pendingRevision.status}), waiting for an operator
            </dd>
          </>
        )}
      </dl>

      {actions.length > 0 && (
        <section aria-labelledby="lifecycle">
          <h2 id="lifecycle">Lifecycle</h2>
          {actions.map((action) => (
            <form method="post" action={`/console/products/${p.productId}/lifecycle/${action}`} class="row">
              <CsrfField token={csrf} />
              {TRANSITIONS[action].needsReason && (
                <label>
                  Reason for {ACTION_LABELS[action]?.toLowerCase()}
                  <input name="reason" required maxlength={500} />
                </label>
              )}
              <button
                type="submit"
                class={action === "delete" || action === "freeze" || action === "reject" ? "danger" : ""}
              >
                {ACTION_LABELS[action]}
              </button>
            </form>
          ))}
        </section>
      )}

      <section aria-labelledby="content">
        <h2 id="content">Content</h2>
        <form method="post" action={`/console/products/${p.productId}/edit`} class="stack">
          <CsrfField token={csrf} />
          <input type="hidden" name="version" value={String(p.version)} />
          <label>
            Name
            <input name="name" required maxlength={200} value={p.name} />
          </label>
          <label>
            Description
            <textarea name="description" rows={3}>
              {p.description ?? ""}
            </textarea>
          </label>
          <div>
            <button type="submit">Save content</button>
          </div>
        </form>
        <h3>Attributes</h3>
        <ul>
          {p.basicAttributes.map((a) => (
            <li>
              {a.attributeName}: {a.value}
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="skus">
        <h2 id="skus">SKUs, prices and stock</h2>
        {p.skus.map((sku, i) => {
          const stock = stocks[i];
          const currency = sku.price?.currency ?? sku.prices[0]?.price.currency ?? "CNY";
          const standard = sku.prices.find((r) => r.type === "standard");
          return (
            <article class="card" aria-labelledby={`sku-${sku.skuId}`}>
              <h3 id={`sku-${sku.skuId}`}>
                {sku.skuName} <span class="muted">{sku.sellerSkuCode ?? ""}</span>
              </h3>
              <p>
                Price now: <Money value={sku.price} /> ·{" "}
                {sku.salesAttributes.map((a) => `${a.attributeName} ${a.value}`).join(", ")}
              </p>
              <Table caption={`Price rows of ${sku.skuName}`}>
                <thead>
                  <tr>
                    <th scope="col">Type</th>
                    <th scope="col" class="num">
                      Price
                    </th>
                    <th scope="col">From</th>
                    <th scope="col">Until</th>
                  </tr>
                </thead>
                <tbody>
                  {sku.prices.map((r) => (
                    <tr>
                      <td>{r.type}</td>
                      <td class="num">
                        <Money value={r.price} />
                      </td>
                      <td>
                        <Time value={r.effectiveAt} />
                      </td>
                      <td>
                        <Time value={r.expiresAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </Table>
              <form method="post" action={`/console/skus/${sku.skuId}/prices?productId=${p.productId}`} class="row">
                <CsrfField token={csrf} />
                <input type="hidden" name="tzOffset" value="0" data-tz-offset />
                <input type="hidden" name="currency" value={currency} />
                <label>
                  Standard price ({currency})
                  <input
                    name="standard"
                    inputmode="decimal"
                    required
                    value={standard ? majorUnits(standard.price.amount, currency) : ""}
                  />
                </label>
                <label>
                  Promo price (optional)
                  <input name="promo" inputmode="decimal" />
                </label>
                <label>
                  Promo from
                  <input name="promoFrom" type="datetime-local" />
                </label>
                <label>
                  Promo until
                  <input name="promoUntil" type="datetime-local" />
                </label>
                <button type="submit">Replace prices</button>
              </form>
              {stock && !stock.ok ? (
                <ProblemBox problem={stock.problem} />
              ) : stock?.ok ? (
                <Table caption={`Stock of ${sku.skuName} per warehouse`}>
                  <thead>
                    <tr>
                      <th scope="col">Warehouse</th>
                      <th scope="col" class="num">
                        Available
                      </th>
                      <th scope="col" class="num">
                        Reserved
                      </th>
                      <th scope="col" class="num">
                        Sold
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {stock.body.warehouses.map((w) => (
                      <tr>
                        <td>{warehouseList.find((x) => x.warehouseId === w.warehouseId)?.name ?? w.warehouseId}</td>
                        <td class="num">{w.available}</td>
                        <td class="num">{w.reserved}</td>
                        <td class="num">{w.sold}</td>
                      </tr>
                    ))}
                    <tr>
                      <th scope="row">All warehouses</th>
                      <td class="num">{stock.body.available}</td>
                      <td class="num">{stock.body.reserved}</td>
                      <td class="num">{stock.body.sold}</td>
                    </tr>
                  </tbody>
                </Table>
              ) : null}
              <form method="post" action={`/console/skus/${sku.skuId}/stock?productId=${p.productId}`} class="row">
                <CsrfField token={csrf} />
                <label>
                  Warehouse
                  <select name="warehouseId">
                    {warehouseList.map((w) => (
                      <option value={w.warehouseId} selected={w.isDefault}>
                        {w.name}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  Change
                  <select name="mode">
                    <option value="delta">Add (or remove, negative)</option>
                    <option value="set">Set available to</option>
                  </select>
                </label>
                <label>
                  Quantity
                  <input name="quantity" inputmode="numeric" required />
                </label>
                <label>
                  Reason
                  <input name="reason" required maxlength={200} />
                </label>
                <button type="submit">Update stock</button>
              </form>
            </article>
          );
        })}
      </section>

      <section aria-labelledby="snapshots">
        <h2 id="snapshots">Snapshots</h2>
        <ListSection
          list={snapshots}
          caption="Content versions, newest first"
          head={
            <>
              <th scope="col">Version</th>
              <th scope="col">Content hash</th>
              <th scope="col">By</th>
              <th scope="col">At</th>
            </>
          }
          row={(s) => (
            <tr>
              <td>{s.version}</td>
              <td>
                <code>{s.contentHash.slice(0, 16)}…</code>
              </td>
              <td>{s.createdBy}</td>
              <td>
                <Time value={s.createdAt} />
              </td>
            </tr>
          )}
        />
      </section>

      <section aria-labelledby="log">
        <h2 id="log">Operation log</h2>
        <ListSection
          list={logs}
          caption="What was done to this product, newest first"
          head={
            <>
              <th scope="col">Operation</th>
              <th scope="col">By</th>
              <th scope="col">Change</th>
              <th scope="col">At</th>
            </>
          }
          row={(l) => (
            <tr>
              <td>{l.operation}</td>
              <td>
                {l.actorId} <span class="muted">({l.actorType})</span>
              </td>
              <td>
                <code>{summarize(l.before)}</code> → <code>{summarize(l.after)}</code>
              </td>
              <td>
                <Time value={l.createdAt} />
              </td>
            </tr>
          )}
        />
      </section>
    </>,
    status,
  );
}

/** A log entry's before/after, short enough for a table cell. */
function summarize(value: unknown): string {
  if (value === null || value === undefined) return "—";
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** After a change: back to the product with a notice, or the product page with the API's refusal. */
async function afterChange(page: PageContext, productId: string, answer: ApiAnswer<unknown>, notice: string) {
  if (answer.ok) return page.c.redirect(`/console/products/${productId}?notice=${notice}`, 303);
  return detail(page, productId, answer.problem, answer.status);
}

async function lifecycle(page: PageContext) {
  const { api, c } = page;
  const id = c.req.param("productId") ?? "";
  const action = c.req.param("action") ?? "";
  if (!ACTIONS.includes(action as LifecycleAction)) {
    return detail(page, id, formProblem(c, "action", "is not a lifecycle action"), 400);
  }
  const form = await formOf(c);
  const reason = form.reason?.trim();
  const res = await api.send("POST", `/admin/v1/products/${encodeURIComponent(id)}/${action}`, {
    body: reason ? { reason } : {},
  });
  return afterChange(page, id, res, action);
}

async function edit(page: PageContext) {
  const { api, c } = page;
  const id = c.req.param("productId") ?? "";
  const form = await formOf(c);
  const res = await api.send<Product>("PATCH", `/admin/v1/products/${encodeURIComponent(id)}`, {
    body: { version: Number(form.version), name: form.name ?? "", description: form.description ?? "" },
  });
  if (!res.ok) return detail(page, id, res.problem, res.status);
  return page.c.redirect(`/console/products/${id}?notice=${res.body.pendingRevision ? "revision" : "edited"}`, 303);
}

async function prices(page: PageContext) {
  const { api, c } = page;
  const skuId = c.req.param("skuId") ?? "";
  const productId = c.req.query("productId") ?? "";
  const form = await formOf(c);
  const currency = form.currency ?? "CNY";
  if (!isCurrency(currency)) return detail(page, productId, formProblem(c, "currency", "is not supported"), 400);
  const standard = minorUnitsOf(form.standard ?? "", currency);
  if (!standard.ok) return detail(page, productId, formProblem(c, "standard", standard.reason), 400);
  const rows: Record<string, unknown>[] = [{ type: "standard", price: { amount: standard.value, currency } }];
  if ((form.promo ?? "").trim()) {
    const promo = minorUnitsOf(form.promo ?? "", currency);
    if (!promo.ok) return detail(page, productId, formProblem(c, "promo", promo.reason), 400);
    const from = form.promoFrom ? utcFromLocal(form.promoFrom, form.tzOffset) : null;
    const until = form.promoUntil ? utcFromLocal(form.promoUntil, form.tzOffset) : null;
    rows.push({
      type: "promo",
      price: { amount: promo.value, currency },
      ...(from ? { effectiveAt: from } : {}),
      ...(until ? { expiresAt: until } : {}),
    });
  }
  const res = await api.send("PUT", `/admin/v1/skus/${encodeURIComponent(skuId)}/prices`, { body: { prices: rows } });
  return afterChange(page, productId, res, "prices");
}

async function stock(page: PageContext) {
  const { api, c } = page;
  const skuId = c.req.param("skuId") ?? "";
  const productId = c.req.query("productId") ?? "";
  const form = await formOf(c);
  const quantity = Number(form.quantity);
  if (!Number.isInteger(quantity)) {
    return detail(page, productId, formProblem(c, "quantity", "must be a whole number"), 400);
  }
  const body = {
    ...(form.warehouseId ? { warehouseId: form.warehouseId } : {}),
    ...(form.mode === "set" ? { set: quantity } : { delta: quantity }),
    reason: form.reason ?? "",
  };
  const res = await api.send("POST", `/admin/v1/skus/${encodeURIComponent(skuId)}/stock`, { body });
  return afterChange(page, productId, res, "stock");
}

export function productPages(register: PageRegistrar): void {
  register.get("/console/products", list);
  register.get("/console/products/new", (page) => newProduct(page));
  register.post("/console/products/new", createProduct);
  register.get("/console/products/:productId", (page) => detail(page, page.c.req.param("productId") ?? ""));
  register.post("/console/products/:productId/lifecycle/:action", lifecycle);
  register.post("/console/products/:productId/edit", edit);
  register.post("/console/skus/:skuId/prices", prices);
  register.post("/console/skus/:skuId/stock", stock);
}
