import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { buildSeedStatements } from "./db/seed/build.ts";

const root = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run inside workerd with real D1, Queues (and Durable Objects as they land). Migrations
// and the fixed demo seed (accounts, shops, catalog structure, a small generated catalog) are
// handed to the runtime as bindings and applied by test/setup.ts.
export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: "./test/wrangler.test.toml" },
      miniflare: {
        bindings: {
          JWT_SECRET: "test-only-jwt-secret-0123456789abcdef0123456789",
          PAYMENT_WEBHOOK_SECRET: "whsec_dev_sandbox_secret",
          TEST_MIGRATIONS: await readD1Migrations(root("./db/migrations")),
          TEST_SEED: await buildSeedStatements({ catalogSize: 40 }),
          // `npm run test:shards`: every file starts with the slots split over ORDERS_0 and ORDERS_1.
          TEST_SPLIT_SHARDS: process.env.TEST_SPLIT_SHARDS ?? "",
        },
        // The outside web for feeds (test/discovery/feeds.test.ts): every outbound fetch goes through
        // this Worker, which serves *.feeds.test from what a test stored and passes the rest through.
        outboundService: "feed-origin",
        workers: [{ name: "feed-origin", modules: true, scriptPath: root("./test/fixtures/feed-origin.js") }],
      },
    })),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    testTimeout: 30_000,
    // Workers log one JSON line per request; show them only for failing tests.
    silent: "passed-only",
  },
});
