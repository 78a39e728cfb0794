// Applies the D1 migrations and the demo seed before each test file. Both are idempotent
// (migrations are tracked, seed rows are INSERT OR IGNORE with fixed ids).
import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await env.DB.batch(env.TEST_SEED.map((statement) => env.DB.prepare(statement)));
