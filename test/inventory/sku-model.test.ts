/**
 * Model-based test of the SKU inventory object: random sequences of adjustments, reservations,
 * confirmations, releases, transfers, expiry sweeps, replays of earlier operations and evictions,
 * run against a real object and a plain in-memory model of what the object promises. After every
 * step the object's view and every reservation must equal the model's, and each warehouse must
 * keep available + reserved + sold = received with nothing negative.
 */
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import { inventoryOf } from "../../shared/inventory/binding";
import type {
  AdjustStockInput,
  Reservation,
  ReservationRefInput,
  ReservationStatus,
  ReserveInput,
  StockView,
  TransferInput,
} from "../../shared/inventory/schemas";

const WAREHOUSES = ["wh_a", "wh_b", "wh_c"] as const;
/** A small pool, so ids collide: replays, confirms of released holds, releases before reserves. */
const RESERVATION_IDS = ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"] as const;
const TTLS = [1_000, 5_000, 20_000, 60_000] as const;
const ACTOR = "model-test";
/**
 * The model's clock starts a month ahead of the real one, so the object's own alarm (which expires
 * holds due at the real time) never touches a hold: only the test's `expireDue(now)` does.
 */
const CLOCK_START = Date.now() + 30 * 24 * 3600 * 1000;

type Stub = DurableObjectStub<SkuInventory>;

type Op =
  | { kind: "adjust"; input: AdjustStockInput }
  | { kind: "reserve"; input: ReserveInput }
  | { kind: "confirm" | "release"; input: ReservationRefInput }
  | { kind: "transfer"; input: TransferInput }
  | { kind: "expire"; now: number };

interface Counts {
  available: number;
  reserved: number;
  sold: number;
}

interface ModelReservation {
  status: ReservationStatus;
  /** Sorted by warehouse id, as the object reports them. */
  allocations: { warehouseId: string; quantity: number }[];
  expiresAt: number;
}

interface Model {
  skuId: string;
  /** The object learns its SKU id from the first call that carries it (expiry sweeps do not). */
  named: boolean;
  now: number;
  seq: number;
  /** One per movement the object logs. */
  revision: number;
  stock: Map<string, Counts>;
  reservations: Map<string, ModelReservation>;
  /** Op ids the object has applied (adjustments, and transfers by their `:out` leg), each with its delta. */
  ops: Map<string, number>;
  /** Every operation sent so far, for replays. */
  history: Op[];
}

interface Real {
  stub: Stub;
}

function counts(m: Model, warehouseId: string): Counts {
  let row = m.stock.get(warehouseId);
  if (!row) {
    row = { available: 0, reserved: 0, sold: 0 };
    m.stock.set(warehouseId, row);
  }
  return row;
}

function modelView(m: Model): StockView {
  const warehouses = [...m.stock.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([warehouseId, c]) => ({ warehouseId, ...c, received: c.available + c.reserved + c.sold }));
  const sum = (key: keyof Counts) => warehouses.reduce((acc, w) => acc + w[key], 0);
  return {
    skuId: m.named ? m.skuId : "",
    available: sum("available"),
    reserved: sum("reserved"),
    sold: sum("sold"),
    revision: m.revision,
    safetyStock: 0,
    warehouses,
  };
}

function modelReservation(m: Model, reservationId: string): Reservation | null {
  const r = m.reservations.get(reservationId);
  if (!r) return null;
  return {
    reservationId,
    status: r.status,
    quantity: r.allocations.reduce((acc, a) => acc + a.quantity, 0),
    allocations: r.allocations.map((a) => ({ ...a })),
    expiresAt: r.expiresAt,
  };
}

function closeHold(m: Model, r: ModelReservation, to: "confirmed" | "released"): void {
  for (const a of r.allocations) {
    const c = counts(m, a.warehouseId);
    c.reserved -= a.quantity;
    if (to === "confirmed") c.sold += a.quantity;
    else c.available += a.quantity;
    m.revision += 1;
  }
  r.status = to;
}

