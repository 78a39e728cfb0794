/** @jsxImportSource hono/jsx */
/** Operators' pages: dead letters with replay, reconciliation runs and discrepancies, ledger balances. */
import type { z } from "zod";
import type { deadLetterSchema } from "../../../../shared/events/dead-letters";
import type { discrepancySchema } from "../../../../shared/payments/discrepancies";
import type { ProblemDocument } from "../../../../shared/platform/problem";
import type { ListPage } from "../admin-api";
import type { PageContext, PageRegistrar } from "../console";
import { Badge, CsrfField, ListSection, Money, Notice, ProblemBox, Time } from "../ui";

type DeadLetter = z.output<typeof deadLetterSchema>;
type Discrepancy = z.output<typeof discrepancySchema>;

function short(value: unknown): string {
  const text = JSON.stringify(value);
  return text && text.length > 160 ? `${text.slice(0, 159)}…` : (text ?? "—");
}

async function deadLetters(page: PageContext, problem?: ProblemDocument, status = 200) {
  const { api, c, csrf, render } = page;
  const filter = c.req.query("status") ?? "dead";
  const cursor = c.req.query("cursor");
  const list = await api.get<ListPage<DeadLetter>>("/admin/v1/dead-letters", { status: filter, cursor, limit: "50" });
  return render(
    "Dead letters",
    <>
      <Notice text={c.req.query("notice") === "replayed" ? "Re-sent to its queue." : undefined} />
      <ProblemBox problem={problem} />
      <ListSection
        filter={{
          action: "/console/dead-letters",
          label: "Filter dead letters",
          fields: (
            <label>
              Status
              <select name="status">
                {["dead", "replayed"].map((s) => (
                  <option value={s} selected={s === filter}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          ),
        }}
        list={list}
        empty="No dead letters."
        caption="Messages that ran out of retries, newest first"
        head={
          <>
            <th scope="col">Queue</th>
            <th scope="col">Event</th>
            <th scope="col">Why</th>
            <th scope="col" class="num">
              Attempts
            </th>
            <th scope="col">Dead since</th>
            <th scope="col">Replay</th>
          </>
        }
        row={(d) => (
          <tr>
            <td>{d.queue}</td>
            <td>
              {d.eventType ?? "—"}
              <div class="muted">
                <code>{short(d.body)}</code>
              </div>
            </td>
            <td>{d.reason}</td>
            <td class="num">{d.attempts}</td>
            <td>
              <Time value={d.createdAt} />
            </td>
            <td>
              {d.status === "dead" ? (
                <form method="post" action={`/console/dead-letters/${d.id}/replay`} class="inline">
                  <CsrfField token={csrf} />
                  <button type="submit">Replay</button>
                </form>
              ) : (
                <span>
                  replayed <Time value={d.replayedAt} />
                </span>
              )}
            </td>
          </tr>
        )}
        next={{ path: "/console/dead-letters", query: { status: filter } }}
      />
    </>,
    list.ok ? status : list.status,
  );
}

async function replay(page: PageContext) {
  const id = page.c.req.param("deadLetterId") ?? "";
  const res = await page.api.send("POST", `/admin/v1/dead-letters/${encodeURIComponent(id)}/replay`, { body: {} });
  if (!res.ok) return deadLetters(page, res.problem, res.status);
  return page.c.redirect("/console/dead-letters?notice=replayed", 303);
}

async function reconciliation(page: PageContext, problem?: ProblemDocument, status = 200) {
  const { api, c, csrf, render } = page;
  const open = c.req.query("open") ?? "true";
  const cursor = c.req.query("cursor");
  const list = await api.get<ListPage<Discrepancy>>("/admin/v1/reconciliation/discrepancies", {
    open: open === "all" ? undefined : open,
    cursor,
    limit: "50",
  });
  const runId = c.req.query("run");
  const run = runId
    ? await api.get<{ runId: string; status: string; startedAt: string; finishedAt: string | null; summary: unknown }>(
        `/admin/v1/reconciliation/runs/${encodeURIComponent(runId)}`,
      )
    : null;
  return render(
    "Reconciliation",
    <>
      <ProblemBox problem={problem} />
      {run?.ok && (
        <p role="status" class="notice">
          Run <code>{run.body.runId}</code>: {run.body.status}
          {run.body.finishedAt ? (
            <>
              {" "}
              · finished <Time value={run.body.finishedAt} />
            </>
          ) : (
            " (reload to see it finish)"
          )}
          {run.body.summary ? <> · {short(run.body.summary)}</> : null}
        </p>
      )}
      <form method="post" action="/console/reconciliation/runs" class="row">
        <CsrfField token={csrf} />
        <button type="submit">Run reconciliation now</button>
      </form>
      <ListSection
        filter={{
          action: "/console/reconciliation",
          label: "Filter discrepancies",
          fields: (
            <label>
              Show
              <select name="open">
                <option value="true" selected={open === "true"}>
                  Open
                </option>
                <option value="false" selected={open === "false"}>
                  Resolved
                </option>
                <option value="all" selected={open === "all"}>
                  All
                </option>
              </select>
            </label>
          ),
        }}
        list={list}
        empty="No discrepancies."
        caption="Where provider records, pay orders, orders and the ledger disagree"
        head={
          <>
            <th scope="col">Kind</th>
            <th scope="col">Ref</th>
            <th scope="col">Expected</th>
            <th scope="col">Actual</th>
            <th scope="col">Detected</th>
            <th scope="col">Resolved</th>
          </>
        }
        row={(d) => (
          <tr>
            <td>
              <Badge>{d.kind}</Badge>
            </td>
            <td>
              <code>{d.ref}</code>
            </td>
            <td>
              <code>{short(d.expected)}</code>
            </td>
            <td>
              <code>{short(d.actual)}</code>
            </td>
            <td>
              <Time value={d.detectedAt} />
            </td>
            <td>
              <Time value={d.resolvedAt} />
            </td>
          </tr>
        )}
        next={{ path: "/console/reconciliation", query: { open } }}
      />
    </>,
    list.ok ? status : list.status,
  );
}

async function startRun(page: PageContext) {
  const res = await page.api.send<{ runId: string }>("POST", "/admin/v1/reconciliation/runs", { body: {} });
  if (!res.ok) return reconciliation(page, res.problem, res.status);
  return page.c.redirect(`/console/reconciliation?run=${encodeURIComponent(res.body.runId)}`, 303);
}

async function ledger({ api, c, render }: PageContext) {
  const account = c.req.query("account") ?? "";
  const cursor = c.req.query("cursor");
  const list = await api.get<ListPage<{ account: string; balance: { amount: number; currency: string } }>>(
    "/admin/v1/ledger/balances",
    { account, cursor, limit: "100" },
  );
  return render(
    "Ledger balances",
    <>
      <ListSection
        filter={{
          action: "/console/ledger",
          label: "Filter accounts",
          fields: (
            <label>
              Account starts with
              <input name="account" value={account} placeholder="seller_payable:" />
            </label>
          ),
        }}
        list={list}
        empty="No entries yet."
        caption="Balance of each account and currency, derived from the entries"
        head={
          <>
            <th scope="col">Account</th>
            <th scope="col" class="num">
              Balance
            </th>
          </>
        }
        row={(b) => (
          <tr>
            <td>
              <code>{b.account}</code>
            </td>
            <td class="num">
              <Money value={b.balance} />
            </td>
          </tr>
        )}
        next={{ path: "/console/ledger", query: { account } }}
      />
    </>,
    list.status,
  );
}

type Switch = {
  name: string;
  description: string;
  enabled: boolean;
  reason: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
};

async function switches(page: PageContext, problem?: ProblemDocument, status = 200) {
  const { api, c, csrf, render } = page;
  const list = await api.get<{ items: Switch[] }>("/admin/v1/switches");
  return render(
    "Switches",
    <>
      <Notice
        text={c.req.query("notice") === "flipped" ? "Switch flipped; every Worker follows within seconds." : undefined}
      />
      <ProblemBox problem={problem} />
      <ListSection
        list={list}
        caption="Degradation switches: a feature switched off answers 503 or a degraded answer"
        head={
          <>
            <th scope="col">Switch</th>
            <th scope="col">State</th>
            <th scope="col">Last change</th>
            <th scope="col">Flip</th>
          </>
        }
        row={(s) => (
          <tr>
            <td>
              <code>{s.name}</code>
              <div class="muted">{s.description}</div>
            </td>
            <td data-testid={`switch-${s.name}`}>
              <Badge>{s.enabled ? "on" : "off"}</Badge>
            </td>
            <td>
              {s.reason ?? "—"} <Time value={s.updatedAt} />
            </td>
            <td>
              <form method="post" action={`/console/switches/${s.name}`} class="row">
                <CsrfField token={csrf} />
                <input type="hidden" name="enabled" value={s.enabled ? "false" : "true"} />
                <label>
                  Reason
                  <input name="reason" required maxlength={200} />
                </label>
                <button type="submit" class={s.enabled ? "danger" : ""}>
                  Switch {s.name} {s.enabled ? "off" : "on"}
                </button>
              </form>
            </td>
          </tr>
        )}
      />
    </>,
    list.ok ? status : list.status,
  );
}

async function flip(page: PageContext) {
  const name = page.c.req.param("name") ?? "";
  const body = await page.c.req.parseBody();
  const res = await page.api.send("PUT", `/admin/v1/switches/${encodeURIComponent(name)}`, {
    body: { enabled: body.enabled === "true", reason: typeof body.reason === "string" ? body.reason : "" },
  });
  if (!res.ok) return switches(page, res.problem, res.status);
  return page.c.redirect("/console/switches?notice=flipped", 303);
}

export function operationPages(register: PageRegistrar): void {
  register.get("/console/switches", (page) => switches(page));
  register.post("/console/switches/:name", flip);
  register.get("/console/dead-letters", (page) => deadLetters(page));
  register.post("/console/dead-letters/:deadLetterId/replay", replay);
  register.get("/console/reconciliation", (page) => reconciliation(page));
  register.post("/console/reconciliation/runs", startRun);
  register.get("/console/ledger", ledger);
}
