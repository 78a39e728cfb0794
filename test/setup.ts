// Applies the D1 migrations and the demo seed before each test file. Both are idempotent
// (migrations are tracked, seed rows are INSERT OR IGNORE with fixed ids). Every order shard gets
// the same migrations (ORDERS_0 is the commerce database itself).
import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await Promise.all([env.ORDERS_1, env.ORDERS_2].map((shard) => applyD1Migrations(shard, env.TEST_MIGRATIONS)));
await env.DB.batch(env.TEST_SEED.map((statement) => env.DB.prepare(statement)));
