/** Operators' degradation switches: list them, flip one (in force within 5 s, logged with who and why). */
import { createRoute, z } from "@hono/zod-openapi";
import { actorOf } from "../../../shared/platform/actor";
import { callerOf, requireRole } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { SWITCH_NAMES } from "../../../shared/platform/switches/catalog";
import {
  flipBody,
  flipSwitch,
  listSwitches,
  type SwitchView,
  switchViewSchema,
} from "../../../shared/platform/switches/switches";
import type { AdminApp } from "../app";

const checkoutOff: SwitchView = {
  name: "checkout",
  description:
    "Shoppers may quote and place orders. Off: `POST /v1/checkout/quote` and `POST /v1/orders` answer 503 " +
    "`feature_disabled` with `Retry-After`; paying orders already placed still works.",
  enabled: false,
  reason: "payment provider outage, INC-42",
  updatedBy: "user:usr_00000000000000000000000001",
  updatedAt: "2026-12-02T03:20:00.000Z",
  history: [
    {
      enabled: false,
      reason: "payment provider outage, INC-42",
      by: "user:usr_00000000000000000000000001",
      at: "2026-12-02T03:20:00.000Z",
    },
  ],
};

const listRoute = createRoute({
  method: "get",
  path: "/admin/v1/switches",
  tags: ["operations"],
  summary: "The degradation switches, their state and recent flips",
  description:
    "Operators only. Every switch (`search.facets`, `checkout`, `flash-sales.entry`, `recommendations`) with what " +
    "turning it off does, whether it is on, who flipped it last and why, and its last ten flips. A switch never " +
    "flipped is on.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  responses: {
    // A fixed handful of switches: always one page, but shaped like every other list.
    200: jsonResponse(
      z.object({ items: z.array(switchViewSchema.openapi("Switch")), nextCursor: z.null() }),
      "The switches (one page: nextCursor is always null)",
      { items: [checkoutOff], nextCursor: null },
    ),
    ...errorResponses(401, 403),
  },
});

const flipRoute = createRoute({
  method: "put",
  path: "/admin/v1/switches/{name}",
  tags: ["operations"],
  summary: "Turn a switch on or off (in force within 5 s, no deploy)",
  description:
    "Operators only. Stores the state durably and logs the flip with the caller and `reason`; every Worker isolate " +
    "re-reads the switches at most `SWITCH_CACHE_MS` (5 s) after its last read, so the flip is in force everywhere " +
    "within 5 s. Setting the state it already has is logged too (a second operator confirming). Unknown name: 404.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    params: z.object({
      name: z
        .string()
        .min(1)
        .max(64)
        .openapi({ example: "checkout", description: `One of ${SWITCH_NAMES.join(", ")}` }),
    }),
    body: jsonBody(flipBody, { example: { enabled: false, reason: "payment provider outage, INC-42" } }),
  },
  responses: {
    200: jsonResponse(switchViewSchema, "The switch after the flip", checkoutOff),
    ...errorResponses(400, 401, 403, 404),
  },
});

export function registerSwitchRoutes(app: AdminApp): void {
  app.openapi(listRoute, async (c) => c.json({ items: await listSwitches(dbOf(c.env.DB)), nextCursor: null }, 200));

  app.openapi(flipRoute, async (c) => {
    const view = await flipSwitch(dbOf(c.env.DB), {
      name: c.req.valid("param").name,
      body: c.req.valid("json"),
      actor: actorOf(callerOf(c)),
      now: c.var.clock.now(),
      log: c.var.log,
    });
    return c.json(view, 200);
  });
}
