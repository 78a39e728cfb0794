// Applies the D1 migrations and the demo seed before each test file. Both are idempotent
// (migrations are tracked, seed rows are INSERT OR IGNORE with fixed ids). Every order shard gets
// the same migrations (ORDERS_0 is the commerce database itself). Under `npm run test:shards` every
// file then starts with the slots split over two shards (slot i on shard i % 2), so each flow's
// tests run with its shoppers' orders on either shard; files about the slot table itself start
// from the default table (test/helpers/shards.ts, slotsAllOnShardZero).
import { applyD1Migrations, env } from "cloudflare:test";
import { splitSlotsOverTwoShards } from "./helpers/shards";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await Promise.all([env.ORDERS_1, env.ORDERS_2].map((shard) => applyD1Migrations(shard, env.TEST_MIGRATIONS)));
await env.DB.batch(env.TEST_SEED.map((statement) => env.DB.prepare(statement)));
if (env.TEST_SPLIT_SHARDS) await splitSlotsOverTwoShards();
