/** Operators' order slots (issue #20): where the 1,000 slots live, moving one to another shard, purging its old home. */
import { createRoute, z } from "@hono/zod-openapi";
import { SLOT_COUNT } from "../../../shared/orders/order-store";
import {
  moveSlot,
  ORDER_SIDE_TABLES,
  orderSideTableName,
  purgeSlot,
  slotMoveDepsOf,
  slotOverview,
} from "../../../shared/orders/slot-move";
import { actorOf, actorText } from "../../../shared/platform/actor";
import { callerOf, requireRole } from "../../../shared/platform/caller";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import type { AdminApp } from "../app";

const iso = (ms: number) => new Date(ms).toISOString();

const fenceSchema = z.object({
  slot: z.number().int(),
  state: z.enum(["moving", "moved"]).openapi({
    description:
      "`moving`: a move is copying the slot away; `moved`: the slot left this shard (its writes are refused here for good)",
  }),
  toShard: z.number().int(),
  since: z.string().openapi({ description: "`moving`: the move's last progress; `moved`: when it switched" }),
});

const overviewSchema = z
  .object({
    slots: z.number().int().openapi({ description: "Slots in all (`user_id % 1000`)" }),
    shards: z.array(
      z.object({
        shard: z.number().int().openapi({ description: "The `ORDERS_<i>` binding's index" }),
        slots: z.number().int().openapi({ description: "Slots whose orders live here" }),
        fenced: z.array(fenceSchema).openapi({ description: "Slots this shard takes no writes for" }),
      }),
    ),
    moves: z
      .array(
        z.object({
          slot: z.number().int(),
          fromShard: z.number().int(),
          toShard: z.number().int(),
          lastProgressAt: z.string(),
          stalled: z.boolean().openapi({
            description: "No progress for 30 s: the move died; moving the slot to the same shard again resumes it",
          }),
        }),
      )
      .openapi({ description: "Moves under way (their slots' orders answer 409 `order_slot_moving` meanwhile)" }),
  })
  .openapi("OrderSlots");

const tableCountSchema = z.object({
  table: z.string(),
  rows: z.number().int().openapi({ description: "The slot's rows, counted on the source and on the target alike" }),
  copied: z.number().int().openapi({ description: "Rows this call wrote (fewer when resuming: the rest were there)" }),
});

const moveResultSchema = z
  .object({
    slot: z.number().int(),
    fromShard: z.number().int(),
    toShard: z.number().int(),
    resumed: z.boolean().openapi({ description: "Whether this call took over a move that had died" }),
    tables: z.array(tableCountSchema),
    switchedAt: z.string(),
    purgeAfter: z.string().openapi({ description: "From then on POST …/purge deletes the old home's copy" }),
  })
  .openapi("OrderSlotMove");

const purgeResultSchema = z
  .object({
    slot: z.number().int(),
    shards: z.array(
      z.object({
        shard: z.number().int(),
        tables: z.array(z.object({ table: z.string(), deleted: z.number().int() })),
      }),
    ),
  })
  .openapi("OrderSlotPurge");

const slotParams = z.object({
  slot: z.coerce
    .number()
    .int()
    .min(0)
    .max(SLOT_COUNT - 1)
    .openapi({ example: 42, description: "`user_id % 1000` (the order number's digits 14–16)" }),
});

const TABLES = ORDER_SIDE_TABLES.map(orderSideTableName);

const listRoute = createRoute({
  method: "get",
  path: "/admin/v1/order-slots",
  tags: ["operations"],
  summary: "Where the order slots live: per shard, its slot count and fenced slots; the moves under way",
  description:
    "Operators only. Orders live in the shard of their shopper's slot (`user_id % 1000`, carried in the order " +
    "number); a slot without an entry in the slot table is on shard 0. A fenced slot takes no writes on that shard: " +
    "`moving` while a move copies it away, `moved` for good once it left.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  responses: {
    200: jsonResponse(overviewSchema, "The slot table by shard", {
      slots: 1000,
      shards: [
        { shard: 0, slots: 999, fenced: [{ slot: 42, state: "moved", toShard: 1, since: "2026-12-02T16:40:05.000Z" }] },
        { shard: 1, slots: 1, fenced: [] },
      ],
      moves: [],
    }),
    ...errorResponses(401, 403),
  },
});

