/**
 * The operators' revision queue (GET /admin/v1/revisions, the console's audit queue): pending
 * revisions of every shop's products, newest first and paged; a decided one leaves it; sellers
 * and API keys cannot read it.
 */
import { describe, expect, it } from "vitest";
import {
  approvePendingRevision,
  newSeller,
  operatorToken,
  postProduct,
  putOnShelf,
  type Seller,
  tshirt,
} from "../helpers/catalog";
import { call, json } from "../helpers/http";

type Revision = { revisionId: string; productId: string; status: string; changes: { product?: { name?: string } } };
type Page = { items: Revision[]; nextCursor: string | null };

/** An on-shelf product of `seller` with a pending rename, and the new name. */
async function pendingRename(seller: Seller): Promise<{ productId: string; name: string }> {
  const created = await postProduct(seller, tshirt());
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const productId = created.body.productId;
  await putOnShelf(seller, productId);
  const current = await json<{ version: number }>(
    await call("GET", `/admin/v1/products/${productId}`, { token: seller.token }),
  );
  const name = `改名 ${productId.slice(-6)}`;
  const edited = await json<{ pendingRevision: unknown }>(
    await call("PATCH", `/admin/v1/products/${productId}`, {
      token: seller.token,
      body: { version: current.body.version, name },
    }),
  );
  expect(edited.status, JSON.stringify(edited.body)).toBe(200);
  expect(edited.body.pendingRevision).not.toBeNull();
  return { productId, name };
}

describe("GET /admin/v1/revisions", () => {
  it("lists every shop's pending revisions, newest first, page by page, until each is decided", async () => {
    const [a, b] = [await newSeller(), await newSeller()];
    const first = await pendingRename(a);
    const second = await pendingRename(b);
    const operator = await operatorToken();

    const page1 = await json<Page>(await call("GET", "/admin/v1/revisions?limit=1", { token: operator }));
    expect(page1.status, JSON.stringify(page1.body)).toBe(200);
    expect(page1.body.items.map((r) => r.productId)).toEqual([second.productId]);
    expect(page1.body.items[0]).toMatchObject({ status: "PENDING", changes: { product: { name: second.name } } });
    const page2 = await json<Page>(
      await call("GET", `/admin/v1/revisions?limit=1&cursor=${encodeURIComponent(page1.body.nextCursor ?? "")}`, {
        token: operator,
      }),
    );
    expect(page2.body.items.map((r) => r.productId)).toEqual([first.productId]);

    await approvePendingRevision(second.productId);
    const after = await json<Page>(await call("GET", "/admin/v1/revisions", { token: operator }));
    expect(after.body.items.map((r) => r.productId)).toEqual([first.productId]);
    const approved = await json<Page>(await call("GET", "/admin/v1/revisions?status=APPROVED", { token: operator }));
    expect(approved.body.items.map((r) => r.productId)).toEqual([second.productId]);
  });

  it("is for operators only", async () => {
    const seller = await newSeller();
    await pendingRename(seller);
    const res = await call("GET", "/admin/v1/revisions", { token: seller.token });
    expect(res.status).toBe(403);
    expect((await call("GET", "/admin/v1/revisions?status=MAYBE", { token: await operatorToken() })).status).toBe(400);
  });
});
