/** @jsxImportSource hono/jsx */
/**
 * The console's page frame and the small pieces every page uses: the navigation (by role), the
 * CSRF field, problem and notice boxes, money, times, statuses and the next-page link. Semantic
 * HTML throughout: a skip link, one `h1` per page, labelled controls, `role="alert"` on problems.
 */
import type { Child, FC, PropsWithChildren } from "hono/jsx";
import type { Caller } from "../../../shared/platform/auth";
import { CURRENCIES } from "../../../shared/platform/money";
import type { ProblemDocument } from "../../../shared/platform/problem";
import { ASSET_PATHS } from "./assets";
import { formatMoney, isoOf, utcText } from "./format";
import type { Form } from "./forms";
import { CSRF_FIELD } from "./session";

/** The navigation of each role: what exists today (further pages join as their APIs land). */
const SELLER_NAV = [
  ["/console", "Dashboard"],
  ["/console/products", "Products"],
  ["/console/bulk", "Bulk upload"],
  ["/console/orders", "Orders"],
  ["/console/refunds", "Refunds"],
  ["/console/vouchers", "Vouchers"],
  ["/console/threshold-discounts", "Threshold discounts"],
  ["/console/flash-sales", "Flash sales"],
  ["/console/warehouses", "Warehouses"],
  ["/console/shipping", "Shipping"],
  ["/console/api-keys", "API keys"],
] as const;
const OPERATOR_NAV = [
  ["/console/audit", "Audit queue"],
  ["/console/products", "Products"],
  ["/console/orders", "Orders"],
  ["/console/refunds", "Refunds"],
  ["/console/vouchers", "Vouchers"],
  ["/console/flash-sales", "Flash sales"],
  ["/console/coins", "Coins"],
  ["/console/shops", "Shops"],
  ["/console/users", "Users"],
  ["/console/dead-letters", "Dead letters"],
  ["/console/reconciliation", "Reconciliation"],
  ["/console/ledger", "Ledger"],
  ["/console/switches", "Switches"],
  ["/console/order-slots", "Order slots"],
  ["/console/metrics", "Metrics"],
] as const;

export function isOperator(caller: Caller): boolean {
  return caller.roles.includes("operator");
}

// htmx: swap error answers too (they carry the problem box), and add no inline style (CSP).
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  responseHandling: [
    { code: "204", swap: false },
    { code: "[2345]..", swap: true, error: false },
  ],
});

export interface FrameProps {
  title: string;
  csrf: string;
  /** Absent on the sign-in page. */
  user?: { username: string; caller: Caller };
  path?: string;
}

