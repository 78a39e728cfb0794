/** @jsxImportSource hono/jsx */
/** A seller's shop settings: warehouses, the shipping template, and API keys (the secret shown once). */
import type { z } from "zod";
import type { warehouseSchema } from "../../../../shared/inventory/warehouses";
import { API_SCOPES } from "../../../../shared/platform/auth";
import { CURRENCIES, type Currency } from "../../../../shared/platform/money";
import type { ProblemDocument } from "../../../../shared/platform/problem";
import type { apiKeySchema } from "../../../../shared/users/api-keys";
import type { PageContext, PageRegistrar } from "../console";
import { majorUnits } from "../format";
import { formOf, formProblem, isCurrency, minorUnitsOf } from "../forms";
import { Badge, CsrfField, ListSection, Money, Notice, ProblemBox, Time } from "../ui";

type Warehouse = z.output<typeof warehouseSchema>;
type ApiKey = z.output<typeof apiKeySchema>;

// ---------------------------------------------------------------------------------------------
// Warehouses

async function warehouses(page: PageContext, problem?: ProblemDocument, status = 200) {
  const { api, c, csrf, render } = page;
  const list = await api.get<{ items: Warehouse[] }>("/admin/v1/warehouses");
  const notice = c.req.query("notice");
  return render(
    "Warehouses",
    <>
      <Notice
        text={
          notice === "created" ? "Warehouse added." : notice === "default" ? "Default warehouse changed." : undefined
        }
      />
      <ProblemBox problem={problem} />
      <ListSection
        list={list}
        empty="No warehouses yet."
        caption="Where the shop keeps stock; lower priority is reserved from first"
        head={
          <>
            <th scope="col">Name</th>
            <th scope="col">Region</th>
            <th scope="col" class="num">
              Priority
            </th>
            <th scope="col">Default</th>
          </>
        }
        row={(w) => (
          <tr>
            <td>{w.name}</td>
            <td>{w.region}</td>
            <td class="num">{w.priority}</td>
            <td>
              {w.isDefault ? (
                <Badge>default</Badge>
              ) : (
                <form method="post" action={`/console/warehouses/${w.warehouseId}/default`} class="inline">
                  <CsrfField token={csrf} />
                  <button type="submit" class="secondary">
                    Make {w.name} the default
                  </button>
                </form>
              )}
            </td>
          </tr>
        )}
      />
      <h2>Add a warehouse</h2>
      <form method="post" action="/console/warehouses" class="row">
        <CsrfField token={csrf} />
        <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
        <label>
          Name
          <input name="name" required maxlength={100} />
        </label>
        <label>
          Region
          <input name="region" required maxlength={100} placeholder="CN-ZJ" />
        </label>
        <label>
          Priority
          <input name="priority" inputmode="numeric" value="100" />
        </label>
        <label class="check">
          <input type="checkbox" name="isDefault" value="true" /> Make it the default
        </label>
        <button type="submit">Add warehouse</button>
      </form>
    </>,
    status,
  );
}

async function addWarehouse(page: PageContext) {
  const form = await formOf(page.c);
  const res = await page.api.send("POST", "/admin/v1/warehouses", {
    body: {
      name: form.name ?? "",
      region: form.region ?? "",
      priority: Number(form.priority || "100"),
      isDefault: form.isDefault === "true",
    },
    idempotencyKey: form.idempotencyKey,
  });
  if (!res.ok) return warehouses(page, res.problem, res.status);
  return page.c.redirect("/console/warehouses?notice=created", 303);
}

async function makeDefault(page: PageContext) {
  const id = page.c.req.param("warehouseId") ?? "";
  const res = await page.api.send("PATCH", `/admin/v1/warehouses/${encodeURIComponent(id)}`, {
    body: { isDefault: true },
  });
  if (!res.ok) return warehouses(page, res.problem, res.status);
  return page.c.redirect("/console/warehouses?notice=default", 303);
}

// ---------------------------------------------------------------------------------------------
// Shipping template

type Template = {
  currency: string;
  firstWeightGrams: number;
  firstFee: number;
  additionalWeightGrams: number;
  additionalFee: number;
  freeThreshold: number | null;
  regions: { country: string; provinces?: string[] | null; firstFee?: number | null; additionalFee?: number | null }[];
  isDefault: boolean;
};

