/**
 * A D1 binding that records its round trips (not a mock: every statement runs on the real
 * database). Each `batch` is one round trip, and so is each prepared statement executed on its
 * own (`first`, `all`, `run`, `raw`).
 */

import type { OrderStore } from "../../shared/orders/order-store";
import { ordersThrough } from "./orders";

/** One round trip: what went out and, for D1, the statement(s). */
export interface Trip {
  to: string;
  what: string;
  /** Wall time from sending to the answer (set when it settles), for the capacity model's service times. */
  ms?: number;
}

/** `promise`, recording its wall time into `trip.ms` when it settles. */
function timed<T>(trip: Trip, promise: Promise<T>): Promise<T> {
  const started = performance.now();
  return promise.finally(() => {
    trip.ms = performance.now() - started;
  });
}

const EXECUTE = new Set(["first", "all", "run", "raw"]);

/** `d1` recording each of its round trips into `trips` (as going `to` it: "D1", or a shard's name). */
export function countingD1(d1: D1Database, trips: Trip[], to = "D1"): D1Database {
  const real = new WeakMap<object, D1PreparedStatement>();
  const sqlOf = new WeakMap<object, string>();
  const short = (sql: string) => sql.replace(/\s+/g, " ").slice(0, 60);
  const wrap = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => wrap(target.bind(...values), sql);
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (typeof prop === "string" && EXECUTE.has(prop)) {
          return (...args: unknown[]) => {
            const trip: Trip = { to, what: `${prop}: ${short(sql)}` };
            trips.push(trip);
            return timed(trip, Reflect.apply(value, target, args) as Promise<unknown>);
          };
        }
        return value.bind(target);
      },
    });
    real.set(proxy, stmt);
    sqlOf.set(proxy, sql);
    return proxy;
  };
  return new Proxy(d1, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          const trip: Trip = {
            to,
            what: `batch of ${statements.length}: ${statements.map((s) => short(sqlOf.get(s) ?? "?").slice(0, 24)).join(" | ")}`,
          };
          trips.push(trip);
          return timed(trip, target.batch(statements.map((s) => real.get(s) ?? s)));
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * The order shards with every round trip recorded as going to "D1 orders". The slot table's read
 * is not counted: an isolate reads it once per ORDER_SLOT_CACHE_MS (5 s), not once per order.
 */
export function countingOrderStore(trips: Trip[]): OrderStore {
  return ordersThrough((shard) => countingD1(shard, trips, "D1 orders"));
}