export const Frame: FC<PropsWithChildren<FrameProps>> = ({ title, csrf, user, path, children }) => {
  const nav = user ? (isOperator(user.caller) ? OPERATOR_NAV : SELLER_NAV) : [];
  const current = nav.findLast(([href]) => path === href || (href !== "/console" && path?.startsWith(`${href}/`)));
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>{`${title} · Console`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={ASSET_PATHS.css} />
        <script src={ASSET_PATHS.htmx} defer />
        <script src={ASSET_PATHS.script} defer />
      </head>
      <body hx-headers={JSON.stringify({ "X-CSRF-Token": csrf })}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/console">
            Edge commerce console
          </a>
          {user && (
            <nav aria-label="Console">
              <ul>
                {nav.map(([href, label]) => (
                  <li>
                    <a href={href} aria-current={current?.[0] === href ? "page" : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {user && (
            <div class="who">
              <span>
                Signed in as <strong>{user.username}</strong> ({user.caller.roles.join(", ")})
              </span>
              <form method="post" action="/console/sign-out" class="inline">
                <CsrfField token={csrf} />
                <button type="submit" class="secondary">
                  Sign out
                </button>
              </form>
            </div>
          )}
        </header>
        <main id="main">
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  );
};

export const CsrfField: FC<{ token: string }> = ({ token }) => <input type="hidden" name={CSRF_FIELD} value={token} />;

/** An API refusal as the API put it: its title, detail, field errors and request id. */
export const ProblemBox: FC<{ problem: ProblemDocument | null | undefined; retryAfter?: string | null }> = ({
  problem,
  retryAfter,
}) => {
  if (!problem) return null;
  const minutes = retryAfter ? Math.max(1, Math.ceil(Number(retryAfter) / 60)) : null;
  return (
    <div class="problem" role="alert">
      <h2>{problem.title}</h2>
      <p>{problem.detail}</p>
      {minutes !== null && !Number.isNaN(minutes) && (
        <p>Try again in {minutes === 1 ? "a minute" : `${minutes} minutes`}.</p>
      )}
      {problem.errors && problem.errors.length > 0 && (
        <ul>
          {problem.errors.map((e) => (
            <li>
              <code>{e.field}</code>: {e.reason}
            </li>
          ))}
        </ul>
      )}
      <p class="muted">
        <small>
          {problem.code} · request {problem.instance}
        </small>
      </p>
    </div>
  );
};

export const Notice: FC<{ text: string | undefined }> = ({ text }) =>
  text ? (
    <p class="notice" role="status">
      {text}
    </p>
  ) : null;

export const Money: FC<{ value: { amount: number; currency: string } | null | undefined }> = ({ value }) =>
  value ? <span>{formatMoney(value)}</span> : <span class="muted">—</span>;

/** A time, shown in the viewer's zone by the console script (UTC until it runs). */
export const Time: FC<{ value: string | number | null | undefined }> = ({ value }) =>
  value === null || value === undefined ? (
    <span class="muted">—</span>
  ) : (
    <time datetime={isoOf(value)}>{utcText(value)}</time>
  );

export const Badge: FC<{ children: Child }> = ({ children }) => <span class="badge">{children}</span>;

/** "Next page" for a cursor-paged list, keeping the page's other query parameters. */
export const NextPage: FC<{ path: string; query: Record<string, string | undefined>; cursor: string | null }> = ({
  path,
  query,
  cursor,
}) => {
  if (!cursor) return null;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  params.set("cursor", cursor);
  return (
    <p>
      <a href={`${path}?${params}`}>Next page</a>
    </p>
  );
};

/** A table that scrolls sideways on a phone instead of breaking the layout. */
export const Table: FC<PropsWithChildren<{ caption: string }>> = ({ caption, children }) => (
  <div class="table-wrap">
    <table>
      <caption class="muted">{caption}</caption>
      {children}
    </table>
  </div>
);

/** What a list shows: an API answer of a page (or items the page already has), or its refusal. */
export type Listed<T> =
  | { ok: true; body: { items: readonly T[]; nextCursor?: string | null } }
  | { ok: false; problem: ProblemDocument };

export interface ListSectionProps<T> {
  /** A GET filter form above the list: its action, accessible name and fields (a Filter button follows). */
  filter?: { action: string; label: string; fields: Child; after?: Child };
  list: Listed<T>;
  caption: string;
  /** Shown instead of an empty table; without it an empty list shows nothing. */
  empty?: string;
  /** The header row's cells (`<th scope="col">`). */
  head: Child;
  row: (item: T) => Child;
  /** The page's own path and query, for the "Next page" link when the answer has a cursor. */
  next?: { path: string; query: Record<string, string | undefined> };
}

/**
 * Every list page's one shape: the filter form, then the API's problem, the empty text or the
 * table, then the next-page link. Pages only say their columns and rows.
 */
export function ListSection<T>({ filter, list, caption, empty, head, row, next }: ListSectionProps<T>) {
  return (
    <>
      {filter && (
        <form method="get" action={filter.action} class="row" aria-label={filter.label}>
          {filter.fields}
          <button type="submit">Filter</button>
          {filter.after}
        </form>
      )}
      {!list.ok ? (
        <ProblemBox problem={list.problem} />
      ) : list.body.items.length === 0 ? (
        empty && <p>{empty}</p>
      ) : (
        <Table caption={caption}>
          <thead>
            <tr>{head}</tr>
          </thead>
          <tbody>{list.body.items.map(row)}</tbody>
        </Table>
      )}
      {list.ok && next && <NextPage path={next.path} query={next.query} cursor={list.body.nextCursor ?? null} />}
    </>
  );
}

export const CurrencySelect: FC<{ value: string | undefined }> = ({ value }) => (
  <label>
    Currency
    <select name="currency">
      {CURRENCIES.map((cur) => (
        <option value={cur} selected={cur === (value ?? "CNY")}>
          {cur}
        </option>
      ))}
    </select>
  </label>
);

/** A window's two fields, in the viewer's wall-clock time (the script adds their UTC offset). */
export const WindowFields: FC<{ form: Form }> = ({ form }) => (
  <>
    <input type="hidden" name="tzOffset" value="0" data-tz-offset />
    <label>
      Starts
      <input name="startsAt" type="datetime-local" required value={form.startsAt ?? ""} />
    </label>
    <label>
      Ends
      <input name="endsAt" type="datetime-local" required value={form.endsAt ?? ""} />
    </label>
  </>
);
