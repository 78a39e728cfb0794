import { defineConfig } from "drizzle-kit";

// drizzle-kit writes SQL migrations into the directory every wrangler config names as its
// `migrations_dir`; `wrangler d1 migrations apply` (and the test setup) apply them.
export default defineConfig({
  dialect: "sqlite",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
});
