/**
 * Issue #11, defect 10 ("approved content goes live without audit"): a content edit of an audited
 * product is a pending revision; the storefront and search keep the approved content until an
 * operator approves it. Prices and stock stay immediate; DRAFT products still edit in place.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { rebuildSearchDocument } from "../../shared/catalog/indexer";
import { dbOf } from "../../shared/platform/db";
import {
  addGreyXlSku,
  newSeller,
  operatorToken,
  postProduct,
  putOnShelf,
  type Seller,
  tshirt,
} from "../helpers/catalog";
import { call, json } from "../helpers/http";

type Revision = {
  revisionId: string;
  status: string;
  reason: string | null;
  supersededBy: string | null;
  appliedVersion: number | null;
  changes: { product?: Record<string, unknown>; newSkus?: { skuId: string }[] };
};
type AdminProduct = {
  productId: string;
  name: string;
  description: string;
  status: string;
  version: number;
  skus: { skuId: string; skuName: string; version: number; price: { amount: number } | null }[];
  pendingRevision: Revision | null;
};
type Detail = {
  name: string;
  description: string;
  version: number;
  skus: { skuId: string; name: string; available: number; price: { amount: number } }[];
};

let operator: string;
beforeAll(async () => {
  operator = await operatorToken();
});

const admin = async (token: string, productId: string) =>
  json<AdminProduct>(await call("GET", `/admin/v1/products/${productId}`, { token }));
const detail = async (productId: string) => json<Detail>(await call("GET", `/v1/products/${productId}`));
const search = async (q: string) =>
  json<{ items: { productId: string; name: string }[] }>(await call("GET", `/v1/products?q=${encodeURIComponent(q)}`));
const rename = async (token: string, productId: string, version: number, name: string) =>
  json<AdminProduct>(await call("PATCH", `/admin/v1/products/${productId}`, { token, body: { version, name } }));
const decide = async (token: string, productId: string, revisionId: string, action: "approve" | "reject", body = {}) =>
  json<Revision & { code?: string }>(
    await call("POST", `/admin/v1/products/${productId}/revisions/${revisionId}/${action}`, { token, body }),
  );
const logsOf = async (token: string, productId: string) =>
  json<{ items: { operation: string; after: Record<string, unknown> | null }[] }>(
    await call("GET", `/admin/v1/operation-logs?entityType=product&entityId=${productId}`, { token }),
  );

/** A seller's fresh ON_SHELF T-shirt, named with a unique searchable word. */
async function onShelf(seller?: Seller) {
  const owner = seller ?? (await newSeller());
  const word = `Qoldname${crypto.randomUUID().slice(0, 8)}`;
  const created = await postProduct(owner, tshirt({ name: `T恤 ${word}` }));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await putOnShelf(owner, created.body.productId);
  const product = await admin(owner.token, created.body.productId);
  return { seller: owner, productId: created.body.productId, word, product: product.body };
}