const moveRoute = createRoute({
  method: "post",
  path: "/admin/v1/order-slots/{slot}/move",
  tags: ["operations"],
  summary: "Move a slot's orders to another shard (fence, copy, verify, switch)",
  description:
    "Operators only. Fences the slot on its shard (its shoppers' order writes answer 409 `order_slot_moving`, " +
    "retryable, until the switch), copies every row of its orders, payments, refunds and shipments to `toShard`, " +
    "checks the row count of every table on both sides and only then points the slot table at `toShard`; every " +
    "isolate routes there within `ORDER_SLOT_CACHE_MS` (5 s), and the old shard refuses the slot's writes for good. " +
    "The old copy stays until `POST /admin/v1/order-slots/{slot}/purge`. A move that died (no progress for 30 s) is " +
    "resumed by calling again with the same `toShard`; nothing is copied twice. 409 `order_slot_same_shard` when " +
    "the slot is there already, `order_slot_move_in_progress` while another move of it runs, `order_slot_not_purged` " +
    "when `toShard` still holds the slot's rows from an earlier move, `order_slot_verify_failed` (naming the table) " +
    "when the counts differ; 422 `order_shard_unknown` for a shard this Worker does not bind.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    params: slotParams,
    body: jsonBody(
      z.strictObject({
        toShard: z.number().int().min(0).max(63).openapi({ description: "The `ORDERS_<i>` binding's index" }),
      }),
      { example: { toShard: 1 } },
    ),
  },
  responses: {
    200: jsonResponse(moveResultSchema, "The slot lives on `toShard` now; rows per table", {
      slot: 42,
      fromShard: 0,
      toShard: 1,
      resumed: false,
      tables: TABLES.map((table) => ({ table, rows: 3, copied: 3 })),
      switchedAt: "2026-12-02T16:40:05.000Z",
      purgeAfter: "2026-12-02T16:40:40.000Z",
    }),
    ...errorResponses(400, 401, 403, 409, 413, 415, 422),
  },
});

const purgeRoute = createRoute({
  method: "post",
  path: "/admin/v1/order-slots/{slot}/purge",
  tags: ["operations"],
  summary: "Delete a moved slot's rows from the shards it left",
  description:
    "Operators only. Deletes the slot's rows from every shard it moved away from (snapshots another slot's items " +
    "still name stay). Refused with 409 `order_slot_purge_too_early` (and `Retry-After`) until " +
    "`ORDER_SLOT_CACHE_MS` + 30 s after the switch, while an isolate routing by its cached slot table may still read " +
    "there; 409 `order_slot_move_in_progress` while the slot is moving. The old shard keeps refusing the slot's " +
    "writes. Nothing to purge: 200 with no shards.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: slotParams },
  responses: {
    200: jsonResponse(purgeResultSchema, "What was deleted, per old home and table", {
      slot: 42,
      shards: [{ shard: 0, tables: TABLES.map((table) => ({ table, deleted: 3 })) }],
    }),
    ...errorResponses(400, 401, 403, 409, 413),
  },
});

export function registerOrderSlotRoutes(app: AdminApp): void {
  app.openapi(listRoute, async (c) => {
    const view = await slotOverview(slotMoveDepsOf(c.env, c.var.clock));
    return c.json(
      {
        slots: SLOT_COUNT,
        shards: view.shards.map((s) => ({ ...s, fenced: s.fenced.map((f) => ({ ...f, since: iso(f.since) })) })),
        moves: view.moves.map((m) => ({ ...m, lastProgressAt: iso(m.lastProgressAt) })),
      },
      200,
    );
  });

  app.openapi(moveRoute, async (c) => {
    const { slot } = c.req.valid("param");
    const { toShard } = c.req.valid("json");
    c.var.log.info("order slot move", { slot, toShard, by: actorText(actorOf(callerOf(c))) });
    const moved = await moveSlot(slotMoveDepsOf(c.env, c.var.clock), slot, toShard);
    c.var.log.info("order slot moved", { slot, fromShard: moved.fromShard, toShard, resumed: moved.resumed });
    return c.json({ ...moved, switchedAt: iso(moved.switchedAt), purgeAfter: iso(moved.purgeAfter) }, 200);
  });

  app.openapi(purgeRoute, async (c) => {
    const { slot } = c.req.valid("param");
    const purged = await purgeSlot(slotMoveDepsOf(c.env, c.var.clock), slot);
    c.var.log.info("order slot purged", {
      slot,
      shards: purged.shards.map((s) => s.shard),
      by: actorText(actorOf(callerOf(c))),
    });
    return c.json(purged, 200);
  });
}
