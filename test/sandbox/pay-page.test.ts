import { afterAll, describe, expect, it } from "vitest";
import { call } from "../helpers/http";
import { act, createIntent, deliveriesOf, drain, settled } from "../helpers/sandbox";

async function page(id: string): Promise<{ status: number; html: string; res: Response }> {
  const res = await call("GET", `/sandbox/pay/${encodeURIComponent(id)}`, { headers: { accept: "text/html" } });
  return { status: res.status, html: await res.text(), res };
}

/** What a browser sends when the shopper presses a button on the page. */
async function formPost(id: string, action: string): Promise<{ status: number; html: string }> {
  const res = await call("POST", `/sandbox/pay/${id}/${action}`, {
    rawBody: "",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html,application/xhtml+xml" },
  });
  return { status: res.status, html: await res.text() };
}

// Nothing may be mid-delivery when the file's runtime closes.
afterAll(drain);

describe("sandbox hosted payment page", () => {
  it("renders the amount, the pay order and three plain forms, escaping everything, with no outside assets", async () => {
    const intent = await createIntent({ amount: 12345, payOrderId: `<script>alert("x")</script>&"'` });
    const { status, html, res } = await page(intent.id);
    expect(status, html).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(html).toContain("CNY 123.45");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&quot;&#39;");
    expect(html).not.toContain("<script");
    expect(html).not.toMatch(/(?:src|href)="https?:/);
    for (const [action, label] of [
      ["succeed", "Pay"],
      ["fail", "Decline"],
      ["cancel", "Cancel"],
    ]) {
      expect(html).toMatch(
        new RegExp(`<form method="post" action="/sandbox/pay/${intent.id}/${action}"><button[^>]*>${label}</button>`),
      );
    }
  });

  it("is found by our payment id as well as by the intent id, and is an HTML 404 for neither", async () => {
    const intent = await createIntent();
    const byPayment = await page(intent.metadata.paymentId ?? "");
    expect(byPayment.status).toBe(200);
    expect(byPayment.html).toContain(intent.id);
    const missing = await page("pay_<b>nope</b>");
    expect(missing.status).toBe(404);
    expect(missing.html).toContain("pay_&lt;b&gt;nope&lt;/b&gt;");
  });

  it("answers a browser's Pay with a result page linking back to return_url, and sends the webhook", async () => {
    const intent = await createIntent();
    const paid = await formPost(intent.id, "succeed");
    expect(paid.status, paid.html).toBe(202);
    expect(paid.html).toContain("Payment succeeded");
    expect(paid.html).toContain(
      `href="https://shop.example.com/pay/return?payment_intent=${intent.id}&amp;redirect_status=succeeded"`,
    );
    const again = await formPost(intent.id, "cancel");
    expect(again.status).toBe(409);
    expect(again.html).toContain("This payment is already succeeded");
    const log = await settled(intent.id);
    expect(log.map((d) => d.eventType)).toEqual(["payment_intent.succeeded"]);
    // A final intent's page offers no buttons, only the way back.
    const after = await page(intent.id);
    expect(after.html).not.toContain("<form");
    expect(after.html).toContain("This payment is succeeded.");
  });

  it("acts on the intent when addressed by our payment id, and shows a decline with a retry", async () => {
    const intent = await createIntent();
    await act(intent.metadata.paymentId ?? "", "fail");
    const declined = await page(intent.id);
    expect(declined.html).toContain("Your card was declined.");
    expect(declined.html).toContain(`action="/sandbox/pay/${intent.id}/succeed"`);
    const log = await deliveriesOf(intent.id);
    expect(log.map((d) => d.eventType)).toEqual(["payment_intent.payment_failed"]);
  });

  it("refuses an unknown action", async () => {
    const intent = await createIntent();
    expect((await call("POST", `/sandbox/pay/${intent.id}/refund`)).status).toBe(400);
  });
});
