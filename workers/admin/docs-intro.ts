/**
 * What the admin OpenAPI document opens with: where a token comes from (a seller's or operator's
 * login, or a shop-scoped API key) and a quick start against `npm run dev` with the demo data.
 */

/** The admin document's `info.description` (CommonMark, rendered by Swagger UI). */
export const ADMIN_DESCRIPTION = `Seller and operator API: catalog, stock, orders, refunds, payments and operations.

## Where the token comes from

Every operation but \`/admin/v1/health\` takes \`Authorization: Bearer <token>\`, one of:

- **An access token** from \`POST /v1/auth/login\` (the storefront's login, same origin) as a **seller** (sees and acts
  on their own shop only; another shop's resource is 404) or an **operator** (every shop; names one with
  \`?shopId=\` where a route acts on one). It lasts 15 minutes; \`POST /v1/auth/refresh\` renews it.
- **An API key** \`sk_...\` for a seller's own systems: \`POST /admin/v1/api-keys\` \`{"name", "scopes"}\` (logged in as
  above) answers it once. It acts for its shop within its scopes (\`catalog:read\`, \`catalog:write\`,
  \`prices:write\`, \`stock:write\`, \`orders:read\`, \`orders:write\`, \`bulk:write\`); \`GET /admin/v1/whoami\` shows
  what a credential resolves to, \`DELETE /admin/v1/api-keys/{apiKeyId}\` revokes it.

In this page, press **Authorize** and paste the token; "Try it out" is pre-filled with the demo data.

## Quick start

Run the platform locally with \`npm run dev\` (everything on \`http://127.0.0.1:8787\`, demo data loaded). Demo
accounts (local dev and tests only): seller \`seller1\` / \`seller-dev-password\` (shop 1), operator \`admin\` /
\`admin-dev-password\`.

**1. Log in** as the seller (and, for the approval, as the operator):

\`\`\`sh
curl -s http://127.0.0.1:8787/v1/auth/login -H 'content-type: application/json' \\
  -d '{"username":"seller1","password":"seller-dev-password"}'
SELLER=<the accessToken from the answer>
curl -s http://127.0.0.1:8787/v1/auth/login -H 'content-type: application/json' \\
  -d '{"username":"admin","password":"admin-dev-password"}'
OPERATOR=<the accessToken from the answer>
\`\`\`

**2. Create a product** from the seed's product JSON (SPU and SKUs in one request; it starts as \`DRAFT\`). The
body is checked against the category's attribute template and every bad field is named.

\`\`\`sh
curl -s http://127.0.0.1:8787/admin/v1/products -H "authorization: Bearer $SELLER" \\
  -H 'content-type: application/json' -H 'idempotency-key: quick-start-product-1' -d '{
  "categoryId": 1003001,
  "spu": {"name": "经典圆领男士T恤", "brandId": 2001, "description": "柔软舒适，100%纯棉"},
  "basicAttributes": [
    {"attributeId": 101, "attributeName": "品牌", "value": "NIKE"},
    {"attributeId": 102, "attributeName": "材质", "value": "棉"},
    {"attributeId": 103, "attributeName": "产地", "value": "中国"},
    {"attributeId": 104, "attributeName": "袖型", "value": "短袖"}],
  "skus": [
    {"skuName": "黑色 L", "price": 79.00, "stock": 100, "salesAttributes": [
      {"attributeId": 201, "attributeName": "颜色", "value": "黑色"},
      {"attributeId": 202, "attributeName": "尺码", "value": "L"}]}]}'
\`\`\`

**3. Put it on sale**: the seller submits it, an operator approves it, the seller puts it on shelf (each answers
the product with its new \`status\`; an illegal step is 409 \`invalid_transition\`).

\`\`\`sh
curl -s -X POST http://127.0.0.1:8787/admin/v1/products/<productId>/submit -H "authorization: Bearer $SELLER"
curl -s -X POST http://127.0.0.1:8787/admin/v1/products/<productId>/approve -H "authorization: Bearer $OPERATOR"
curl -s -X POST http://127.0.0.1:8787/admin/v1/products/<productId>/on-shelf -H "authorization: Bearer $SELLER"
\`\`\`

**4. Receive stock** into the shop's default warehouse (\`set\` counts, \`delta\` receives or writes off):

\`\`\`sh
curl -s http://127.0.0.1:8787/admin/v1/skus/<skuId>/stock -H "authorization: Bearer $SELLER" \\
  -H 'content-type: application/json' -H 'idempotency-key: quick-start-stock-1' \\
  -d '{"delta": 50, "reason": "received from the supplier"}'
\`\`\`

## Conventions

- Errors are \`application/problem+json\` (RFC 9457) with a stable machine \`code\`; every operation lists the
  statuses it answers.
- \`Idempotency-Key\` is taken only where an operation documents it (creating POSTs, stock adjustments and transfers,
  image uploads, bulk jobs); API-key creation ignores it, as its answer carries the secret.
- Edits send the resource's current \`version\`; a stale one is 409 \`version_conflict\`.
- The shopper API is documented at [/docs](/docs); provider webhooks at [/webhooks/docs](/webhooks/docs).`;
