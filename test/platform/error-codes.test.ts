/**
 * One code per cause (issue #19): every code a problem answer may carry is in ERROR_CODES and
 * listed, with its status, in each served OpenAPI document; domain code throws a specific code,
 * never a generic one; refusals name their subject; and validation messages say what was expected.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "../../shared/platform/errors";
import { fieldErrorsOf, invalidFields, oneOf } from "../../shared/platform/validation";
import { newSeller, operatorToken, postProduct, tshirt } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { newShopper } from "../helpers/orders";

declare global {
  interface ImportMeta {
    /** Vite's import.meta.glob (see vite/client's types), with `?raw`: each file's text by path. */
    glob<T>(patterns: string[], options: { query: "?raw"; import: "default"; eager: true }): Record<string, T>;
  }
}

const DOCUMENTS = ["/openapi.json", "/admin/openapi.json", "/webhooks/openapi.json"];
const CODES = Object.keys(ERROR_CODES) as ErrorCode[];
/** Codes API.md (the team's contract) names; each must be in the table with this status. */
const API_MD_CODES: Record<string, number> = {
  out_of_stock: 409,
  price_changed: 409,
  invalid_transition: 409,
  idempotency_conflict: 422,
  validation_failed: 400,
  username_taken: 409,
  weak_password: 400,
  invalid_credentials: 401,
  account_locked: 423,
  voucher_not_applicable: 422,
  payment_in_progress: 409,
  already_paid: 409,
  pay_order_expired: 409,
  refund_exceeds_paid: 409,
  used_up: 409,
  per_user_limit: 409,
  voucher_exhausted: 409,
  proof_required: 403,
  sold_out: 409,
  limit_reached: 429,
  not_started: 403,
  ended: 403,
  already_reviewed: 409,
  tracking_number_taken: 409,
  insufficient_stock: 409,
  feature_disabled: 503,
  invalid_signature: 400,
};
/** Generic codes kept so no published code goes away; only the kernel may answer one (bad_request). */
const GENERIC: Partial<Record<ErrorCode, string[]>> = {
  bad_request: ["shared/platform/app.ts"],
  conflict: [],
  unprocessable: [],
};

type Schema = { $ref?: string; enum?: string[]; description?: string; properties?: Record<string, Schema> };
type Document = {
  info: { description?: string };
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>
  >;
  components: {
    schemas: Record<string, Schema & { "x-error-codes"?: Record<string, { status: number; title: string }> }>;
  };
};

async function documentAt(path: string): Promise<Document> {
  const res = await json<Document>(await call("GET", path));
  expect(res.status, path).toBe(200);
  return res.body;
}

/** The source of every module a Worker runs, by path from the project root. */
function sources(): Record<string, string> {
  const modules = import.meta.glob<string>(
    ["../../shared/**/*.ts", "../../workers/**/*.ts", "../../durable-objects/**/*.ts"],
    { query: "?raw", import: "default", eager: true },
  );
  return Object.fromEntries(Object.entries(modules).map(([path, text]) => [path.replace(/^(\.\.\/)+/, ""), text]));
}

