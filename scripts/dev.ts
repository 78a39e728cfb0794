/**
 * `npm run dev`: the whole platform locally on one origin, with demo data.
 * 1. applies D1 migrations to the local database;
 * 2. spreads the order slots over the local order shards (on a fresh database) and loads the
 *    demo seed (idempotent);
 * 3. starts all four Workers and the dev router in one `wrangler dev`, so they share local D1,
 *    Durable Objects and Queues, on 127.0.0.1:$PORT (default 8787), and the password hasher in a
 *    second one (its own workerd process, on $PORT+1000), bound through the dev registry.
 * Options: PORT=8788, CATALOG_SIZE=500, SKIP_SEED=1.
 */
import { spawn } from "node:child_process";
import { demoId } from "../db/seed/fixtures.ts";
import { signAccessToken } from "../shared/platform/auth.ts";
import { systemClock } from "../shared/platform/clock.ts";
import {
  applyLocalMigrations,
  DEMO_LOGINS,
  DEV_CONFIGS,
  DEV_JWT_SECRET,
  devRegistryEnv,
  HASHER_CONFIG,
  loadDemoSeed,
  PERSIST_DIR,
  SANDBOX_API_KEY,
  SANDBOX_WEBHOOK_SECRET,
  spreadLocalOrderSlots,
  wrangler,
  writeDevVars,
} from "./local.ts";

const DEMO_OPERATOR_ID = demoId("usr", 1);

const port = process.env.PORT ?? "8787";
const origin = `http://127.0.0.1:${port}`;

writeDevVars(origin);
applyLocalMigrations();
spreadLocalOrderSlots();
if (!process.env.SKIP_SEED) loadDemoSeed(process.env.CATALOG_SIZE ?? "2000");

const args = [
  "dev",
  ...DEV_CONFIGS.flatMap((c) => ["-c", c]),
  "--ip",
  "127.0.0.1",
  "--port",
  port,
  // The Workers see the local origin, not their production route's (shop.example.com), in request.url.
  "--infer-origin-from-routes=false",
  "--persist-to",
  PERSIST_DIR,
];
/**
 * The seed loads stock into the D1 projection by SQL; the SKU objects (the system of record) get
 * it through the operator tool that adopts projected stock, called here once the Workers are up.
 * A fresh operator token for each call: on a slow machine adopting the whole catalog takes longer
 * than one token lives (600 s), and an expired token stopped `npm run dev` halfway.
 */
function operatorToken(): Promise<string> {
  return signAccessToken(
    { userId: DEMO_OPERATOR_ID, roles: ["operator"] },
    { secret: DEV_JWT_SECRET, issuer: "edge-commerce", audience: "edge-commerce", clock: systemClock },
    600,
  );
}

/** How many times a setup call is tried before `npm run dev` gives up. */
const SETUP_ATTEMPTS = 5;

/**
 * One setup call as the demo operator, retried when the connection fails or the platform answers
 * 5xx: on a loaded machine the local runtime has closed a connection in the middle of adopting
 * stock ("other side closed"), which stopped `npm run dev` and with it the bench. Only for calls
 * that are safe to repeat: adoption sets each SKU once by op id, rebuild jobs may run side by side
 * (indexing is idempotent), reading a job changes nothing. Before a retry the router must answer
 * its health check again.
 */
