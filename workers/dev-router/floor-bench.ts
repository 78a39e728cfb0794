/**
 * Dev-only floors for `npm run bench`, in the dev router (never deployed): a route's storage work
 * alone, done here with no hop to another Worker and no framework, so a route's ratio to hello can
 * be read against the most this machine's local platform allows for that work.
 *
 *   GET  /__bench/floor/detail-key?product=   the cached product detail's one D1 read (its key,
 *                                             `detailRevision`: the same statement through drizzle
 *                                             on a D1 session), answered as a small JSON body
 *   POST /__bench/floor/order?sku=            the D1 and object calls of an order on shard 0, as bare
 *                                             calls: a write batch of 15 statements (the saga row and
 *                                             14 reads), the SKU object's `reserve`, 3 read RPCs
 *                                             standing in for the 2 rate limits and the order-number
 *                                             block, a write batch of 10 (8 rows and 2 checks), and
 *                                             after the answer one delete (the outbox rows)
 *
 * The order floor leaves out what bare calls cannot stand in for: the queue send and its consumer
 * (~0.7 ms of the local thread per order, docs/decisions.md), the storefront hop, zod, JWT, the
 * statements' rendering and the rows' real width. It is a lower bound on the order's local cost.
 */
import { detailRevision } from "../../shared/catalog/storefront-product";
import { inventoryOf } from "../../shared/inventory/binding";
import { dbOf } from "../../shared/platform/db";

export const FLOOR_BENCH_PREFIX = "/__bench/floor/";

export interface FloorBenchEnv {
  DB: D1Database;
  SKU_INVENTORY: DurableObjectNamespace;
}

/**
 * Not part of the product schema (db/schema, db/migrations): the order floor's scratch rows, in the
 * local database only, created on first use. Rows are deleted as an order's outbox rows are, so
 * the table holds the 6 other rows of each floor order.
 */
const CREATE_FLOOR_TABLE =
  "CREATE TABLE IF NOT EXISTS bench_floor_rows (id TEXT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL)";
/** Whether this isolate has created the table; until then each request creates it (idempotent). */
let tableCreated = false;

/** Objects the read RPCs go to: SKU objects of no catalog SKU, so they hold nothing. */
const STAND_INS = ["bench-floor-rate-user", "bench-floor-rate-ip", "bench-floor-order-numbers"];
/** Holds outlive any bench run; the object's alarm releases them afterwards (as the orders' do). */
const HOLD_MS = 60 * 60_000;

/** About the size of an order's rows (a snapshot, an order, an item, an event). */
const ROW_BODY = JSON.stringify({ pad: "x".repeat(240) });

async function orderFloor(env: FloorBenchEnv, sku: string, ctx: ExecutionContext): Promise<Response> {
  if (!tableCreated) {
    await env.DB.prepare(CREATE_FLOOR_TABLE).run();
    tableCreated = true;
  }
  const db = env.DB.withSession("first-primary");
  const id = crypto.randomUUID();
  const read = db.prepare("SELECT * FROM skus WHERE id = ?").bind(sku);
  // The saga row with the checkout facts: one write transaction, as on shard 0.
  await db.batch([
    db.prepare("INSERT INTO bench_floor_rows (id, kind, body) VALUES (?, 'saga', ?)").bind(`${id}:saga`, ROW_BODY),
    ...Array.from({ length: 14 }, () => read),
  ]);
  const inventory = inventoryOf(env);
  await Promise.all(STAND_INS.slice(0, 2).map((name) => inventory.getByName(name).view()));
  const held = await inventory.getByName(sku).reserve({
    skuId: sku,
    reservationId: id,
    quantity: 1,
    ttlMs: HOLD_MS,
    actor: "bench",
    at: Date.now(),
  });
  // A refused hold ends the order there (a real one then undoes its saga row: not stood in for).
  if (!held.ok) return Response.json({ held: false }, { status: 409 });
  await inventory.getByName(STAND_INS[2] ?? "").view();
  const insert = db.prepare("INSERT INTO bench_floor_rows (id, kind, body) VALUES (?, ?, ?)");
  const check = db.prepare("SELECT CASE WHEN EXISTS (SELECT 1 FROM bench_floor_rows WHERE id = ?) THEN 1 ELSE 0 END");
  const kinds = ["snapshot", "pay_order", "order", "item", "status", "saga_done", "outbox", "outbox"];
  await db.batch([
    check.bind(`${id}:saga`),
    ...kinds.map((kind, i) => insert.bind(`${id}:${i}`, kind, ROW_BODY)),
    check.bind(`${id}:saga`),
  ]);
  ctx.waitUntil(db.prepare("DELETE FROM bench_floor_rows WHERE id IN (?, ?)").bind(`${id}:6`, `${id}:7`).run());
  return Response.json({ held: true });
}

export async function floorBenchRequest(
  request: Request,
  env: FloorBenchEnv,
  ctx: ExecutionContext,
): Promise<Response> {
  const url = new URL(request.url);
  const what = url.pathname.slice(FLOOR_BENCH_PREFIX.length);
  if (request.method === "GET" && what === "detail-key") {
    const product = url.searchParams.get("product") ?? "";
    return Response.json({ revision: await detailRevision(dbOf(env.DB.withSession("first-unconstrained")), product) });
  }
  if (request.method === "POST" && what === "order") {
    const sku = url.searchParams.get("sku") ?? "";
    if (sku.length === 0 || sku.length > 128) return Response.json({ error: "sku" }, { status: 400 });
    return orderFloor(env, sku, ctx);
  }
  return Response.json({ error: "no such floor bench endpoint" }, { status: 404 });
}