describe("content edits of audited products", () => {
  it("keeps a renamed ON_SHELF product's old name on the storefront and in search until an operator approves", async () => {
    const { seller, productId, word, product } = await onShelf();
    const before = await detail(productId);
    expect(before.body.name).toBe(`T恤 ${word}`);
    const newWord = `Qnewname${crypto.randomUUID().slice(0, 8)}`;

    const edited = await rename(seller.token, productId, product.version, `T恤 ${newWord}`);
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.pendingRevision).toMatchObject({
      revisionId: expect.stringMatching(/^rev_/),
      status: "PENDING",
    });
    expect(edited.body).toMatchObject({ name: `T恤 ${word}`, version: product.version });
    const revisionId = edited.body.pendingRevision?.revisionId as string;

    // The storefront and search are unchanged, even after a re-index of the product.
    await rebuildSearchDocument(dbOf(env.DB), productId, Date.now());
    expect((await detail(productId)).body).toMatchObject({ name: `T恤 ${word}`, version: before.body.version });
    expect((await search(newWord)).body.items).toEqual([]);
    expect((await search(word)).body.items.map((i) => i.productId)).toEqual([productId]);
    // The seller sees what waits for approval.
    const seen = await admin(seller.token, productId);
    expect(seen.body.pendingRevision).toMatchObject({
      revisionId,
      status: "PENDING",
      changes: { product: { name: `T恤 ${newWord}` } },
    });

    const approved = await decide(operator, productId, revisionId, "approve", { reason: "looks right" });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ status: "APPROVED", appliedVersion: product.version + 1 });

    const live = await call("GET", `/v1/products/${productId}`);
    expect(live.headers.get("x-cache")).toBe("MISS");
    expect(await live.json()).toMatchObject({ name: `T恤 ${newWord}`, version: product.version + 1 });
    await vi.waitUntil(async () => (await search(newWord)).body.items.length === 1, { timeout: 10_000, interval: 100 });
    expect((await search(word)).body.items).toEqual([]);
    expect((await admin(seller.token, productId)).body).toMatchObject({ pendingRevision: null, status: "ON_SHELF" });

    const snapshots = await json<{ items: { version: number; content: { name: string } }[] }>(
      await call("GET", `/admin/v1/products/${productId}/snapshots`, { token: seller.token }),
    );
    expect(snapshots.body.items[0]).toMatchObject({
      version: product.version + 1,
      content: { name: `T恤 ${newWord}` },
    });
    const logs = await logsOf(seller.token, productId);
    expect(logs.body.items.slice(0, 2).map((l) => l.operation)).toEqual(["revision.approve", "revision.propose"]);
    expect(logs.body.items[0]?.after).toMatchObject({ revisionId, reason: "looks right" });
  });

  it("keeps the old content after a rejection and records the reason", async () => {
    const { seller, productId, word, product } = await onShelf();
    const edited = await call("PATCH", `/admin/v1/products/${productId}`, {
      token: seller.token,
      body: { version: product.version, description: "全新描述", images: ["https://example.com/new.png"] },
    });
    const revisionId = ((await edited.json()) as AdminProduct).pendingRevision?.revisionId as string;

    const noReason = await decide(operator, productId, revisionId, "reject", {});
    expect(noReason.status, JSON.stringify(noReason.body)).toBe(400);
    const rejected = await decide(operator, productId, revisionId, "reject", { reason: "图片不符合规范" });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(rejected.body).toMatchObject({ status: "REJECTED", reason: "图片不符合规范", appliedVersion: null });

    expect((await detail(productId)).body).toMatchObject({ name: `T恤 ${word}`, description: "test" });
    expect((await admin(seller.token, productId)).body).toMatchObject({
      pendingRevision: null,
      version: product.version,
    });
    const listed = await json<{ items: Revision[] }>(
      await call("GET", `/admin/v1/products/${productId}/revisions`, { token: seller.token }),
    );
    expect(listed.body.items.map((r) => [r.revisionId, r.status, r.reason])).toEqual([
      [revisionId, "REJECTED", "图片不符合规范"],
    ]);
    expect((await logsOf(seller.token, productId)).body.items[0]).toMatchObject({
      operation: "revision.reject",
      after: { revisionId, reason: "图片不符合规范" },
    });
    // A decided revision cannot be decided again.
    const again = await decide(operator, productId, revisionId, "approve");
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: "invalid_transition", currentStatus: "REJECTED" });
  });

  it("changes an ON_SHELF product's price at once, without a revision", async () => {
    const { seller, productId, product } = await onShelf();
    const skuId = product.skus[0]?.skuId as string;
    const repriced = await call("PUT", `/admin/v1/skus/${skuId}/prices`, {
      token: seller.token,
      body: { prices: [{ type: "standard", price: { amount: 4200, currency: "CNY" } }] },
    });
    expect(repriced.status).toBe(200);
    expect((await detail(productId)).body.skus.find((s) => s.skuId === skuId)?.price.amount).toBe(4200);
    expect((await admin(seller.token, productId)).body.pendingRevision).toBeNull();
  });

  it("adds a SKU to an ON_SHELF product through a revision, created with its price and stock on approval", async () => {
    const { seller, productId, product } = await onShelf();
    const added = await addGreyXlSku<AdminProduct>(seller, productId, product.version, {
      skuName: "灰色 XL",
      price: "99.90",
      stock: 7,
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.product.skus).toHaveLength(2);
    expect(added.body.product.pendingRevision?.changes.newSkus?.map((s) => s.skuId)).toEqual([added.body.skuId]);
    expect((await detail(productId)).body.skus).toHaveLength(2);
    expect((await call("GET", `/admin/v1/skus/${added.body.skuId}/stock`, { token: seller.token })).status).toBe(404);

    const revisionId = added.body.product.pendingRevision?.revisionId as string;
    expect((await decide(operator, productId, revisionId, "approve")).status).toBe(200);
    const live = await detail(productId);
    expect(live.body.skus.find((s) => s.skuId === added.body.skuId)).toMatchObject({
      name: "灰色 XL",
      price: { amount: 9990 },
      available: 7,
    });
  });

  it("edits a SKU that waits in the pending revision, and only its own seller may", async () => {
    const { seller, productId, product } = await onShelf();
    const added = await addGreyXlSku<AdminProduct>(seller, productId, product.version, {
      skuName: "灰色 XL 错字",
      price: 99,
      stock: 3,
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    const { skuId } = added.body;
    const other = await newSeller();
    const patch = async (token: string, version: number) =>
      json<AdminProduct>(
        await call("PATCH", `/admin/v1/skus/${skuId}`, { token, body: { version, skuName: "灰色 XL" } }),
      );
    expect((await patch(other.token, 1)).status).toBe(404);
    expect((await patch(seller.token, 2)).body).toMatchObject({ code: "version_conflict" });
    const edited = await patch(seller.token, 1);
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.pendingRevision?.changes.newSkus).toEqual([
      expect.objectContaining({ skuId, skuName: "灰色 XL", stock: 3 }),
    ]);
    expect(
      (await decide(operator, productId, edited.body.pendingRevision?.revisionId as string, "approve")).status,
    ).toBe(200);
    expect((await detail(productId)).body.skus.find((s) => s.skuId === skuId)).toMatchObject({
      name: "灰色 XL",
      available: 3,
    });
  });

  it("supersedes a pending revision with one carrying both edits, and applies both on approval", async () => {
    const { seller, productId, product } = await onShelf();
    const skuId = product.skus[0]?.skuId as string;
    const first = await rename(seller.token, productId, product.version, "第一版名字");
    const firstId = first.body.pendingRevision?.revisionId as string;
    const second = await json<AdminProduct>(
      await call("PATCH", `/admin/v1/skus/${skuId}`, {
        token: seller.token,
        body: { version: product.skus[0]?.version, skuName: "曜石黑 L" },
      }),
    );
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    const secondId = second.body.pendingRevision?.revisionId as string;
    expect(secondId).not.toBe(firstId);
    expect(second.body.pendingRevision?.changes).toMatchObject({
      product: { name: "第一版名字" },
      skus: { [skuId]: { skuName: "曜石黑 L" } },
    });
    const listed = await json<{ items: Revision[] }>(
      await call("GET", `/admin/v1/products/${productId}/revisions`, { token: seller.token }),
    );
    expect(listed.body.items.map((r) => [r.revisionId, r.status, r.supersededBy])).toEqual([
      [secondId, "PENDING", null],
      [firstId, "SUPERSEDED", secondId],
    ]);
    expect((await decide(operator, productId, firstId, "approve")).body).toMatchObject({
      code: "invalid_transition",
      currentStatus: "SUPERSEDED",
    });
    expect((await decide(operator, productId, secondId, "approve")).status).toBe(200);
    const live = await detail(productId);
    expect(live.body.name).toBe("第一版名字");
    expect(live.body.skus.find((s) => s.skuId === skuId)?.name).toBe("曜石黑 L");
  });

  it("lets two edits proposed at once leave exactly one pending revision", async () => {
    const { seller, productId, product } = await onShelf();
    const results = await Promise.all(
      ["并发一", "并发二", "并发三"].map((name) => rename(seller.token, productId, product.version, name)),
    );
    for (const r of results) {
      if (r.status !== 200) expect(r.body, JSON.stringify(r.body)).toMatchObject({ code: "version_conflict" });
    }
    expect(results.some((r) => r.status === 200)).toBe(true);
    const listed = await json<{ items: Revision[] }>(
      await call("GET", `/admin/v1/products/${productId}/revisions`, { token: seller.token }),
    );
    expect(listed.body.items.filter((r) => r.status === "PENDING")).toHaveLength(1);
    expect(listed.body.items).toHaveLength(results.filter((r) => r.status === 200).length);
  });

  it("rebases on approval: a status change meanwhile keeps the status and still applies the edit", async () => {
    const { seller, productId, product } = await onShelf();
    const edited = await rename(seller.token, productId, product.version, "下架后批准");
    const revisionId = edited.body.pendingRevision?.revisionId as string;
    expect(
      (await call("POST", `/admin/v1/products/${productId}/off-shelf`, { token: seller.token, body: {} })).status,
    ).toBe(200);
    const approved = await decide(operator, productId, revisionId, "approve");
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect((await admin(seller.token, productId)).body).toMatchObject({
      name: "下架后批准",
      status: "OFF_SHELF",
      version: product.version + 2,
    });
  });

  it("answers 409 revision_outdated when the changes no longer fit the category, and keeps the revision pending", async () => {
    const category = await json<{ id: number }>(
      await call("POST", "/admin/v1/categories", {
        token: operator,
        body: { parentId: 1003, name: `改版类目 ${crypto.randomUUID().slice(0, 8)}` },
      }),
    );
    const template = (withBrand: boolean) =>
      call("PUT", `/admin/v1/categories/${category.body.id}/attributes`, {
        token: operator,
        body: {
          attributes: [
            ...(withBrand ? [{ attributeId: 101, kind: "basic" }] : []),
            { attributeId: 201, kind: "sales" },
            { attributeId: 202, kind: "sales" },
          ],
        },
      });
    expect((await template(true)).status).toBe(200);
    const seller = await newSeller();
    const created = await postProduct(seller, {
      ...tshirt(),
      categoryId: category.body.id,
      basicAttributes: [],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { productId } = created.body;
    await putOnShelf(seller, productId);
    const product = await admin(seller.token, productId);
    const edited = await json<AdminProduct>(
      await call("PATCH", `/admin/v1/products/${productId}`, {
        token: seller.token,
        body: { version: product.body.version, basicAttributes: [{ attributeId: 101, value: "NIKE" }] },
      }),
    );
    const revisionId = edited.body.pendingRevision?.revisionId as string;
    expect(revisionId).toMatch(/^rev_/);

    expect((await template(false)).status).toBe(200);
    const approved = await decide(operator, productId, revisionId, "approve");
    expect(approved.status, JSON.stringify(approved.body)).toBe(409);
    expect(approved.body).toMatchObject({
      code: "revision_outdated",
      productId,
      revisionId,
      detail: expect.stringContaining(revisionId),
      errors: [expect.objectContaining({ field: "basicAttributes.0.attributeId" })],
    });
    expect((await admin(seller.token, productId)).body).toMatchObject({
      version: product.body.version,
      pendingRevision: { revisionId, status: "PENDING" },
    });
  });

  it("answers 409 revision_outdated, not 500, for a stored revision that today's rules refuse; a new edit replaces it", async () => {
    const { seller, productId, product } = await onShelf();
    const revisionId = (await rename(seller.token, productId, product.version, "旧规则")).body.pendingRevision
      ?.revisionId as string;
    // As if proposed before image URLs had to be https: the stored changes no longer parse.
    await env.DB.prepare("update product_revisions set changes = ? where id = ?")
      .bind(JSON.stringify({ product: { images: ["javascript:alert(1)"] } }), revisionId)
      .run();
    const approved = await decide(operator, productId, revisionId, "approve");
    expect(approved.status, JSON.stringify(approved.body)).toBe(409);
    expect(approved.body).toMatchObject({ code: "revision_outdated", productId, revisionId });

    const replaced = await rename(seller.token, productId, product.version, "新规则");
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect(replaced.body.pendingRevision?.changes).toEqual({ product: { name: "新规则" } });
    expect(
      (await decide(operator, productId, replaced.body.pendingRevision?.revisionId as string, "approve")).status,
    ).toBe(200);
    expect((await detail(productId)).body.name).toBe("新规则");
  });

  it("refuses to approve a revision of a frozen product", async () => {
    const { seller, productId, product } = await onShelf();
    const revisionId = (await rename(seller.token, productId, product.version, "冻结中")).body.pendingRevision
      ?.revisionId as string;
    const frozen = await call("POST", `/admin/v1/products/${productId}/freeze`, {
      token: operator,
      body: { reason: "投诉" },
    });
    expect(frozen.status).toBe(200);
    const approved = await decide(operator, productId, revisionId, "approve");
    expect(approved.status).toBe(409);
    expect(approved.body).toMatchObject({ code: "invalid_transition", currentStatus: "FROZEN" });
  });

  it("makes no revision of an edit that names no field", async () => {
    const { seller, productId, product } = await onShelf();
    const edited = await json<AdminProduct>(
      await call("PATCH", `/admin/v1/products/${productId}`, {
        token: seller.token,
        body: { version: product.version },
      }),
    );
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ pendingRevision: null, version: product.version });
    const listed = await json<{ items: Revision[] }>(
      await call("GET", `/admin/v1/products/${productId}/revisions`, { token: seller.token }),
    );
    expect(listed.body.items).toEqual([]);
  });

  it("still edits a DRAFT product in place", async () => {
    const seller = await newSeller();
    const created = await postProduct(seller, tshirt());
    const edited = await rename(seller.token, created.body.productId, 1, "草稿改名");
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ name: "草稿改名", version: 2, pendingRevision: null });
  });
});

describe("who may see and decide revisions", () => {
  it("refuses a seller approving or rejecting its own revision (403), and shows another shop's seller nothing (404)", async () => {
    const { seller, productId, product } = await onShelf();
    const revisionId = (await rename(seller.token, productId, product.version, "自己批准")).body.pendingRevision
      ?.revisionId as string;
    expect((await decide(seller.token, productId, revisionId, "approve")).status).toBe(403);
    expect((await decide(seller.token, productId, revisionId, "reject", { reason: "no" })).status).toBe(403);

    const other = await newSeller();
    expect((await call("GET", `/admin/v1/products/${productId}/revisions`, { token: other.token })).status).toBe(404);
    expect((await admin(other.token, productId)).status).toBe(404);
    expect((await rename(other.token, productId, product.version, "别人的")).status).toBe(404);

    // A revision id under another product is not found either.
    const elsewhere = await onShelf(seller);
    expect((await decide(operator, elsewhere.productId, revisionId, "approve")).status).toBe(404);
    expect((await admin(seller.token, productId)).body.pendingRevision).toMatchObject({
      revisionId,
      status: "PENDING",
    });
    expect((await detail(productId)).body.name).not.toBe("自己批准");
  });
});
