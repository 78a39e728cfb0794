/** @jsxImportSource hono/jsx */
/**
 * Bulk upload: a JSON array of seed-shaped products or a Shopify product export (CSV), sent to
 * POST /admin/v1/bulk-jobs; the job's page polls its progress with htmx every second until the
 * job is completed or failed, then shows each failed row's error and the products created.
 */
import type { z } from "zod";
import type { bulkJobSchema } from "../../../../shared/catalog/bulk-job-view";
import type { PageContext, PageRegistrar } from "../console";
import { formProblem, stripJsonComments } from "../forms";
import { CsrfField, ListSection, ProblemBox, Time } from "../ui";

type BulkJob = z.output<typeof bulkJobSchema>;

const TERMINAL = new Set(["completed", "failed"]);

function uploadForm(
  { csrf, render }: PageContext,
  problem?: Parameters<typeof ProblemBox>[0]["problem"],
  status = 200,
) {
  return render(
    "Bulk upload",
    <>
      <ProblemBox problem={problem} />
      <p>
        Upload a JSON array of products in the seed's shape, or a Shopify product export (CSV). Each row is checked and
        created on its own; rows that fail are listed with the reason.
      </p>
      <form method="post" action="/console/bulk" enctype="multipart/form-data" class="stack">
        <CsrfField token={csrf} />
        <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
        <label>
          File (JSON or Shopify CSV)
          <input type="file" name="file" accept=".json,.csv,application/json,text/csv" />
        </label>
        <label>
          Or paste a JSON array of products
          <textarea name="json" rows={10} spellcheck={false} />
        </label>
        <div>
          <button type="submit">Upload</button>
        </div>
      </form>
    </>,
    status,
  );
}

/** The body and content type the API takes for what was uploaded or pasted. */
export async function uploadOf(
  file: unknown,
  pasted: string | undefined,
): Promise<{ text: string; contentType: string } | null> {
  if (file instanceof File && file.size > 0) {
    const text = await file.text();
    const csv = file.name.toLowerCase().endsWith(".csv") || file.type === "text/csv";
    return csv ? { text, contentType: "text/csv" } : { text: stripJsonComments(text), contentType: "application/json" };
  }
  if (pasted?.trim()) return { text: stripJsonComments(pasted), contentType: "application/json" };
  return null;
}

async function upload(page: PageContext) {
  const { api, c } = page;
  const body = await c.req.parseBody();
  const raw = await uploadOf(body.file, typeof body.json === "string" ? body.json : undefined);
  if (!raw) {
    return uploadForm(page, formProblem(c, "file", "is required (choose a file or paste JSON)"), 400);
  }
  const res = await api.send<{ jobId: string }>("POST", "/admin/v1/bulk-jobs", {
    raw,
    idempotencyKey: typeof body.idempotencyKey === "string" ? body.idempotencyKey : undefined,
  });
  if (!res.ok) return uploadForm(page, res.problem, res.status);
  return c.redirect(`/console/bulk/${res.body.jobId}`, 303);
}

/** The job's progress; while it runs, htmx replaces it with a fresh copy every second. */
export function Progress({ job }: { job: BulkJob }) {
  const finished = job.done + job.failed;
  const running = !TERMINAL.has(job.status);
  const url = `/console/bulk/${job.jobId}/progress`;
  return (
    <section
      id="progress"
      aria-labelledby="progress-title"
      aria-busy={running ? "true" : "false"}
      {...(running ? { "hx-get": url, "hx-trigger": "every 1s", "hx-swap": "outerHTML" } : {})}
    >
      <h2 id="progress-title">Progress</h2>
      <label>
        {finished} of {job.total} rows processed
        <progress max={Math.max(job.total, 1)} value={finished} />
      </label>
      <p role="status" data-testid="job-status">
        Status: <strong>{job.status}</strong> · {job.done} created · {job.failed} failed
      </p>
      <ListSection
        list={{ ok: true, body: { items: job.errors } }}
        caption="Rows that failed"
        head={
          <>
            <th scope="col" class="num">
              Row
            </th>
            <th scope="col">Product</th>
            <th scope="col">Code</th>
            <th scope="col">Why</th>
          </>
        }
        row={(e) => (
          <tr>
            <td class="num">{e.row}</td>
            <td>{e.ref ?? "—"}</td>
            <td>
              <code>{e.code}</code>
            </td>
            <td>{e.detail}</td>
          </tr>
        )}
      />
      <ListSection
        list={{ ok: true, body: { items: job.created } }}
        caption="Products created"
        head={
          <>
            <th scope="col" class="num">
              Row
            </th>
            <th scope="col">Product</th>
            <th scope="col">Status</th>
            <th scope="col">Warnings</th>
          </>
        }
        row={(p) => (
          <tr>
            <td class="num">{p.row}</td>
            <td>
              <a href={`/console/products/${p.productId}`}>{p.ref ?? p.productId}</a>
            </td>
            <td>{p.status}</td>
            <td>{p.warnings.join("; ") || "—"}</td>
          </tr>
        )}
      />
    </section>
  );
}

async function jobPage({ api, c, render }: PageContext) {
  const id = c.req.param("jobId") ?? "";
  const job = await api.get<BulkJob>(`/admin/v1/bulk-jobs/${encodeURIComponent(id)}`);
  if (!job.ok) return render("Bulk job", <ProblemBox problem={job.problem} />, job.status);
  return render(
    "Bulk job",
    <>
      <p>
        Job <code>{job.body.jobId}</code> ({job.body.format}), uploaded <Time value={job.body.createdAt} />.{" "}
        <a href="/console/bulk">Upload another</a>
      </p>
      <Progress job={job.body} />
    </>,
  );
}

async function progress({ api, c, fragment }: PageContext) {
  const id = c.req.param("jobId") ?? "";
  const job = await api.get<BulkJob>(`/admin/v1/bulk-jobs/${encodeURIComponent(id)}`);
  if (!job.ok) {
    return fragment(
      <section id="progress">
        <ProblemBox problem={job.problem} />
      </section>,
      job.status,
    );
  }
  return fragment(<Progress job={job.body} />);
}

export function bulkPages(register: PageRegistrar): void {
  register.get("/console/bulk", (page) => uploadForm(page));
  register.post("/console/bulk", upload);
  register.get("/console/bulk/:jobId", jobPage);
  register.get("/console/bulk/:jobId/progress", progress);
}
