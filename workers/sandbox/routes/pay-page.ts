/**
 * The hosted payment page, `/sandbox/pay/:id` (the intent's id, or our payment id from its
 * metadata), and the shopper's actions on it. An action answers 202 `{id, status}` to an API
 * caller, or a result page to a browser's form post; the webhook follows asynchronously. Acting on
 * a succeeded or canceled intent is a 409 with its status, and sends nothing.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { errorResponses } from "../../../shared/platform/openapi";
import { INTENT_STATUSES } from "../../../shared/sandbox/schemas";
import { providerOf, type SandboxApp, type SandboxHonoEnv } from "../app-env";
import { notFoundPage, PAGE_CSP, payPage, resultPage } from "../pay-page-html";

const idParam = z.object({ id: z.string().min(1).max(255) });
const htmlResponse = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });
/** JSON for API callers, a page for browsers. */
const jsonOrHtml = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { "application/json": { schema }, "text/html": { schema: z.string() } },
});
const actionAnswer = z.object({ id: z.string(), status: z.enum(INTENT_STATUSES) });

const page = createRoute({
  method: "get",
  path: "/sandbox/pay/{id}",
  tags: ["sandbox payments"],
  summary: "The hosted payment page (HTML): amount, pay order, Pay / Decline / Cancel",
  request: { params: idParam },
  responses: { 200: htmlResponse("The page"), 404: htmlResponse("No such intent") },
});

const act = createRoute({
  method: "post",
  path: "/sandbox/pay/{id}/{action}",
  tags: ["sandbox payments"],
  summary: "Pay (succeed), decline (fail) or cancel; the signed payment_intent.* webhook follows",
  request: { params: idParam.extend({ action: z.enum(["succeed", "fail", "cancel"]) }) },
  responses: {
    202: jsonOrHtml(actionAnswer, "Done; the webhook is on its way (a browser gets a result page)"),
    404: jsonOrHtml(z.object({ error: z.string() }), "No such intent"),
    409: jsonOrHtml(
      actionAnswer.extend({ error: z.literal("payment_intent_unexpected_state") }),
      "The intent is already succeeded or canceled; nothing was sent",
    ),
    ...errorResponses(400),
  },
});

/** A browser's form post (or anything asking for HTML) gets pages, an API caller JSON. */
function wantsHtml(c: Context<SandboxHonoEnv>): boolean {
  const type = c.req.header("content-type") ?? "";
  return (
    /text\/html/.test(c.req.header("accept") ?? "") ||
    type.startsWith("application/x-www-form-urlencoded") ||
    type.startsWith("multipart/form-data")
  );
}

export function registerPayPageRoutes(app: SandboxApp): void {
  app.openapi(page, async (c) => {
    c.header("content-security-policy", PAGE_CSP);
    const { id } = c.req.valid("param");
    const intent = await providerOf(c.env).pageIntent(id);
    if (!intent) return c.html(notFoundPage(id), 404);
    return c.html(payPage(intent), 200);
  });

  app.openapi(act, async (c) => {
    const { id, action } = c.req.valid("param");
    const result = await providerOf(c.env).act(id, action);
    if (wantsHtml(c)) {
      c.header("content-security-policy", PAGE_CSP);
      if (!result.ok && result.status === 404) return c.html(notFoundPage(id), 404);
      return c.html(resultPage(result.intent, !result.ok), result.ok ? 202 : 409);
    }
    if (result.ok) return c.json({ id: result.intent.id, status: result.intent.status }, 202);
    if (result.status === 404) return c.json({ error: `No such payment_intent: '${id}'` }, 404);
    const { intent } = result;
    return c.json({ id: intent.id, status: intent.status, error: "payment_intent_unexpected_state" as const }, 409);
  });
}
