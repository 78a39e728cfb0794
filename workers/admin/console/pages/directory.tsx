/** @jsxImportSource hono/jsx */
/**
 * Operators' directory of the platform: the shops (owners, products, orders) and the accounts
 * (role, status, lockout) with disable, enable and unlock, each act with a reason for the log.
 */
import type { z } from "zod";
import type { ProblemDocument } from "../../../../shared/platform/problem";
import type { shopListItemSchema, userListItemSchema } from "../../../../shared/users/directory";
import type { ListPage } from "../admin-api";
import type { PageContext, PageRegistrar } from "../console";
import { formOf } from "../forms";
import { Badge, CsrfField, ListSection, Notice, ProblemBox, Time } from "../ui";

type Shop = z.output<typeof shopListItemSchema>;
type User = z.output<typeof userListItemSchema>;

const STATUSES = ["ACTIVE", "DISABLED"] as const;
const ROLES = ["shopper", "seller", "operator"] as const;
const ACTS = ["disable", "enable", "unlock"] as const;
type Act = (typeof ACTS)[number];

const NOTICES: Record<string, string> = {
  disable: "Account disabled: its sessions ended, and login and orders are refused.",
  enable: "Account enabled; its owner signs in afresh.",
  unlock: "Lockout lifted; the next login is checked at once.",
};