/** What the object must answer to `op`, applying its effect to the model. */
function applyModel(m: Model, op: Op): unknown {
  switch (op.kind) {
    case "adjust": {
      const { input } = op;
      m.named = true;
      // A replay answers what the first run moved (d92753a), and moves nothing again.
      const done = m.ops.get(input.opId);
      if (done !== undefined) return { ok: true, replayed: true, delta: done };
      const available = m.stock.get(input.warehouseId)?.available ?? 0;
      const delta = input.mode === "set" ? input.quantity - available : input.quantity;
      if (available + delta < 0) return { ok: false, code: "insufficient_stock" };
      counts(m, input.warehouseId).available += delta;
      m.ops.set(input.opId, delta);
      m.revision += 1;
      return { ok: true, replayed: false, delta };
    }
    case "transfer": {
      const { input } = op;
      m.named = true;
      const done = m.ops.get(`${input.opId}:out`);
      if (done !== undefined) return { ok: true, replayed: true, delta: done };
      if ((m.stock.get(input.fromWarehouseId)?.available ?? 0) < input.quantity) {
        return { ok: false, code: "insufficient_stock" };
      }
      counts(m, input.fromWarehouseId).available -= input.quantity;
      counts(m, input.toWarehouseId).available += input.quantity;
      m.ops.set(`${input.opId}:out`, input.quantity);
      m.revision += 2;
      return { ok: true, replayed: false, delta: input.quantity };
    }
    case "reserve": {
      const { input } = op;
      m.named = true;
      const existing = m.reservations.get(input.reservationId);
      if (existing) {
        const reservation = modelReservation(m, input.reservationId);
        return existing.status === "released"
          ? { ok: false, code: "reservation_closed", reservation }
          : { ok: true, replayed: true, reservation };
      }
      const priorities = input.priorities ?? {};
      const rank = (w: string) => priorities[w] ?? Number.MAX_SAFE_INTEGER;
      const candidates = [...m.stock.entries()]
        .filter(([, c]) => c.available > 0)
        .sort(([a, ca], [b, cb]) => rank(a) - rank(b) || cb.available - ca.available || (a < b ? -1 : 1));
      const total = candidates.reduce((acc, [, c]) => acc + c.available, 0);
      if (total < input.quantity) return { ok: false, code: "insufficient_stock", available: total };
      const whole = candidates.find(([, c]) => c.available >= input.quantity);
      const allocations: { warehouseId: string; quantity: number }[] = [];
      if (whole) allocations.push({ warehouseId: whole[0], quantity: input.quantity });
      else {
        let left = input.quantity;
        for (const [warehouseId, c] of candidates) {
          if (left === 0) break;
          const take = Math.min(left, c.available);
          allocations.push({ warehouseId, quantity: take });
          left -= take;
        }
      }
      for (const a of allocations) {
        const c = counts(m, a.warehouseId);
        c.available -= a.quantity;
        c.reserved += a.quantity;
        m.revision += 1;
      }
      allocations.sort((a, b) => (a.warehouseId < b.warehouseId ? -1 : 1));
      m.reservations.set(input.reservationId, {
        status: "held",
        allocations,
        expiresAt: input.at + input.ttlMs,
      });
      return { ok: true, replayed: false, reservation: modelReservation(m, input.reservationId) };
    }
    case "confirm":
    case "release": {
      const { input } = op;
      const to = op.kind === "confirm" ? "confirmed" : "released";
      m.named = true;
      const existing = m.reservations.get(input.reservationId);
      if (!existing) {
        if (to === "confirmed") return { ok: false, code: "unknown_reservation" };
        // A release before the reserve leaves a tombstone.
        m.reservations.set(input.reservationId, { status: "released", allocations: [], expiresAt: input.at });
        return { ok: true, replayed: false, reservation: modelReservation(m, input.reservationId) };
      }
      if (existing.status === to) {
        return { ok: true, replayed: true, reservation: modelReservation(m, input.reservationId) };
      }
      if (existing.status !== "held") {
        return { ok: false, code: existing.status === "released" ? "reservation_released" : "reservation_confirmed" };
      }
      closeHold(m, existing, to);
      return { ok: true, replayed: false, reservation: modelReservation(m, input.reservationId) };
    }
    case "expire": {
      let expired = 0;
      for (const r of m.reservations.values()) {
        if (r.status === "held" && r.expiresAt <= op.now) {
          closeHold(m, r, "released");
          expired += 1;
        }
      }
      return expired;
    }
  }
}

/** Whether `op` was already applied, so that sending it again must change nothing at all. */
function settled(m: Model, op: Op): boolean {
  switch (op.kind) {
    case "adjust":
      return m.ops.has(op.input.opId);
    case "transfer":
      return m.ops.has(`${op.input.opId}:out`);
    case "reserve":
      return m.reservations.has(op.input.reservationId);
    case "confirm":
    case "release": {
      const status = m.reservations.get(op.input.reservationId)?.status;
      return status !== undefined && status !== "held";
    }
    case "expire":
      // Later holds start at or after this sweep's time, so none of them is due at it.
      return op.now <= m.now;
  }
}

function sendReal(stub: Stub, op: Op): Promise<unknown> {
  switch (op.kind) {
    case "adjust":
      return stub.adjust(op.input);
    case "transfer":
      return stub.transfer(op.input);
    case "reserve":
      return stub.reserve(op.input);
    case "confirm":
      return stub.confirm(op.input);
    case "release":
      return stub.release(op.input);
    case "expire":
      return stub.expireDue(op.now);
  }
}

