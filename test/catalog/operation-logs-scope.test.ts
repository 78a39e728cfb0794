import { describe, expect, it } from "vitest";
import { newSeller, postProduct, tshirt } from "../helpers/catalog";
import { call, json } from "../helpers/http";

async function keyWith(token: string, scopes: string[]) {
  const created = await json<{ key: string }>(
    await call("POST", "/admin/v1/api-keys", { token, body: { name: `k-${scopes.join("+")}`, scopes } }),
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.key;
}

// Regression (issue #11, defect 12): the operation log answered any API key of the shop,
// whatever its scopes, while every other catalog read requires catalog:read.
describe("GET /admin/v1/operation-logs with API keys", () => {
  it("requires catalog:read of a key, like the other catalog reads", async () => {
    const seller = await newSeller();
    const product = await postProduct(seller, tshirt());
    expect(product.status).toBe(201);
    const path = `/admin/v1/operation-logs?entityType=product&entityId=${product.body.productId}`;
    const without = await json(await call("GET", path, { token: await keyWith(seller.token, ["orders:read"]) }));
    expect(without.status, JSON.stringify(without.body)).toBe(403);
    const withScope = await json<{ items: { entityId: string }[] }>(
      await call("GET", path, { token: await keyWith(seller.token, ["catalog:read"]) }),
    );
    expect(withScope.status, JSON.stringify(withScope.body)).toBe(200);
    expect(withScope.body.items.map((i) => i.entityId)).toContain(product.body.productId);
    // The seller signed in is limited by role, not scopes.
    expect((await call("GET", path, { token: seller.token })).status).toBe(200);
  });
});
