/**
 * `npm run dev`: the whole platform locally on one origin, with demo data.
 * 1. applies D1 migrations to the local database;
 * 2. loads the demo seed (idempotent);
 * 3. starts all four Workers and the dev router in one `wrangler dev`, so they share local D1,
 *    Durable Objects and Queues, on 127.0.0.1:$PORT (default 8787).
 * Options: PORT=8788, CATALOG_SIZE=500, SKIP_SEED=1.
 */
import { execFileSync, spawn } from "node:child_process";
import { DEMO_LOGINS, DEV_CONFIGS, PERSIST_DIR, wrangler, writeDevVars } from "./local.ts";

const port = process.env.PORT ?? "8787";
const origin = `http://127.0.0.1:${port}`;

writeDevVars();
execFileSync(
  wrangler,
  ["d1", "migrations", "apply", "commerce", "--local", "--persist-to", PERSIST_DIR, "-c", "wrangler.toml"],
  {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CI: "true" },
  },
);
if (!process.env.SKIP_SEED) {
  execFileSync(
    process.execPath,
    ["--import", "tsx", "scripts/seed-local.ts", "--catalog-size", process.env.CATALOG_SIZE ?? "2000"],
    {
      stdio: "inherit",
    },
  );
}

const args = [
  "dev",
  ...DEV_CONFIGS.flatMap((c) => ["-c", c]),
  "--ip",
  "127.0.0.1",
  "--port",
  port,
  "--persist-to",
  PERSIST_DIR,
];
const child = spawn(wrangler, args, { stdio: ["inherit", "pipe", "inherit"] });
let announced = false;
child.stdout.on("data", (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (!announced && chunk.toString().includes("Ready on")) {
    announced = true;
    console.log(`
  Edge commerce is running on ${origin}
    storefront   ${origin}/v1/health      docs ${origin}/docs      OpenAPI ${origin}/openapi.json
    admin        ${origin}/admin/v1/health  docs ${origin}/admin/docs  OpenAPI ${origin}/admin/openapi.json
    webhooks     ${origin}/webhooks/health  OpenAPI ${origin}/webhooks/openapi.json
  Demo accounts (local only):
${DEMO_LOGINS.map(([role, user, password]) => `    ${role.padEnd(16)} ${user.padEnd(10)} ${password}`).join("\n")}
  Sandbox payment webhook secret: whsec_dev_sandbox_secret
`);
  }
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