/** A filter select with "Any" first. */
function Choice(props: { label: string; name: string; value: string; options: readonly string[] }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">Any</option>
        {props.options.map((o) => (
          <option value={o} selected={o === props.value}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

async function shopsPage({ api, c, render }: PageContext) {
  const q = c.req.query("q") ?? "";
  const status = c.req.query("status") ?? "";
  const list = await api.get<ListPage<Shop>>("/admin/v1/shops", { q, status, cursor: c.req.query("cursor") });
  return render(
    "Shops",
    <ListSection
      filter={{
        action: "/console/shops",
        label: "Filter shops",
        fields: (
          <>
            <label>
              Name contains
              <input name="q" value={q} maxlength={100} />
            </label>
            <Choice label="Status" name="status" value={status} options={STATUSES} />
          </>
        ),
      }}
      list={list}
      empty="No shops match."
      caption="Every shop, newest first, with its owner and counts"
      head={
        <>
          <th scope="col">Shop</th>
          <th scope="col">Status</th>
          <th scope="col">Owner</th>
          <th scope="col" class="num">
            Members
          </th>
          <th scope="col" class="num">
            Products
          </th>
          <th scope="col" class="num">
            On shelf
          </th>
          <th scope="col" class="num">
            Orders
          </th>
          <th scope="col">Created</th>
        </>
      }
      row={(s) => (
        <tr>
          <td>
            {s.name}
            <div class="muted">
              <code>{s.shopId}</code> · {s.defaultCurrency}
            </div>
          </td>
          <td>
            <Badge>{s.status}</Badge>
          </td>
          <td>
            <a href={`/console/users?q=${encodeURIComponent(s.owner.username)}`}>{s.owner.username}</a>
            {s.owner.status !== "ACTIVE" && (
              <div>
                <Badge>{s.owner.status}</Badge>
              </div>
            )}
          </td>
          <td class="num">{s.members}</td>
          <td class="num">{s.products}</td>
          <td class="num">{s.onShelf}</td>
          <td class="num">{s.orders}</td>
          <td>
            <Time value={s.createdAt} />
          </td>
        </tr>
      )}
      next={{ path: "/console/shops", query: { q, status } }}
    />,
    list.status,
  );
}

/** The list's filters, carried through an act so the operator comes back to the same list. */
function filtersOf(source: Record<string, string | undefined>) {
  return { q: source.q ?? "", role: source.role ?? "", status: source.status ?? "" };
}

function ActForm(props: { user: User; act: Act; csrf: string; filters: ReturnType<typeof filtersOf> }) {
  const { user, act, csrf, filters } = props;
  const verb = act === "disable" ? "Disable" : act === "enable" ? "Enable" : "Unlock";
  return (
    <form method="post" action={`/console/users/${encodeURIComponent(user.userId)}/${act}`} class="row">
      <CsrfField token={csrf} />
      {Object.entries(filters).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <label>
        Reason
        <input name="reason" required minlength={3} maxlength={500} aria-label={`Reason to ${act} ${user.username}`} />
      </label>
      <button type="submit" class={act === "disable" ? "danger" : ""}>
        {verb} {user.username}
      </button>
    </form>
  );
}

async function usersPage(
  page: PageContext,
  filters: ReturnType<typeof filtersOf>,
  problem?: ProblemDocument,
  status = 200,
) {
  const { api, c, csrf, render } = page;
  const list = await api.get<ListPage<User>>("/admin/v1/users", { ...filters, cursor: c.req.query("cursor") });
  return render(
    "Users",
    <>
      <Notice text={NOTICES[c.req.query("notice") ?? ""]} />
      <ProblemBox problem={problem} />
      <ListSection
        filter={{
          action: "/console/users",
          label: "Filter users",
          fields: (
            <>
              <label>
                Username or email contains
                <input name="q" value={filters.q} maxlength={100} />
              </label>
              <Choice label="Role" name="role" value={filters.role} options={ROLES} />
              <Choice label="Status" name="status" value={filters.status} options={STATUSES} />
            </>
          ),
        }}
        list={list}
        empty="No users match."
        caption="Every account, newest first: disabled ones cannot sign in or order"
        head={
          <>
            <th scope="col">User</th>
            <th scope="col">Contact</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Act</th>
          </>
        }
        row={(u) => (
          <tr>
            <td>
              {u.username}
              <div class="muted">
                <code>{u.userId}</code>
              </div>
            </td>
            <td>
              {u.email ?? <span class="muted">—</span>}
              {u.phone && <div class="muted">{u.phone}</div>}
            </td>
            <td>
              {u.role}
              {u.shopId && (
                <div class="muted">
                  <code>{u.shopId}</code>
                </div>
              )}
            </td>
            <td data-testid={`user-status-${u.username}`}>
              <Badge>{u.status}</Badge>
              {u.lockedUntil && (
                <div>
                  <Badge>locked</Badge> until <Time value={u.lockedUntil} />
                </div>
              )}
            </td>
            <td>
              <Time value={u.createdAt} />
            </td>
            <td>
              {u.userId === page.caller.userId ? (
                <span class="muted">Your own account</span>
              ) : u.status === "ACTIVE" ? (
                <ActForm user={u} act="disable" csrf={csrf} filters={filters} />
              ) : (
                <ActForm user={u} act="enable" csrf={csrf} filters={filters} />
              )}
              {u.lockedUntil && <ActForm user={u} act="unlock" csrf={csrf} filters={filters} />}
            </td>
          </tr>
        )}
        next={{ path: "/console/users", query: filters }}
      />
    </>,
    list.ok ? status : list.status,
  );
}

async function actOn(page: PageContext, act: Act) {
  const { api, c } = page;
  const userId = c.req.param("userId") ?? "";
  const form = await formOf(c);
  const res = await api.send("POST", `/admin/v1/users/${encodeURIComponent(userId)}/${act}`, {
    body: { reason: form.reason ?? "" },
  });
  const filters = filtersOf(form);
  // Refused: the list as it was, with the API's refusal above it.
  if (!res.ok) return usersPage(page, filters, res.problem, res.status);
  const params = new URLSearchParams({ notice: act });
  for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);
  return c.redirect(`/console/users?${params}`, 303);
}

export function directoryPages(register: PageRegistrar): void {
  register.get("/console/shops", shopsPage);
  register.get("/console/users", (page) =>
    usersPage(
      page,
      filtersOf({ q: page.c.req.query("q"), role: page.c.req.query("role"), status: page.c.req.query("status") }),
    ),
  );
  for (const act of ACTS) register.post(`/console/users/:userId/${act}`, (page) => actOn(page, act));
}
