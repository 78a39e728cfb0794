/**
 * The hosted payment page and its result pages: small, self-contained HTML (no scripts, no external
 * assets) with plain forms. Every value is interpolated through hono/html's `html`, which escapes
 * it, and the return link is an http(s) URL (the API refuses any other at creation).
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { CURRENCY_EXPONENTS, type Currency } from "../../shared/platform/money";
import type { PaymentIntentView } from "../../shared/sandbox/schemas";

/** No scripts, no outside resources; forms post only to the sandbox itself. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'";

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; background: #f4f5f7; margin: 0; }
  main { max-width: 26rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 8px; }
  .amount { font-size: 2rem; font-weight: 600; margin: 0.5rem 0 1rem; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 0.25rem 1rem; color: #444; }
  dd { margin: 0; word-break: break-all; }
  .actions { display: flex; gap: 0.5rem; margin-top: 1.5rem; }
  button { font: inherit; padding: 0.5rem 1rem; border-radius: 6px; border: 1px solid #999; background: #fff; cursor: pointer; }
  .pay { background: #1a7f37; border-color: #1a7f37; color: #fff; }
  .error { color: #b42318; }
  .note { color: #666; font-size: 0.85rem; }
`;

/** `7900` CNY as `CNY 79.00`, in integers (never floating point). */
export function formatAmount(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  const exponent = CURRENCY_EXPONENTS[code as Currency] ?? 2;
  if (exponent === 0) return `${code} ${amount}`;
  const scale = 10 ** exponent;
  const fraction = String(amount % scale).padStart(exponent, "0");
  return `${code} ${Math.floor(amount / scale)}.${fraction}`;
}

/** Where the shopper goes back to, with Stripe's `payment_intent` and `redirect_status`. */
export function returnLink(intent: PaymentIntentView): string {
  const url = new URL(intent.return_url);
  url.searchParams.set("payment_intent", intent.id);
  const status = intent.status === "succeeded" ? "succeeded" : intent.status === "canceled" ? "canceled" : "failed";
  url.searchParams.set("redirect_status", status);
  return url.toString();
}

function layout(title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>) {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <title>${title}</title>
    <style>${raw(STYLE)}</style>
  </head>
  <body>
    <main>${body}</main>
  </body>
</html>`;
}

function details(intent: PaymentIntentView) {
  return html`<p class="amount">${formatAmount(intent.amount, intent.currency)}</p>
    <dl>
      <dt>Pay order</dt>
      <dd>${intent.metadata.payOrderId ?? ""}</dd>
      <dt>Payment</dt>
      <dd>${intent.metadata.paymentId ?? ""}</dd>
      <dt>Intent</dt>
      <dd>${intent.id}</dd>
      <dt>Status</dt>
      <dd>${intent.status}</dd>
    </dl>`;
}

/** The hosted page: the amount, the pay order, and Pay / Decline / Cancel while the intent is open. */
export function payPage(intent: PaymentIntentView) {
  const open = intent.status === "requires_action" || intent.status === "requires_payment_method";
  const base = `/sandbox/pay/${encodeURIComponent(intent.id)}`;
  const actions = open
    ? html`<div class="actions">
        <form method="post" action="${base}/succeed"><button class="pay" type="submit">Pay</button></form>
        <form method="post" action="${base}/fail"><button type="submit">Decline</button></form>
        <form method="post" action="${base}/cancel"><button type="submit">Cancel</button></form>
      </div>`
    : html`<p>This payment is ${intent.status}.</p>
        <p><a href="${returnLink(intent)}">Return to the shop</a></p>`;
  const declined = intent.last_payment_error
    ? html`<p class="error">${intent.last_payment_error.message} Try again.</p>`
    : "";
  return layout(
    "Sandbox payment",
    html`<h1>Sandbox payment</h1>
      ${details(intent)} ${declined} ${actions}
      <p class="note">Sandbox provider: no real money moves.</p>`,
  );
}

const OUTCOME_TITLES: Record<PaymentIntentView["status"], string> = {
  succeeded: "Payment succeeded",
  requires_payment_method: "Payment declined",
  canceled: "Payment canceled",
  requires_action: "Payment pending",
};

/** The page a browser sees after acting on the hosted page (or acting too late: `conflict`). */
export function resultPage(intent: PaymentIntentView, conflict: boolean) {
  const title = conflict ? `This payment is already ${intent.status}` : OUTCOME_TITLES[intent.status];
  const retry =
    intent.status === "requires_payment_method"
      ? html`<p><a href="/sandbox/pay/${encodeURIComponent(intent.id)}">Try again</a></p>`
      : "";
  return layout(
    title,
    html`<h1>${title}</h1>
      ${details(intent)} ${retry}
      <p><a href="${returnLink(intent)}">Return to the shop</a></p>`,
  );
}

/** The page for an intent the sandbox does not know. */
export function notFoundPage(id: string) {
  return layout("Payment not found", html`<h1>Payment not found</h1><p>No sandbox payment ${id}.</p>`);
}