async function setupCall(method: string, path: string, body?: unknown): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    let failure: string;
    try {
      const res = await fetch(`${origin}${path}`, {
        method,
        headers: { authorization: `Bearer ${await operatorToken()}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (res.status < 500) return res;
      failure = `${res.status} ${await res.text()}`;
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause;
      failure = cause ? `${(err as Error).message}: ${cause.message}` : (err as Error).message;
    }
    if (attempt === SETUP_ATTEMPTS) throw new Error(`${method} ${path} failed ${attempt} times, last: ${failure}`);
    console.warn(`${method} ${path} failed (${failure}); retrying (${attempt} of ${SETUP_ATTEMPTS})`);
    await new Promise((r) => setTimeout(r, 1000 * attempt));
    await untilServing();
  }
}

/** A batch per call small enough to finish well within a minute on a loaded machine. */
const ADOPT_BATCH = 250;

async function adoptSeededStock(): Promise<number> {
  let adopted = 0;
  for (;;) {
    const res = await setupCall("POST", "/admin/v1/ops/stock/adopt-projection", { limit: ADOPT_BATCH });
    if (!res.ok) throw new Error(`adopting seeded stock failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { adopted: number; remaining: number };
    adopted += body.adopted;
    if (body.remaining === 0 || body.adopted === 0) return adopted;
  }
}

/**
 * The seed writes products by SQL, so their search documents are built once the Workers are up:
 * by a search rebuild job over the products without one, polled until it completes.
 */
async function indexSeededCatalog(): Promise<number> {
  const started = await setupCall("POST", "/admin/v1/ops/search/rebuild", { missingOnly: true, chunkSize: 500 });
  if (started.status !== 202) throw new Error(`indexing the catalog failed: ${started.status} ${await started.text()}`);
  const { jobId } = (await started.json()) as { jobId: string };
  for (;;) {
    const res = await setupCall("GET", `/admin/v1/ops/search/rebuild/${jobId}`);
    if (!res.ok) throw new Error(`reading search rebuild job ${jobId} failed: ${res.status} ${await res.text()}`);
    const job = (await res.json()) as { status: string; done: number };
    if (job.status === "completed") return job.done;
    await new Promise((r) => setTimeout(r, 250));
  }
}

// The hasher first (HASHER_CONFIG), on the next ports up; the others bind it through the registry.
const registry = { ...process.env, ...devRegistryEnv() };
const hasherArgs = ["dev", "-c", HASHER_CONFIG, "--ip", "127.0.0.1", "--port", String(Number(port) + 1000)];
const hasher = spawn(wrangler, [...hasherArgs, "--inspector-port", String(Number(port) + 1001)], {
  stdio: ["ignore", "inherit", "inherit"],
  env: registry,
});
const child = spawn(wrangler, args, { stdio: ["inherit", "inherit", "inherit"], env: registry });
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopping = true;
    hasher.kill(signal);
    child.kill(signal);
  });
}
child.on("exit", (code) => {
  hasher.kill("SIGTERM");
  process.exit(code ?? 0);
});
hasher.on("exit", (code) => {
  // Only news while the platform keeps serving (not when it is being stopped).
  if (!stopping && child.exitCode === null) {
    console.error(`the password hasher's wrangler dev exited (${code}); logins fail`);
  }
});

/**
 * Waits until the router and the admin Worker behind it (which the setup calls reach) answer
 * (wrangler's own "Ready" line is hidden at WRANGLER_LOG=error).
 */
async function untilServing(): Promise<void> {
  const healthy = async (path: string) => {
    const res = await fetch(`${origin}${path}`);
    await res.body?.cancel();
    return res.ok;
  };
  for (;;) {
    if (child.exitCode !== null) throw new Error("wrangler dev exited");
    try {
      if ((await healthy("/v1/health")) && (await healthy("/admin/v1/health"))) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

await untilServing();
const adopted = await adoptSeededStock();
if (adopted > 0) console.log(`moved the demo catalog's stock into ${adopted} SKU inventory objects`);
console.log(`indexed ${await indexSeededCatalog()} products for search`);
console.log(`
  Edge commerce is running on ${origin}
    storefront   ${origin}/v1/health      docs ${origin}/docs      OpenAPI ${origin}/openapi.json
    admin        ${origin}/admin/v1/health  docs ${origin}/admin/docs  OpenAPI ${origin}/admin/openapi.json
    webhooks     ${origin}/webhooks/health  OpenAPI ${origin}/webhooks/openapi.json
    sandbox      ${origin}/sandbox/api/v1 (Bearer ${SANDBOX_API_KEY})  OpenAPI ${origin}/sandbox/openapi.json
  Demo accounts (local only):
${DEMO_LOGINS.map(([role, user, password]) => `    ${role.padEnd(16)} ${user.padEnd(10)} ${password}`).join("\n")}
  Sandbox payment webhook secret: ${SANDBOX_WEBHOOK_SECRET}
`);