function checkView(view: StockView): void {
  for (const w of view.warehouses) {
    expect(w.available + w.reserved + w.sold, `invariant in ${w.warehouseId}`).toBe(w.received);
    expect(
      Math.min(w.available, w.reserved, w.sold, w.received),
      `negative in ${w.warehouseId}`,
    ).toBeGreaterThanOrEqual(0);
  }
}

/** The object, read through its public methods, equals the model. */
async function checkAgainstModel(m: Model, stub: Stub): Promise<void> {
  const view = await stub.view();
  checkView(view);
  expect(view).toEqual(modelView(m));
  const reservations = await Promise.all(RESERVATION_IDS.map((id) => stub.reservation(id)));
  expect(reservations).toEqual(RESERVATION_IDS.map((id) => modelReservation(m, id)));
}

async function perform(m: Model, stub: Stub, op: Op): Promise<void> {
  const expected = applyModel(m, op);
  const actual = await sendReal(stub, op);
  if (op.kind === "expire") expect(actual).toBe(expected);
  else {
    expect(actual).toMatchObject(expected as object);
    // Every answer, refusals included, carries the view after the call.
    expect((actual as { view: StockView }).view).toEqual(modelView(m));
  }
  await checkAgainstModel(m, stub);
}

function describeOp(op: Op): string {
  if (op.kind === "expire") return `expire(${op.now - CLOCK_START})`;
  return `${op.kind}(${JSON.stringify({ ...op.input, skuId: undefined, actor: undefined, at: op.input.at - CLOCK_START })})`;
}

/** A command that sends one new operation, built from the model's clock and counters. */
abstract class NewOp implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  abstract build(m: Model): Op;
  async run(m: Model, r: Real): Promise<void> {
    const op = this.build(m);
    m.history.push(op);
    await perform(m, r.stub, op);
  }
}

class Adjust extends NewOp {
  constructor(
    readonly warehouseId: string,
    readonly mode: "set" | "delta",
    readonly quantity: number,
  ) {
    super();
  }
  build(m: Model): Op {
    m.seq += 1;
    return {
      kind: "adjust",
      input: {
        skuId: m.skuId,
        opId: `adj-${m.seq}`,
        warehouseId: this.warehouseId,
        mode: this.mode,
        quantity: this.quantity,
        reason: "model",
        actor: ACTOR,
        at: m.now,
      },
    };
  }
  override toString(): string {
    return `adjust(${this.warehouseId} ${this.mode} ${this.quantity})`;
  }
}

class Reserve extends NewOp {
  constructor(
    readonly reservationId: string,
    readonly quantity: number,
    readonly priorities: Record<string, number>,
    readonly ttlMs: number,
  ) {
    super();
  }
  build(m: Model): Op {
    return {
      kind: "reserve",
      input: {
        skuId: m.skuId,
        reservationId: this.reservationId,
        quantity: this.quantity,
        priorities: this.priorities,
        ttlMs: this.ttlMs,
        actor: ACTOR,
        at: m.now,
      },
    };
  }
  override toString(): string {
    return `reserve(${this.reservationId} x${this.quantity} ${JSON.stringify(this.priorities)} ttl ${this.ttlMs})`;
  }
}

class Settle extends NewOp {
  constructor(
    readonly kind: "confirm" | "release",
    readonly reservationId: string,
  ) {
    super();
  }
  build(m: Model): Op {
    return {
      kind: this.kind,
      input: { skuId: m.skuId, reservationId: this.reservationId, actor: ACTOR, at: m.now },
    };
  }
  override toString(): string {
    return `${this.kind}(${this.reservationId})`;
  }
}

class Transfer extends NewOp {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly quantity: number,
  ) {
    super();
  }
  build(m: Model): Op {
    m.seq += 1;
    return {
      kind: "transfer",
      input: {
        skuId: m.skuId,
        opId: `tr-${m.seq}`,
        fromWarehouseId: this.from,
        toWarehouseId: this.to,
        quantity: this.quantity,
        reason: "model",
        actor: ACTOR,
        at: m.now,
      },
    };
  }
  override toString(): string {
    return `transfer(${this.from}->${this.to} x${this.quantity})`;
  }
}

/** Moves the clock on and sweeps: holds with expiresAt <= now go back to available. */
class Expire extends NewOp {
  constructor(readonly advanceMs: number) {
    super();
  }
  build(m: Model): Op {
    m.now += this.advanceMs;
    return { kind: "expire", now: m.now };
  }
  override toString(): string {
    return `expire(+${this.advanceMs}ms)`;
  }
}

