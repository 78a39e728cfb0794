// Bindings the test runner adds on top of the Workers' own (see vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    JWT_SECRET: string;
    PAYMENT_WEBHOOK_SECRET: string;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    TEST_SEED: string[];
    /** Set by `npm run test:shards`: test/setup.ts splits the slots over two shards for every file. */
    TEST_SPLIT_SHARDS: string;
    /** The third order shard, bound in tests only (slot moves). */
    ORDERS_2: D1Database;
  }
}

declare module "*.toml?raw" {
  const text: string;
  export default text;
}

declare module "*.jsonc?raw" {
  const text: string;
  export default text;
}

declare module "*.csv?raw" {
  const text: string;
  export default text;
}