describe("every problem code is listed with its status in the docs", () => {
  for (const path of DOCUMENTS) {
    it(`${path}: the Problem schema's code enum is exactly the table, with each status and meaning`, async () => {
      const doc = await documentAt(path);
      const problem = doc.components.schemas.Problem;
      const code = problem?.properties?.code;
      expect([...(code?.enum ?? [])].sort()).toEqual([...CODES].sort());
      expect(problem?.["x-error-codes"]).toEqual(
        Object.fromEntries(CODES.map((c) => [c, { status: ERROR_CODES[c].status, title: ERROR_CODES[c].title }])),
      );
      for (const c of CODES) expect(code?.description).toContain(`| \`${c}\` | ${ERROR_CODES[c].status} |`);
    });

    it(`${path}: the document's description lists every code with its status`, async () => {
      const { info } = await documentAt(path);
      expect(info.description).toContain("## Error codes");
      const listed = [...(info.description ?? "").matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [
        m[1],
        Number(m[2]),
      ]);
      expect(Object.fromEntries(listed)).toEqual(Object.fromEntries(CODES.map((c) => [c, ERROR_CODES[c].status])));
    });

    it(`${path}: every problem answer an operation declares is the Problem schema, for a status some code has`, async () => {
      const doc = await documentAt(path);
      const statuses = new Set<number>(CODES.map((c) => ERROR_CODES[c].status));
      const wrong: string[] = [];
      for (const [route, methods] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(methods)) {
          for (const [status, response] of Object.entries(operation.responses ?? {})) {
            const problem = response.content?.["application/problem+json"];
            if (!problem) continue;
            const where = `${method.toUpperCase()} ${route} ${status}`;
            if (problem.schema?.$ref !== "#/components/schemas/Problem") wrong.push(`${where}: not the Problem schema`);
            if (!statuses.has(Number(status))) wrong.push(`${where}: no code has status ${status}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  it("has every code API.md names, with the status API.md gives it", () => {
    const table = Object.fromEntries(Object.keys(API_MD_CODES).map((c) => [c, ERROR_CODES[c as ErrorCode]?.status]));
    expect(table).toEqual(API_MD_CODES);
  });

  it("throws only codes of the table, and no generic code outside the kernel", () => {
    const thrown: string[] = [];
    const generic: string[] = [];
    for (const [file, text] of Object.entries(sources())) {
      for (const m of text.matchAll(/new AppError\(\s*"([a-z_]+)"/g)) {
        const code = m[1] as ErrorCode;
        if (!(code in ERROR_CODES)) thrown.push(`${file}: ${code}`);
        const allowed = GENERIC[code];
        if (allowed && !allowed.includes(file)) generic.push(`${file}: ${code}`);
      }
    }
    expect(Object.keys(sources()).length).toBeGreaterThan(50);
    expect(thrown, "codes missing from ERROR_CODES").toEqual([]);
    expect(generic, "throw a specific code (add it to ERROR_CODES) instead").toEqual([]);
  });
});

describe("refusals name their subject", () => {
  it("a brand name or category id that exists: duplicate_brand / duplicate_category, naming it", async () => {
    const operator = await operatorToken();
    const name = `brand-${Date.now().toString(36)}`;
    const first = await json(await call("POST", "/admin/v1/brands", { token: operator, body: { name } }));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await json(await call("POST", "/admin/v1/brands", { token: operator, body: { name } }));
    expect(again.body, JSON.stringify(again.body)).toMatchObject({
      status: 409,
      code: "duplicate_brand",
      name,
      detail: expect.stringContaining(name),
    });
    const category = await json(
      await call("POST", "/admin/v1/categories", { token: operator, body: { id: 1003001, name: "again" } }),
    );
    expect(category.body, JSON.stringify(category.body)).toMatchObject({
      status: 409,
      code: "duplicate_category",
      id: 1003001,
      detail: expect.stringContaining("1003001"),
    });
  });

  it("unsetting the default warehouse: default_warehouse_required, naming the warehouse", async () => {
    const seller = await newSeller();
    const res = await json(
      await call("PATCH", `/admin/v1/warehouses/${seller.warehouseId}`, {
        token: seller.token,
        body: { isDefault: false },
      }),
    );
    expect(res.body, JSON.stringify(res.body)).toMatchObject({
      status: 409,
      code: "default_warehouse_required",
      warehouseId: seller.warehouseId,
      detail: expect.stringContaining(`Warehouse ${seller.warehouseId} is the shop's default`),
    });
  });
});

describe("validation messages say what was expected", () => {
  it("an attribute value outside the template: must be one of 短袖, 长袖, 无袖, and a count of errors, not of values", async () => {
    const seller = await newSeller();
    const body = tshirt();
    body.basicAttributes = [
      ...body.basicAttributes,
      { attributeId: 104, value: "七分袖" },
      { attributeId: 999, value: "x" },
    ];
    const res = await json<{ detail: string; errors: { field: string; reason: string }[] }>(
      await call("POST", "/admin/v1/products", { token: seller.token, body }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.errors).toContainEqual({
      field: "basicAttributes.2.value",
      reason: "must be one of 短袖, 长袖, 无袖",
    });
    expect(res.body.detail).toBe("basicAttributes.2.value: must be one of 短袖, 长袖, 无袖 (and 1 more error)");
  });

  it('a zod enum: must be one of its values, in words (was: Invalid option: expected one of "standard"|"promo")', async () => {
    const seller = await newSeller();
    const product = await postProduct(seller, tshirt());
    const res = await json<{ errors: { field: string; reason: string }[] }>(
      await call("PUT", `/admin/v1/skus/${product.body.skuIds[0]}/prices`, {
        token: seller.token,
        body: { prices: [{ type: "bogus", price: { amount: 100, currency: "CNY" } }] },
      }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.errors).toContainEqual({ field: "prices.0.type", reason: "must be one of standard, promo" });
  });

  it("renders enums, literals and missing fields plainly, and keeps a schema's own message", () => {
    const schema = z
      .object({
        sleeve: z.enum(["短袖", "长袖", "无袖"]),
        kind: z.literal("a"),
        name: z.string(),
        own: z.enum(["x", "y"], { error: "pick x or y" }),
      })
      .strict();
    const result = schema.safeParse({ sleeve: "七分袖", kind: "b", own: "z" });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(fieldErrorsOf(result.error)).toEqual([
      { field: "sleeve", reason: "must be one of 短袖, 长袖, 无袖" },
      { field: "kind", reason: "must be a" },
      { field: "name", reason: "is required (expected string)" },
      { field: "own", reason: "pick x or y" },
    ]);
  });

  it("names each unknown key of a strict object where it was sent", () => {
    const schema = z.strictObject({ items: z.array(z.strictObject({ n: z.number() })) });
    const result = schema.safeParse({ items: [{ n: 1, extra: 1 }], shopId: "x", bench: "1" });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(fieldErrorsOf(result.error, "query")).toEqual([
      { field: "query.items.0.extra", reason: "is not a known field" },
      { field: "query.shopId", reason: "is not a known field" },
      { field: "query.bench", reason: "is not a known field" },
    ]);
  });

  it("quotes a value that could be misread, and says how many values a long list has", () => {
    expect(oneOf(["a, b", "", "c"])).toBe('must be one of "a, b", "", c');
    expect(oneOf([1, 2])).toBe("must be one of 1, 2");
    const many = Array.from({ length: 40 }, (_, i) => `v${i}`);
    expect(oneOf(many)).toMatch(/^must be one of v0, v1, .*, v29, … \(40 values in all\)$/);
  });

  it("counts the other field errors as errors", () => {
    expect(invalidFields([{ field: "a", reason: "must be one of x, y" }]).detail).toBe("a: must be one of x, y");
    expect(
      invalidFields([
        { field: "a", reason: "must be one of x, y" },
        { field: "b", reason: "is required" },
        { field: "c", reason: "is required" },
      ]).detail,
    ).toBe("a: must be one of x, y (and 2 more errors)");
  });

  it("POST /v1/orders {} says it wants quoteToken, or items with addressId, and what each field expects", async () => {
    const shopper = await newShopper();
    const res = await json<{ code: string; detail: string; errors: { field: string; reason: string }[] }>(
      await call("POST", "/v1/orders", { token: shopper.token, body: {} }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.code).toBe("validation_failed");
    expect(res.body.detail).toMatch(
      /^body: send either \{quoteToken\}.*, \{items, addressId\}.*, or \{purchaseToken, addressId\}/,
    );
    expect(res.body.detail).toMatch(/\(and 3 more errors\)$/);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { field: "quoteToken", reason: "is required (expected string)" },
        { field: "items", reason: "is required (expected array)" },
      ]),
    );
  });
});
