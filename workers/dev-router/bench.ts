/**
 * Dev-only endpoints for `npm run bench`'s hot-SKU reservation measurement (bench/reservations.ts).
 * They live in the dev router, which exists only locally and is never deployed, so they add
 * nothing to production:
 *
 *   POST /__bench/stock/reset {sku, units}       sets the bench D1 row and the SKU's object to `units`
 *   POST /__bench/reserve/object?sku=            one `reserve` of 1 unit in the SKU's Durable Object
 *   POST /__bench/reserve/d1-guarded?sku=        the seed design: one conditional UPDATE in D1
 *   POST /__bench/reserve/d1-naive?sku=          SELECT stock, then UPDATE ... SET stock = ? (races)
 *   POST /__bench/burst/<approach>?sku=&n=&concurrency=
 *                                                n of those from inside the router, `concurrency` at a time
 *   GET  /__bench/stock?sku=                     what each approach ended with, what this router
 *                                                granted and refused, and the object's RPC times
 *   POST /__bench/churn?offset=&limit=           stock churn for the freshness measurement
 *                                                (bench/freshness.ts): a stock count that changes
 *                                                nothing (delta 0) in each of those catalog SKUs'
 *                                                objects (by SKU id order): a new revision, so each
 *                                                publishes one more stock view
 *   GET  /__bench/churn                          how many churned SKUs the D1 projection has caught up with
 *   POST /__bench/stock-views?offset=&limit=     the other flood: sends each of those SKUs' projected
 *                                                view (its current revision, so projecting it changes
 *                                                nothing) straight to the queue the SKU objects use
 *
 * Reserve endpoints answer 200 when a unit was held and 409 when it was refused. Use a SKU id
 * that is fresh for each measurement, so its object holds nothing from before; the bench uses
 * real (draft) SKUs, because every SKU object publishes its stock to the projection, whose rows
 * must name a SKU in D1.
 */
import { makeEvent } from "../../shared/events/messages";
import { inventoryOf } from "../../shared/inventory/binding";

export const BENCH_PREFIX = "/__bench/";

export interface BenchEnv {
  DB: D1Database;
  SKU_INVENTORY: DurableObjectNamespace;
  /** Where the SKU objects publish their views (the freshness bench's direct flood). */
  STOCK_VIEWS?: Queue;
}

type Approach = "object" | "d1-guarded" | "d1-naive";

/** Where stock goes in an object that has no warehouse yet (a SKU id not in the catalog). */
const BENCH_WAREHOUSE = "bench";
/** Holds outlive any bench run; the object's alarm releases them afterwards. */
const HOLD_MS = 60 * 60_000;

/**
 * Not part of the product schema (db/schema, db/migrations): a scratch table for the bench's D1
 * variants, one row per SKU id, created here on first use in the local database only.
 */
const CREATE_BENCH_TABLE = "CREATE TABLE IF NOT EXISTS bench_stock (id TEXT PRIMARY KEY, stock INTEGER NOT NULL)";
/** Whether this isolate has created the table; until then each request creates it (idempotent), never waiting on another's. */
let tableCreated = false;

async function ensureTable(db: D1Database): Promise<void> {
  if (tableCreated) return;
  await db.prepare(CREATE_BENCH_TABLE).run();
  tableCreated = true;
}

/**
 * Per SKU since its reset, in this isolate's memory (the router runs as one isolate locally):
 * how many reservations this router answered as held or refused (the server's count, including
 * requests still in flight when the load generator stopped counting), and the durations of the
 * object's `reserve` RPC as the router saw them. workerd advances its clock only across I/O, so a
 * duration is the RPC's wall time: the hop to the object, waiting behind other calls, and the
 * object's work; never CPU time alone.
 */
interface Tally {
  held: number;
  refused: number;
  rpcMs: number[];
}
const tallies = new Map<string, Tally>();

