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

const addressParams = z.object({ addressId: z.string().min(1).max(64) });
const authed = { security: [{ bearer: [] }], middleware: [requireCaller()], tags: ["account"] };
const address = addressSchema.openapi("Address");

const routes = {
  profile: createRoute({
    ...authed,
    method: "get",
    path: "/v1/me",
    summary: "The caller's profile, coins and VIP level",
    responses: { 200: jsonResponse(profileSchema.openapi("Profile"), "Profile"), ...errorResponses(401, 404) },
  }),
  list: createRoute({
    ...authed,
    method: "get",
    path: "/v1/me/addresses",
    summary: "The address book",
    request: { query: listQuerySchema },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(address), nextCursor: z.string().nullable() }),
        "Addresses, oldest first",
      ),
      ...errorResponses(400, 401),
    },
  }),
  create: createRoute({
    ...authed,
    method: "post",
    path: "/v1/me/addresses",
    summary: "Add an address (the first becomes the default)",
    request: { headers: idempotencyHeaders, body: jsonBody(createAddressBody) },
    responses: { 201: jsonResponse(address, "Added"), ...errorResponses(400, 401, 409, 422) },
  }),
  get: createRoute({
    ...authed,
    method: "get",
    path: "/v1/me/addresses/{addressId}",
    summary: "One address",
    request: { params: addressParams },
    responses: { 200: jsonResponse(address, "The address"), ...errorResponses(401, 404) },
  }),
  update: createRoute({
    ...authed,
    method: "patch",
    path: "/v1/me/addresses/{addressId}",
    summary: "Change an address (compare-and-set on `version` when given)",
    request: { params: addressParams, body: jsonBody(updateAddressBody) },
    responses: { 200: jsonResponse(address, "Changed"), ...errorResponses(400, 401, 404, 409) },
  }),
  remove: createRoute({
    ...authed,
    method: "delete",
    path: "/v1/me/addresses/{addressId}",
    summary: "Delete an address",
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
