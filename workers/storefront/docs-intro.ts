/**
 * What the storefront's OpenAPI document opens with: a quick start against `npm run dev` with the
 * demo data (db/seed), so a newcomer's first calls work as written. The demo ids below are the
 * seed's (shopper1's address, the seed catalog's NIKE T-shirt SKU, on shelf); test/e2e/openapi-docs.test.ts
 * sends these examples to the platform.
 */

/** The demo SKU (NIKE 经典纯棉T恤, 白色 M, shop 1, on shelf) the examples order. */
export const DEMO_SKU_ID = "sku_00000000000000000000001007";
/** Its product. */
export const DEMO_PRODUCT_ID = "spu_00000000000000000000001004";
/** shopper1's address in the demo data. */
export const DEMO_ADDRESS_ID = "adr_00000000000000000000000001";

/** The storefront document's `info.description` (CommonMark, rendered by Swagger UI). */
export const STOREFRONT_DESCRIPTION = `The public API for shoppers: catalog, search, cart, checkout, orders, account and payment.

## Quick start

Run the platform locally with \`npm run dev\` (everything on \`http://127.0.0.1:8787\`, demo data loaded).
The demo accounts exist only in local dev and tests: shopper \`shopper1\` / \`shopper-dev-password\`.

**1. Log in** (\`POST /v1/auth/login\`) and keep the access token (valid 15 minutes; \`POST /v1/auth/refresh\` renews it).
In this page, press **Authorize** and paste the \`accessToken\`; every "Try it out" below is pre-filled with
the demo data.

\`\`\`sh
curl -s http://127.0.0.1:8787/v1/auth/login -H 'content-type: application/json' \\
  -d '{"username":"shopper1","password":"shopper-dev-password"}'
TOKEN=<the accessToken from the answer>
\`\`\`

**2. Find a product** (full text, Chinese without spaces; no login needed):

\`\`\`sh
curl -s --get http://127.0.0.1:8787/v1/products --data-urlencode 'q=T恤' --data-urlencode 'sort=price_asc'
curl -s http://127.0.0.1:8787/v1/products/${DEMO_PRODUCT_ID}
\`\`\`

**3. Order it**: one order per seller, stock held until paid (\`POST /v1/checkout/quote\` first prices it and
answers a \`quoteToken\` you may send instead). \`Idempotency-Key\` makes a retry safe.

\`\`\`sh
curl -s http://127.0.0.1:8787/v1/orders -H "authorization: Bearer $TOKEN" \\
  -H 'content-type: application/json' -H 'idempotency-key: quick-start-order-1' \\
  -d '{"items":[{"skuId":"${DEMO_SKU_ID}","quantity":1}],"addressId":"${DEMO_ADDRESS_ID}"}'
\`\`\`

**4. Pay it** with the sandbox provider: the answer's \`redirectUrl\` is the sandbox's hosted page
(\`/sandbox/pay/{paymentId}\`, local dev only); paying there sends the signed webhook, and the pay order turns \`PAID\`.

\`\`\`sh
curl -s http://127.0.0.1:8787/v1/pay-orders/<payOrderId>/pay -H "authorization: Bearer $TOKEN" \\
  -H 'content-type: application/json' -d '{"method":"sandbox"}'
curl -s http://127.0.0.1:8787/v1/pay-orders/<payOrderId> -H "authorization: Bearer $TOKEN"
\`\`\`

## Conventions

- Errors are \`application/problem+json\` (RFC 9457) with a stable machine \`code\`; \`validation_failed\` names each
  bad field in \`errors[]\`. Every operation lists the statuses it answers.
- \`Idempotency-Key\` is taken only where an operation documents it: the same key and body replay the first answer
  (\`Idempotent-Replayed: true\`), another body is 422 \`idempotency_conflict\`, one still running is 409
  \`idempotency_in_progress\`.
- Money is \`{"amount": <integer minor units>, "currency": "CNY"}\`. Lists take \`?limit=\` and \`?cursor=\` and answer
  \`nextCursor\`. Every answer carries \`X-Request-Id\` (the problem's \`instance\`).
- Sellers and operators: the admin API is documented at [/admin/docs](/admin/docs); provider webhooks at
  [/webhooks/docs](/webhooks/docs).`;