function tallyOf(sku: string): Tally {
  let tally = tallies.get(sku);
  if (!tally) {
    tally = { held: 0, refused: 0, rpcMs: [] };
    tallies.set(sku, tally);
  }
  return tally;
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function skuOf(url: URL): string | null {
  const sku = url.searchParams.get("sku");
  return sku && sku.length <= 128 ? sku : null;
}

async function reset(env: BenchEnv, body: { sku?: unknown; units?: unknown }): Promise<Response> {
  const { sku, units } = body;
  if (typeof sku !== "string" || sku.length === 0 || sku.length > 128) return json({ error: "sku" }, 400);
  if (typeof units !== "number" || !Number.isInteger(units) || units < 0) return json({ error: "units" }, 400);
  await env.DB.prepare(
    "INSERT INTO bench_stock (id, stock) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET stock = excluded.stock",
  )
    .bind(sku, units)
    .run();
  const stub = inventoryOf(env).getByName(sku);
  // A catalog SKU's object already has its shop's warehouse (opening stock); the projection only
  // accepts warehouses D1 knows, so the stock is set there.
  const warehouseId = (await stub.view()).warehouses[0]?.warehouseId ?? BENCH_WAREHOUSE;
  const result = await stub.adjust({
    skuId: sku,
    opId: `bench-reset:${crypto.randomUUID()}`,
    warehouseId,
    mode: "set",
    quantity: units,
    reason: "bench reset",
    actor: "bench",
    at: Date.now(),
  });
  tallies.delete(sku);
  return json({ sku, units, object: result.view.available });
}

async function reserveInObject(env: BenchEnv, sku: string): Promise<boolean> {
  const started = performance.now();
  const result = await inventoryOf(env).getByName(sku).reserve({
    skuId: sku,
    reservationId: crypto.randomUUID(),
    quantity: 1,
    ttlMs: HOLD_MS,
    actor: "bench",
    at: Date.now(),
  });
  tallyOf(sku).rpcMs.push(performance.now() - started);
  return result.ok;
}

/** The seed design: the database refuses the decrement when no unit is left (one statement). */
async function reserveGuarded(env: BenchEnv, sku: string): Promise<boolean> {
  const result = await env.DB.prepare("UPDATE bench_stock SET stock = stock - 1 WHERE id = ? AND stock >= 1")
    .bind(sku)
    .run();
  return result.meta.changes === 1;
}

/** Read, decide, write: two requests that read the same stock both write stock - 1 (lost update). */
async function reserveNaive(env: BenchEnv, sku: string): Promise<boolean> {
  const row = await env.DB.prepare("SELECT stock FROM bench_stock WHERE id = ?").bind(sku).first<{ stock: number }>();
  if (!row || row.stock <= 0) return false;
  await env.DB.prepare("UPDATE bench_stock SET stock = ? WHERE id = ?")
    .bind(row.stock - 1, sku)
    .run();
  return true;
}

const RESERVE: Record<Approach, (env: BenchEnv, sku: string) => Promise<boolean>> = {
  object: reserveInObject,
  "d1-guarded": reserveGuarded,
  "d1-naive": reserveNaive,
};
const isApproach = (s: string | undefined): s is Approach => s !== undefined && Object.hasOwn(RESERVE, s);

async function reserve(env: BenchEnv, approach: Approach, sku: string): Promise<boolean> {
  const held = await RESERVE[approach](env, sku);
  const tally = tallyOf(sku);
  if (held) tally.held += 1;
  else tally.refused += 1;
  return held;
}

/**
 * `n` reservations issued from inside the router, `concurrency` at a time, with no HTTP, proxy or
 * load generator in between: the approach is then the bottleneck, and wall time / n is its time
 * per reservation (for the object including the RPC hop). The clock moves across I/O, so the
 * awaited wall time is real.
 */
async function burst(env: BenchEnv, approach: Approach, sku: string, n: number, concurrency: number) {
  let issued = 0;
  let held = 0;
  const worker = async () => {
    while (issued < n) {
      issued += 1;
      if (await reserve(env, approach, sku)) held += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  const wallMs = performance.now() - started;
  return json({ approach, n, concurrency, held, refused: n - held, wallMs });
}

/** Per SKU the churn touched: the object's revision the projection has to reach. */
const churned = new Map<string, number>();

/**
 * Counts stock with a delta of 0 in the objects of `limit` catalog SKUs (those with projected
 * stock, from `offset` in id order), 16 at a time: stock is unchanged, the object's revision moves
 * on (a movement is logged) and its alarm publishes one view (writes within a second are one view).
 */
async function churn(env: BenchEnv, offset: number, limit: number): Promise<Response> {
  const { results } = await env.DB.prepare(
    "SELECT sku_id AS skuId, min(warehouse_id) AS warehouseId FROM sku_stock WHERE revision > 0 GROUP BY sku_id ORDER BY sku_id LIMIT ? OFFSET ?",
  )
    .bind(limit, offset)
    .all<{ skuId: string; warehouseId: string }>();
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < results.length) {
      const row = results[next++];
      if (!row) return;
      const result = await inventoryOf(env)
        .getByName(row.skuId)
        .adjust({
          skuId: row.skuId,
          opId: `bench-churn:${crypto.randomUUID()}`,
          warehouseId: row.warehouseId,
          mode: "delta",
          quantity: 0,
          reason: "bench churn",
          actor: "bench",
          at: Date.now(),
        });
      if (!result.ok) failed += 1;
      else churned.set(row.skuId, result.view.revision);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return json({ touched: results.length - failed, failed });
}

/**
 * Sends the projected view of `limit` catalog SKUs (from `offset` in id order) to the stock-views
 * queue, 100 per send: the queue and its consumer carry the flood with no object writes (locally
 * those share the one workerd process the probes run in). Each view carries the projection's own
 * revision, so the consumer finds it projected already: nothing in D1 changes.
 */
async function sendViews(env: BenchEnv, offset: number, limit: number): Promise<Response> {
  if (!env.STOCK_VIEWS) return json({ error: "no STOCK_VIEWS binding" }, 500);
  const { results } = await env.DB.prepare(
    `SELECT s.sku_id AS skuId, s.warehouse_id AS warehouseId, s.available, s.reserved, s.sold, s.revision
       FROM sku_stock s JOIN (SELECT sku_id FROM sku_stock WHERE revision > 0 GROUP BY sku_id ORDER BY sku_id LIMIT ? OFFSET ?) p
         ON p.sku_id = s.sku_id`,
  )
    .bind(limit, offset)
    .all<{ skuId: string; warehouseId: string; available: number; reserved: number; sold: number; revision: number }>();
  const views = new Map<string, { revision: number; rows: typeof results }>();
  for (const row of results) {
    const view = views.get(row.skuId) ?? { revision: 0, rows: [] };
    view.revision = Math.max(view.revision, row.revision);
    view.rows.push(row);
    views.set(row.skuId, view);
  }
  const messages = [...views].map(([skuId, v]) => {
    const sum = (k: "available" | "reserved" | "sold") => v.rows.reduce((a, r) => a + r[k], 0);
    const view = {
      skuId,
      available: sum("available"),
      reserved: sum("reserved"),
      sold: sum("sold"),
      revision: v.revision,
      safetyStock: 0,
      warehouses: v.rows.map((r) => ({
        warehouseId: r.warehouseId,
        available: r.available,
        reserved: r.reserved,
        sold: r.sold,
        received: r.available + r.reserved + r.sold,
      })),
    };
    return { body: makeEvent("inventory.stock_changed", { view }, Date.now()), contentType: "json" as const };
  });
  for (let i = 0; i < messages.length; i += 100) await env.STOCK_VIEWS.sendBatch(messages.slice(i, i + 100));
  return json({ sent: messages.length });
}

/** How many churned SKUs the projection shows at (or past) the revision their churn left. */
async function churnProgress(env: BenchEnv): Promise<Response> {
  const { results } = await env.DB.prepare(
    "SELECT sku_id AS skuId, max(revision) AS revision FROM sku_stock GROUP BY sku_id",
  ).all<{ skuId: string; revision: number }>();
  let caughtUp = 0;
  for (const row of results) {
    const wanted = churned.get(row.skuId);
    if (wanted !== undefined && row.revision >= wanted) caughtUp += 1;
  }
  return json({ skus: churned.size, caughtUp });
}

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return {
    count: sorted.length,
    meanMs: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null,
    p50Ms: at(50) ?? null,
    p99Ms: at(99) ?? null,
  };
}

async function stock(env: BenchEnv, sku: string): Promise<Response> {
  const row = await env.DB.prepare("SELECT stock FROM bench_stock WHERE id = ?").bind(sku).first<{ stock: number }>();
  const view = await inventoryOf(env).getByName(sku).view();
  const tally = tallies.get(sku) ?? { held: 0, refused: 0, rpcMs: [] };
  return json({
    sku,
    d1: row?.stock ?? null,
    object: { available: view.available, reserved: view.reserved, sold: view.sold },
    served: { held: tally.held, refused: tally.refused },
    objectRpc: summary(tally.rpcMs),
  });
}

/** Answers a `/__bench/*` request. */
export async function benchRequest(request: Request, env: BenchEnv): Promise<Response> {
  const url = new URL(request.url);
  const [action, approach, extra] = url.pathname.slice(BENCH_PREFIX.length).split("/");
  await ensureTable(env.DB);
  if (request.method === "POST" && action === "stock" && approach === "reset" && extra === undefined) {
    return reset(env, (await request.json()) as { sku?: unknown; units?: unknown });
  }
  if (action === "stock-views" && approach === undefined && request.method === "POST") {
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const limit = Number(url.searchParams.get("limit") ?? 500);
    if (!Number.isInteger(offset) || offset < 0) return json({ error: "offset" }, 400);
    if (!Number.isInteger(limit) || limit < 1 || limit > 5_000) return json({ error: "limit" }, 400);
    return sendViews(env, offset, limit);
  }
  if (action === "churn" && approach === undefined) {
    if (request.method === "GET") return churnProgress(env);
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const limit = Number(url.searchParams.get("limit") ?? 500);
    if (!Number.isInteger(offset) || offset < 0) return json({ error: "offset" }, 400);
    if (!Number.isInteger(limit) || limit < 1 || limit > 5_000) return json({ error: "limit" }, 400);
    return churn(env, offset, limit);
  }
  const sku = skuOf(url);
  if (!sku) return json({ error: "sku" }, 400);
  if (request.method === "GET" && action === "stock" && approach === undefined) return stock(env, sku);
  if (request.method === "POST" && isApproach(approach) && extra === undefined) {
    if (action === "reserve") {
      return (await reserve(env, approach, sku)) ? json({ held: true }) : json({ held: false }, 409);
    }
    if (action === "burst") {
      const n = Number(url.searchParams.get("n") ?? 1000);
      const concurrency = Number(url.searchParams.get("concurrency") ?? 64);
      if (!Number.isInteger(n) || n < 1 || n > 100_000) return json({ error: "n" }, 400);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
        return json({ error: "concurrency" }, 400);
      }
      return burst(env, approach, sku, n, concurrency);
    }
  }
  return json({ error: "no such bench endpoint" }, 404);
}
