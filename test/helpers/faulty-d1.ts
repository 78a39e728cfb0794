/**
 * Fault injection around the real D1 binding (not a mock: every statement that is not told to
 * fail runs on the real database). Stands for the network between a Worker and D1: a batch whose
 * answer is lost after it committed, a batch or statement that never arrives.
 */

export interface Faults {
  /** Runs the batch, then throws as if the answer were lost on the way back (given each statement's SQL). */
  loseBatchAnswer?: (sql: string[]) => boolean;
  /** Throws instead of running the batch. */
  failBatch?: (sql: string[]) => boolean;
  /** Throws instead of running a single statement with this SQL. */
  failStatement?: (sql: string) => boolean;
}

type Preparer = Pick<D1Database, "prepare" | "batch">;

const targets = new WeakMap<object, D1PreparedStatement>();

function unwrapped(stmt: D1PreparedStatement): D1PreparedStatement {
  return targets.get(stmt) ?? stmt;
}

/** The SQL of every statement this module handed out, so batch faults can pick their batch. */
const sqlOf = new WeakMap<object, string>();

function wrapStatement(stmt: D1PreparedStatement, sql: string, faults: Faults): D1PreparedStatement {
  const wrapped = new Proxy(stmt, {
    get(target, prop, receiver) {
      if (prop === "bind") return (...args: unknown[]) => wrapStatement(target.bind(...args), sql, faults);
      if (["run", "all", "first", "raw"].includes(String(prop)) && faults.failStatement?.(sql)) {
        return async () => {
          throw new Error(`D1 statement lost (injected): ${sql.slice(0, 60)}`);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  sqlOf.set(wrapped, sql);
  targets.set(wrapped, stmt);
  return wrapped;
}

function wrap<T extends Preparer>(target: T, faults: Faults): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (prop === "prepare") return (sql: string) => wrapStatement(t.prepare(sql), sql, faults);
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const sql = statements.map((s) => sqlOf.get(s) ?? "");
          if (faults.failBatch?.(sql)) throw new Error("D1 batch lost before it arrived (injected)");
          // The real statements run unwrapped inside the batch (a proxy is not a native statement).
          const results = await t.batch(statements.map(unwrapped));
          if (faults.loseBatchAnswer?.(sql)) throw new Error("D1 batch answer lost after commit (injected)");
          return results;
        };
      }
      if (prop === "withSession") {
        return (...args: unknown[]) => {
          const inner = (t as unknown as D1Database).withSession(...(args as [string]));
          return wrap(inner, faults);
        };
      }
      const value = Reflect.get(t, prop, receiver);
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
}

/** `real` with the given faults injected. */
export function faultyD1(real: D1Database, faults: Faults): D1Database {
  return wrap(real, faults);
}

/** A batch fault for the first `n` batches that write `table`, then never. */
export function firstBatchesWriting(table: string, n = 1): (sql: string[]) => boolean {
  let left = n;
  const writes = new RegExp(`^\\s*insert\\s+into\\s+"?${table}"?`, "i");
  return (sql) => {
    if (left <= 0 || !sql.some((s) => writes.test(s))) return false;
    left -= 1;
    return true;
  };
}
