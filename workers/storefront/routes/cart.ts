/** The cart: the caller's account cart, or a guest's through `X-Cart-Token`. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  CART_TOKEN_HEADER,
  type CartOwner,
  cartSchema,
  cartTokenSchema,
  MAX_QUANTITY,
  newCartToken,
  setQuantity,
  viewCart,
} from "../../../shared/cart/cart";
import type { AppContext } from "../../../shared/platform/app-env";
import { allowGuest } from "../../../shared/platform/caller";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { invalidField } from "../../../shared/platform/validation";
import type { StorefrontApp, StorefrontBindings } from "../app";
import { DEMO_SKU_ID } from "../docs-intro";
import { cartExample } from "../examples";

const tokenHeader = z.object({
  "x-cart-token": z
    .string()
    .optional()
    .openapi({ description: "A guest's cart token; answered in X-Cart-Token when absent" }),
});

const routes = {
  get: createRoute({
    method: "get",
    path: "/v1/cart",
    tags: ["cart"],
    middleware: [allowGuest()] as const,
    summary: "The cart with current prices, availability and per-line problems",
    description:
      "A signed-in shopper's cart, or a guest's: a guest without `X-Cart-Token` gets one in the answer's " +
      "`X-Cart-Token` header and sends it back from then on; logging in with it merges the guest cart into the " +
      "account's once. Lines carry the current price and availability and their problems (`price_changed`, " +
      "`insufficient_stock`, `out_of_stock`, `off_shelf`).",
    request: { headers: tokenHeader },
    responses: {
      200: jsonResponse(cartSchema.openapi("Cart"), "The cart", cartExample),
      ...errorResponses(400, 401),
    },
  }),
  put: createRoute({
    method: "put",
    path: "/v1/cart/items/{skuId}",
    tags: ["cart"],
    middleware: [allowGuest()] as const,
    summary: "Set a line's quantity (0 removes it)",
    description:
      "Sets the SKU's quantity in the cart (not adds to it); 0 removes the line. An unknown SKU is 404. Guests " +
      "work as for GET /v1/cart.",
    request: {
      headers: tokenHeader,
      params: z.object({ skuId: z.string().min(1).max(64).openapi({ example: DEMO_SKU_ID }) }),
      body: jsonBody(z.object({ quantity: z.number().int().min(0).max(MAX_QUANTITY) }).strict(), {
        example: { quantity: 1 },
      }),
    },
    responses: {
      200: jsonResponse(cartSchema, "The cart after the change", cartExample),
      ...errorResponses(400, 401, 404, 422),
    },
  }),
};

/** The cart's owner: the signed-in user, else the guest's token (a new one when none was sent). */
function ownerOf(c: AppContext<StorefrontBindings>): { owner: CartOwner; issuedToken?: string } {
  if (c.var.caller) return { owner: { userId: c.var.caller.userId } };
  const header = c.req.header(CART_TOKEN_HEADER);
  if (header === undefined) {
    const token = newCartToken();
    return { owner: { token }, issuedToken: token };
  }
  const parsed = cartTokenSchema.safeParse(header);
  if (!parsed.success) {
    throw invalidField(`header.${CART_TOKEN_HEADER}`, "is not a cart token");
  }
  return { owner: { token: parsed.data } };
}

export function registerCartRoutes(app: StorefrontApp): void {
  app.openapi(routes.get, async (c) => {
    const { owner, issuedToken } = ownerOf(c);
    if (issuedToken) c.header(CART_TOKEN_HEADER, issuedToken);
    return c.json(await viewCart(requestDb(c, "first-primary"), owner, c.var.clock), 200);
  });
  app.openapi(routes.put, async (c) => {
    const { owner, issuedToken } = ownerOf(c);
    if (issuedToken) c.header(CART_TOKEN_HEADER, issuedToken);
    const cart = await setQuantity(
      requestDb(c, "first-primary"),
      owner,
      c.var.clock,
      c.req.valid("param").skuId,
      c.req.valid("json").quantity,
    );
    return c.json(cart, 200);
  });
}
