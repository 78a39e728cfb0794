/** The caller's own account: profile and address book. */
import { createRoute, z } from "@hono/zod-openapi";
import { callerOf, requireCaller } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { listQuerySchema } from "../../../shared/platform/validation";
import { profile, profileSchema } from "../../../shared/users/accounts";
import {
  addressSchema,
  createAddress,
  createAddressBody,
  deleteAddress,
  getAddress,
  listAddresses,
  updateAddress,
  updateAddressBody,
} from "../../../shared/users/addresses";
import type { StorefrontApp } from "../app";
import { addressExample, profileExample } from "../examples";

const addressParams = z.object({
  addressId: z.string().min(1).max(64).openapi({ example: "adr_00000000000000000000000001" }),
});
const authed = { security: [{ bearer: [] }], middleware: [requireCaller()], tags: ["account"] };
const address = addressSchema.openapi("Address");

const routes = {
  profile: createRoute({
    ...authed,
    method: "get",
    path: "/v1/me",
    summary: "The caller's profile, coins and VIP level",
    description: "Who the access token belongs to: username, contact, roles (and a seller's `shopId`), coins.",
    responses: {
      200: jsonResponse(profileSchema.openapi("Profile"), "Profile", profileExample),
      ...errorResponses(401, 404),
    },
  }),
  list: createRoute({
    ...authed,
    method: "get",
    path: "/v1/me/addresses",
    summary: "The address book",
    description:
      "The caller's addresses, oldest first; one is the default. An address's `addressId` goes into quotes and orders.",
    request: { query: listQuerySchema.strict() },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(address), nextCursor: z.string().nullable() }),
        "Addresses, oldest first",
        { items: [addressExample], nextCursor: null },
      ),
      ...errorResponses(400, 401),
    },
  }),
  create: createRoute({
    ...authed,
    method: "post",
    path: "/v1/me/addresses",
    summary: "Add an address (the first becomes the default)",
    description:
      "`country` is ISO 3166-1 alpha-2; `phone` is checked as a phone number. The answer's `addressId` goes into " +
      "`POST /v1/checkout/quote` and `POST /v1/orders`.",
    request: {
      headers: idempotencyHeaders,
      body: jsonBody(createAddressBody, {
        example: {
          recipient: "Demo Shopper",
          phone: "+8613800000001",
          country: "CN",
          province: "浙江",
          city: "杭州",
          district: "西湖区",
          line1: "文三路 90 号",
          postalCode: "310012",
        },
      }),
    },
    responses: { 201: jsonResponse(address, "Added", addressExample), ...errorResponses(400, 401, 409, 422) },
  }),
  get: createRoute({
    ...authed,
    method: "get",
    path: "/v1/me/addresses/{addressId}",
    summary: "One address",
    description: "One of the caller's addresses; another user's is 404.",
    request: { params: addressParams },
    responses: { 200: jsonResponse(address, "The address", addressExample), ...errorResponses(401, 404) },
  }),
  update: createRoute({
    ...authed,
    method: "patch",
    path: "/v1/me/addresses/{addressId}",
    summary: "Change an address (compare-and-set on `version` when given)",
    description:
      "Changes the fields given. With `version`, the change applies only if the address is still at that version " +
      "(409 `version_conflict` otherwise); without it, the last write wins.",
    request: {
      params: addressParams,
      body: jsonBody(updateAddressBody, { example: { line2: "3 号楼 1201 室", version: 1 } }),
    },
    responses: {
      200: jsonResponse(address, "Changed", { ...addressExample, line2: "3 号楼 1201 室", version: 2 }),
      ...errorResponses(400, 401, 404, 409),
    },
  }),
  remove: createRoute({
    ...authed,
    method: "delete",
    path: "/v1/me/addresses/{addressId}",
    summary: "Delete an address",
    description: "Removes the address from the book; orders placed with it keep their copy.",
    request: { params: addressParams },
    responses: { 204: { description: "Deleted" }, ...errorResponses(401, 404) },
  }),
};

export function registerMeRoutes(app: StorefrontApp): void {
  app.openapi(routes.profile, async (c) => c.json(await profile(dbOf(c.env.DB), callerOf(c).userId), 200));

  app.openapi(routes.list, async (c) =>
    c.json(await listAddresses(dbOf(c.env.DB), callerOf(c).userId, c.req.valid("query")), 200),
  );

  app.openapi(routes.create, async (c) =>
    c.json(await createAddress(dbOf(c.env.DB), c.var.clock, callerOf(c).userId, c.req.valid("json")), 201),
  );

  app.openapi(routes.get, async (c) =>
    c.json(await getAddress(dbOf(c.env.DB), callerOf(c).userId, c.req.valid("param").addressId), 200),
  );

  app.openapi(routes.update, async (c) =>
    c.json(
      await updateAddress(
        dbOf(c.env.DB),
        c.var.clock,
        callerOf(c).userId,
        c.req.valid("param").addressId,
        c.req.valid("json"),
      ),
      200,
    ),
  );

  app.openapi(routes.remove, async (c) => {
    await deleteAddress(dbOf(c.env.DB), callerOf(c).userId, c.req.valid("param").addressId);
    return c.body(null, 204);
  });
}
