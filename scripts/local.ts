/** What the local scripts (dev, seed, bench) share: paths, configs and the local secrets. */
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** Where local D1, Durable Objects and Queues keep their state, shared by every Worker. */
export const PERSIST_DIR = ".wrangler/state";

export const wrangler = join("node_modules", ".bin", "wrangler");

/** The configs of `wrangler dev`, router first: only the first is exposed on a port. */
export const DEV_CONFIGS = [
  "workers/dev-router/wrangler.toml",
  "wrangler.toml",
  "workers/admin/wrangler.toml",
  "workers/payments-webhook/wrangler.toml",
  "workers/events/wrangler.toml",
];

/**
 * Local-only secrets (API.md fixes the webhook one). Written to `.dev.vars` beside each config
 * when missing, so a clean clone runs with no setup; production reads Worker secrets instead.
 */
const LOCAL_VARS: Record<string, Record<string, string>> = {
  "wrangler.toml": { ENVIRONMENT: "development", JWT_SECRET: "dev-only-jwt-secret-change-me-0123456789abcdef" },
  "workers/admin/wrangler.toml": {
    ENVIRONMENT: "development",
    JWT_SECRET: "dev-only-jwt-secret-change-me-0123456789abcdef",
  },
  "workers/payments-webhook/wrangler.toml": {
    ENVIRONMENT: "development",
    PAYMENT_WEBHOOK_SECRET: "whsec_dev_sandbox_secret",
  },
  "workers/events/wrangler.toml": { ENVIRONMENT: "development" },
};

/** Writes the local `.dev.vars` files that do not exist yet. */
export function ensureDevVars(): void {
  for (const [config, vars] of Object.entries(LOCAL_VARS)) {
    const file = join(dirname(config), ".dev.vars");
    if (existsSync(file)) continue;
    writeFileSync(
      file,
      `${Object.entries(vars)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n")}\n`,
    );
  }
}

/** The demo accounts printed at start (API.md). */
export const DEMO_LOGINS = [
  ["operator", "admin", "admin-dev-password"],
  ["seller (shop 1)", "seller1", "seller-dev-password"],
  ["seller (shop 2)", "seller2", "seller2-dev-password"],
  ["shopper", "shopper1", "shopper-dev-password"],
] as const;