/** Sends an earlier operation again, unchanged (same op id / reservation id, same `at`). */
class Replay implements fc.AsyncCommand<Model, Real> {
  private picked = "";
  constructor(readonly pick: number) {}
  check(m: Readonly<Model>): boolean {
    return m.history.length > 0;
  }
  async run(m: Model, r: Real): Promise<void> {
    const op = m.history[this.pick % m.history.length];
    if (!op) throw new Error("no history to replay");
    this.picked = describeOp(op);
    const noOp = settled(m, op);
    const before = await r.stub.view();
    await perform(m, r.stub, op);
    if (noOp) expect(await r.stub.view(), `replay of ${this.picked} changed something`).toEqual(before);
  }
  toString(): string {
    return `replay(#${this.pick}${this.picked ? ` ${this.picked}` : ""})`;
  }
}

class Evict implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    // Only a running object can be evicted: wake it first (a fresh object has not run yet).
    await r.stub.view();
    await evictDurableObject(r.stub);
    await checkAgainstModel(m, r.stub);
  }
  toString(): string {
    return "evict";
  }
}

const warehouse = fc.constantFrom(...WAREHOUSES);
const reservationId = fc.constantFrom(...RESERVATION_IDS);
/** Some warehouses ranked 0-2 (ties happen), the rest unlisted (they come last). */
const priorities = fc
  .tuple(...WAREHOUSES.map(() => fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined })))
  .map((ranks) => {
    const out: Record<string, number> = {};
    ranks.forEach((rank, i) => {
      const w = WAREHOUSES[i];
      if (rank !== undefined && w) out[w] = rank;
    });
    return out;
  });
const reserve = fc
  .tuple(reservationId, fc.integer({ min: 1, max: 25 }), priorities, fc.constantFrom(...TTLS))
  .map(([id, quantity, p, ttl]) => new Reserve(id, quantity, p, ttl));

const commandArbitraries: fc.Arbitrary<fc.AsyncCommand<Model, Real>>[] = [
  fc.tuple(warehouse, fc.integer({ min: -3, max: 30 })).map(([w, q]) => new Adjust(w, "set", q)),
  fc.tuple(warehouse, fc.integer({ min: -20, max: 30 })).map(([w, q]) => new Adjust(w, "delta", q)),
  fc.tuple(warehouse, fc.integer({ min: 1, max: 30 })).map(([w, q]) => new Adjust(w, "delta", q)),
  reserve,
  reserve,
  reserve,
  reservationId.map((id) => new Settle("confirm", id)),
  reservationId.map((id) => new Settle("confirm", id)),
  reservationId.map((id) => new Settle("release", id)),
  reservationId.map((id) => new Settle("release", id)),
  fc
    .tuple(warehouse, warehouse, fc.integer({ min: 1, max: 20 }))
    .filter(([from, to]) => from !== to)
    .map(([from, to, q]) => new Transfer(from, to, q)),
  // Steps of a TTL land exactly on expiry times (due at `expiresAt`, not only after it).
  fc
    .oneof(fc.constantFrom(0, ...TTLS, 4_000, 15_000, 40_000), fc.integer({ min: 0, max: 30_000 }))
    .map((ms) => new Expire(ms)),
  fc.nat().map((pick) => new Replay(pick)),
  fc.nat().map((pick) => new Replay(pick)),
  fc.constant(null).map(() => new Evict()),
];
const commands = fc.commands(commandArbitraries, { maxCommands: 25, size: "max" });

/** Opening stock per warehouse (0 leaves a warehouse empty, so sequences start from varied states). */
const opening = fc.tuple(...WAREHOUSES.map(() => fc.integer({ min: 0, max: 20 })));

describe("SkuInventory against a model", () => {
  it("matches the model after every step of random operation sequences, replays and evictions", async () => {
    await fc.assert(
      fc.asyncProperty(opening, commands, async (levels, cmds) => {
        const skuId = `sku_model_${crypto.randomUUID()}`;
        const stub = inventoryOf(env).getByName(skuId);
        const model: Model = {
          skuId,
          named: false,
          now: CLOCK_START,
          seq: 0,
          revision: 0,
          stock: new Map(),
          reservations: new Map(),
          ops: new Map(),
          history: [],
        };
        for (const [i, quantity] of levels.entries()) {
          const warehouseId = WAREHOUSES[i];
          if (warehouseId && quantity > 0) await new Adjust(warehouseId, "set", quantity).run(model, { stub });
        }
        await fc.asyncModelRun(() => ({ model, real: { stub } }), cmds);
        // The movement log agrees with the revision the model counted.
        const logged = await runInDurableObject(
          stub,
          (_instance: SkuInventory, state) =>
            state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM movements").one().n,
        );
        expect(logged).toBe(model.revision);
      }),
      { numRuns: 40 },
    );
  }, 90_000);
});
