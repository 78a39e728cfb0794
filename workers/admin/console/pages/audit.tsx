/** @jsxImportSource hono/jsx */
/**
 * The operators' audit queue: products waiting for audit and pending content revisions of
 * audited products, each approved or rejected (with a reason) in place.
 */
import type { z } from "zod";
import type { productSummarySchema } from "../../../../shared/catalog/list-products";
import type { revisionSchema } from "../../../../shared/catalog/revisions-repo";
import type { ProblemDocument } from "../../../../shared/platform/problem";
import type { ListPage } from "../admin-api";
import type { PageContext, PageRegistrar } from "../console";
import { formOf } from "../forms";
import { CsrfField, ListSection, Notice, ProblemBox, Time } from "../ui";

type Summary = z.output<typeof productSummarySchema>;
type Revision = z.output<typeof revisionSchema>;

const NOTICES: Record<string, string> = {
  approved: "Product approved.",
  rejected: "Product rejected.",
  "revision-approved": "Revision approved; it is live.",
  "revision-rejected": "Revision rejected.",
};

function Decision(props: { action: string; csrf: string; label: string }) {
  const reject = props.label.startsWith("Reject");
  return (
    <form method="post" action={props.action} class="row">
      <CsrfField token={props.csrf} />
      {reject && (
        <label>
          Reason
          <input name="reason" required maxlength={500} />
        </label>
      )}
      <button type="submit" class={reject ? "danger" : ""}>
        {props.label}
      </button>
    </form>
  );
}

async function queue(page: PageContext, problem?: ProblemDocument, status = 200) {
  const { api, c, csrf, render } = page;
  const cursor = c.req.query("cursor");
  const [products, revisions] = await Promise.all([
    api.get<ListPage<Summary>>("/admin/v1/products", { status: "PENDING_AUDIT", cursor, limit: "20" }),
    api.get<ListPage<Revision>>("/admin/v1/revisions", { status: "PENDING", limit: "20" }),
  ]);
  return render(
    "Audit queue",
    <>
      <Notice text={NOTICES[c.req.query("notice") ?? ""]} />
      <ProblemBox problem={problem} />
      <section aria-labelledby="products">
        <h2 id="products">Products waiting for audit</h2>
        <ListSection
          list={products}
          empty="Nothing waits for audit."
          caption="Submitted products, newest first"
          head={
            <>
              <th scope="col">Product</th>
              <th scope="col">Shop</th>
              <th scope="col">Submitted</th>
              <th scope="col">Decision</th>
            </>
          }
          row={(p) => (
            <tr>
              <td>
                <a href={`/console/products/${p.productId}`}>{p.name}</a>
              </td>
              <td>{p.shopId}</td>
              <td>
                <Time value={p.updatedAt} />
              </td>
              <td>
                <Decision
                  action={`/console/audit/products/${p.productId}/approve`}
                  csrf={csrf}
                  label={`Approve ${p.name}`}
                />
                <Decision
                  action={`/console/audit/products/${p.productId}/reject`}
                  csrf={csrf}
                  label={`Reject ${p.name}`}
                />
              </td>
            </tr>
          )}
          next={{ path: "/console/audit", query: {} }}
        />
      </section>
      <section aria-labelledby="revisions">
        <h2 id="revisions">Pending revisions</h2>
        <ListSection
          list={revisions}
          empty="No content revision waits for approval."
          caption="Content changes to audited products, newest first"
          head={
            <>
              <th scope="col">Product</th>
              <th scope="col">Changes</th>
              <th scope="col">Proposed</th>
              <th scope="col">Decision</th>
            </>
          }
          row={(r) => (
            <tr>
              <td>
                <a href={`/console/products/${r.productId}`}>{r.productId}</a>
              </td>
              <td>
                <pre>{JSON.stringify(r.changes, null, 1)}</pre>
              </td>
              <td>
                <Time value={r.createdAt} />
              </td>
              <td>
                <Decision
                  action={`/console/audit/revisions/${r.productId}/${r.revisionId}/approve`}
                  csrf={csrf}
                  label="Approve revision"
                />
                <Decision
                  action={`/console/audit/revisions/${r.productId}/${r.revisionId}/reject`}
                  csrf={csrf}
                  label="Reject revision"
                />
              </td>
            </tr>
          )}
        />
      </section>
    </>,
    products.ok ? status : products.status,
  );
}

async function decide(page: PageContext, path: string, notice: string) {
  const form = await formOf(page.c);
  const reason = form.reason?.trim();
  const res = await page.api.send("POST", path, { body: reason ? { reason } : {} });
  if (!res.ok) return queue(page, res.problem, res.status);
  return page.c.redirect(`/console/audit?notice=${notice}`, 303);
}

export function auditPages(register: PageRegistrar): void {
  register.get("/console/audit", (page) => queue(page));
  for (const decision of ["approve", "reject"] as const) {
    register.post(`/console/audit/products/:productId/${decision}`, (page) =>
      decide(
        page,
        `/admin/v1/products/${encodeURIComponent(page.c.req.param("productId") ?? "")}/${decision}`,
        decision === "approve" ? "approved" : "rejected",
      ),
    );
    register.post(`/console/audit/revisions/:productId/:revisionId/${decision}`, (page) => {
      const { productId = "", revisionId = "" } = page.c.req.param();
      return decide(
        page,
        `/admin/v1/products/${encodeURIComponent(productId)}/revisions/${encodeURIComponent(revisionId)}/${decision}`,
        `revision-${decision === "approve" ? "approved" : "rejected"}`,
      );
    });
  }
}