async function shipping(page: PageContext, problem?: ProblemDocument, status = 200) {
  const { api, c, csrf, render } = page;
  const current = await api.get<Template>("/admin/v1/shipping-template");
  const t = current.ok ? current.body : null;
  const currency = t?.currency ?? "CNY";
  const major = (minor: number | null | undefined) =>
    minor === null || minor === undefined ? "" : majorUnits(minor, currency);
  return render(
    "Shipping template",
    <>
      <Notice text={c.req.query("notice") === "saved" ? "Shipping template saved." : undefined} />
      <ProblemBox problem={problem} />
      {!current.ok && <ProblemBox problem={current.problem} />}
      {t && (
        <p>
          {t.isDefault ? "The platform's default applies until you save your own. " : ""}First {t.firstWeightGrams} g{" "}
          <Money value={{ amount: t.firstFee, currency }} />, then{" "}
          <Money value={{ amount: t.additionalFee, currency }} /> per {t.additionalWeightGrams} g;{" "}
          {t.freeThreshold === null ? (
            "never free"
          ) : (
            <>
              free from <Money value={{ amount: t.freeThreshold, currency }} />
            </>
          )}
          .
        </p>
      )}
      <form method="post" action="/console/shipping" class="stack">
        <CsrfField token={csrf} />
        <label>
          Currency
          <select name="currency">
            {CURRENCIES.map((cur) => (
              <option value={cur} selected={cur === currency}>
                {cur}
              </option>
            ))}
          </select>
        </label>
        <label>
          First weight (g)
          <input name="firstWeightGrams" inputmode="numeric" required value={String(t?.firstWeightGrams ?? 1000)} />
        </label>
        <label>
          Fee for the first weight
          <input name="firstFee" inputmode="decimal" required value={major(t?.firstFee ?? 0)} />
        </label>
        <label>
          Each further weight step (g)
          <input
            name="additionalWeightGrams"
            inputmode="numeric"
            required
            value={String(t?.additionalWeightGrams ?? 1000)}
          />
        </label>
        <label>
          Fee per further step
          <input name="additionalFee" inputmode="decimal" required value={major(t?.additionalFee ?? 0)} />
        </label>
        <label>
          Free shipping from (empty: never)
          <input name="freeThreshold" inputmode="decimal" value={major(t?.freeThreshold)} />
        </label>
        <label>
          Regions (one per line: country, provinces separated by commas, first fee, further fee)
          <textarea name="regions" rows={4} placeholder="CN | 新疆,西藏 | 15.00 | 6.00">
            {(t?.regions ?? [])
              .map(
                (r) =>
                  `${r.country} | ${(r.provinces ?? []).join(",")} | ${major(r.firstFee)} | ${major(r.additionalFee)}`,
              )
              .join("\n")}
          </textarea>
        </label>
        <div>
          <button type="submit">Save shipping template</button>
        </div>
      </form>
    </>,
    status,
  );
}

/** The template body a filled-in form stands for, or the form field that is wrong. */
export function templateFromForm(
  form: Record<string, string>,
): { ok: true; body: Record<string, unknown> } | { ok: false; field: string; reason: string } {
  const currency = form.currency ?? "CNY";
  if (!isCurrency(currency)) return { ok: false, field: "currency", reason: "is not supported" };
  const money = (field: string, text: string | undefined): number | { field: string; reason: string } => {
    const parsed = minorUnitsOf(text ?? "", currency as Currency);
    return parsed.ok ? parsed.value : { field, reason: parsed.reason };
  };
  const body: Record<string, unknown> = {
    currency,
    firstWeightGrams: Number(form.firstWeightGrams),
    additionalWeightGrams: Number(form.additionalWeightGrams),
  };
  for (const field of ["firstFee", "additionalFee"]) {
    const value = money(field, form[field]);
    if (typeof value !== "number") return { ok: false, ...value };
    body[field] = value;
  }
  if ((form.freeThreshold ?? "").trim()) {
    const value = money("freeThreshold", form.freeThreshold);
    if (typeof value !== "number") return { ok: false, ...value };
    body.freeThreshold = value;
  } else {
    body.freeThreshold = null;
  }
  const regions: Record<string, unknown>[] = [];
  const lines = (form.regions ?? "").split("\n").filter((l) => l.trim());
  for (const [i, line] of lines.entries()) {
    const [country = "", provinces = "", first = "", further = ""] = line.split("|").map((p) => p.trim());
    const region: Record<string, unknown> = { country: country.toUpperCase() };
    const list = provinces
      .split(/[,，]/)
      .map((p) => p.trim())
      .filter(Boolean);
    if (list.length > 0) region.provinces = list;
    for (const [key, text] of [
      ["firstFee", first],
      ["additionalFee", further],
    ] as const) {
      if (!text) continue;
      const value = money(`regions.${i}.${key}`, text);
      if (typeof value !== "number") return { ok: false, ...value };
      region[key] = value;
    }
    regions.push(region);
  }
  body.regions = regions;
  return { ok: true, body };
}

