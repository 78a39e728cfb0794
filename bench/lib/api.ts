/** Calling the running platform's public APIs as the demo accounts (bench set-up). */
import { demoId } from "../../db/seed/fixtures.ts";
import { DEV_JWT_SECRET } from "../../scripts/local.ts";
import { type Caller, signAccessToken } from "../../shared/platform/auth.ts";
import { systemClock } from "../../shared/platform/clock.ts";

export const DEMO_CALLERS = {
  operator: { userId: demoId("usr", 1), roles: ["operator"] },
  seller1: { userId: demoId("usr", 2), roles: ["seller"], shopId: demoId("shp", 1) },
  shopper1: { userId: demoId("usr", 4), roles: ["shopper"] },
} satisfies Record<string, Caller>;

/** An access token for `caller`, signed with the local dev secret, valid for an hour. */
export function tokenFor(caller: Caller): Promise<string> {
  return signAccessToken(
    caller,
    { secret: DEV_JWT_SECRET, issuer: "edge-commerce", audience: "edge-commerce", clock: systemClock },
    3600,
  );
}

/** One JSON call; anything but 2xx throws with the answer. */
export async function apiCall<T>(
  origin: string,
  method: string,
  path: string,
  bearer: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`bench setup: ${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Seller1 lists a product in category 1003001 (a DRAFT) with these SKUs; answers its ids. */
export async function createProduct(
  origin: string,
  name: string,
  skus: { skuName: string; stock: number; colour: string; size: string }[],
): Promise<{ productId: string; skuIds: string[] }> {
  return apiCall(origin, "POST", "/admin/v1/products", await tokenFor(DEMO_CALLERS.seller1), {
    categoryId: 1003001,
    spu: { name, brandId: 2001, description: "made by npm run bench" },
    basicAttributes: [
      { attributeId: 101, value: "NIKE" },
      { attributeId: 102, value: "棉" },
    ],
    skus: skus.map((s) => ({
      skuName: s.skuName,
      price: 79.0,
      stock: s.stock,
      salesAttributes: [
        { attributeId: 201, value: s.colour },
        { attributeId: 202, value: s.size },
      ],
    })),
  });
}