async function saveShipping(page: PageContext) {
  const form = await formOf(page.c);
  const parsed = templateFromForm(form);
  if (!parsed.ok) return shipping(page, formProblem(page.c, parsed.field, parsed.reason), 400);
  const res = await page.api.send("PUT", "/admin/v1/shipping-template", { body: parsed.body });
  if (!res.ok) return shipping(page, res.problem, res.status);
  return page.c.redirect("/console/shipping?notice=saved", 303);
}

// ---------------------------------------------------------------------------------------------
// API keys

async function apiKeys(
  page: PageContext,
  state: { problem?: ProblemDocument; created?: ApiKey & { key: string }; status?: number } = {},
) {
  const { api, c, csrf, render } = page;
  const list = await api.get<{ items: ApiKey[] }>("/admin/v1/api-keys");
  return render(
    "API keys",
    <>
      <Notice text={c.req.query("notice") === "revoked" ? "Key revoked." : undefined} />
      <ProblemBox problem={state.problem} />
      {state.created && (
        <section class="notice" role="status" aria-labelledby="secret">
          <h2 id="secret">Key “{state.created.name}” created</h2>
          <p>Copy the secret now: it is shown only this once and never again.</p>
          <p class="secret" data-testid="api-key-secret">
            {state.created.key}
          </p>
        </section>
      )}
      <ListSection
        list={list}
        empty="No API keys yet."
        caption="The shop's keys for the open API (only their prefix is kept)"
        head={
          <>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            <th scope="col">Scopes</th>
            <th scope="col">Last used</th>
            <th scope="col">Revoke</th>
          </>
        }
        row={(k) => (
          <tr>
            <td>{k.name}</td>
            <td>
              <code>{k.prefix}…</code>
            </td>
            <td>{k.scopes.join(", ")}</td>
            <td>
              <Time value={k.lastUsedAt} />
            </td>
            <td>
              {k.revokedAt ? (
                <span>
                  revoked <Time value={k.revokedAt} />
                </span>
              ) : (
                <form method="post" action={`/console/api-keys/${k.apiKeyId}/revoke`} class="inline">
                  <CsrfField token={csrf} />
                  <button type="submit" class="danger">
                    Revoke {k.name}
                  </button>
                </form>
              )}
            </td>
          </tr>
        )}
      />
      <h2>Create a key</h2>
      <form method="post" action="/console/api-keys" class="stack">
        <CsrfField token={csrf} />
        <label>
          Key name
          <input name="name" required maxlength={100} />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {API_SCOPES.map((s) => (
            <label class="check">
              <input type="checkbox" name={`scope.${s}`} value="on" /> {s}
            </label>
          ))}
        </fieldset>
        <div>
          <button type="submit">Create key</button>
        </div>
      </form>
    </>,
    state.status ?? 200,
  );
}

async function createKey(page: PageContext) {
  const form = await formOf(page.c);
  const scopes = API_SCOPES.filter((s) => form[`scope.${s}`] === "on");
  const res = await page.api.send<ApiKey & { key: string }>("POST", "/admin/v1/api-keys", {
    body: { name: form.name ?? "", scopes },
  });
  if (!res.ok) return apiKeys(page, { problem: res.problem, status: res.status });
  // Rendered, not redirected: the secret must never sit in a URL or be shown a second time.
  return apiKeys(page, { created: res.body, status: 201 });
}

async function revokeKey(page: PageContext) {
  const id = page.c.req.param("apiKeyId") ?? "";
  const res = await page.api.send("DELETE", `/admin/v1/api-keys/${encodeURIComponent(id)}`);
  if (!res.ok) return apiKeys(page, { problem: res.problem, status: res.status });
  return page.c.redirect("/console/api-keys?notice=revoked", 303);
}

export function shopSettingsPages(register: PageRegistrar): void {
  register.get("/console/warehouses", (page) => warehouses(page));
  register.post("/console/warehouses", addWarehouse);
  register.post("/console/warehouses/:warehouseId/default", makeDefault);
  register.get("/console/shipping", (page) => shipping(page));
  register.post("/console/shipping", saveShipping);
  register.get("/console/api-keys", (page) => apiKeys(page));
  register.post("/console/api-keys", createKey);
  register.post("/console/api-keys/:apiKeyId/revoke", revokeKey);
}
