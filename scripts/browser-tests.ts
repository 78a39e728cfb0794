/**
 * `npm run test:browser`: the console's browser tests (test/browser/*.spec.ts, node:test with
 * playwright-core driving the system's Chromium) against the platform started exactly as
 * `npm run dev` starts it, on a free port and a fresh local state directory (so a developer's
 * running `npm run dev` and its data are left alone). Only the process group this script started
 * is stopped, by its pid, whatever the outcome. Words after `--` pick specs by name.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer } from "node:net";

const STATE_DIR = ".wrangler/browser-tests";
/** Ready once `npm run dev` has printed its banner (migrations, seed, stock and search done). */
const READY = "Edge commerce is running on";
const START_TIMEOUT_MS = 10 * 60_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
rmSync(STATE_DIR, { recursive: true, force: true });

const started = Date.now();
// Its own process group, so stopping it stops wrangler and workerd with it, and nothing else.
const dev = spawn("npm", ["run", "dev"], {
  detached: true,
  stdio: ["ignore", "pipe", "pipe"],
  env: { ...process.env, PORT: String(port), PERSIST_DIR: STATE_DIR, CATALOG_SIZE: process.env.CATALOG_SIZE ?? "200" },
});
let log = "";
// The whole group, even when npm itself has exited: wrangler and workerd may outlive it.
const stop = () => {
  if (!dev.pid) return;
  try {
    process.kill(-dev.pid, "SIGTERM");
  } catch {
    // The group is gone already.
  }
};
process.on("exit", stop);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stop();
    process.exit(130);
  });
}

await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(
    () => reject(new Error(`npm run dev was not ready within ${START_TIMEOUT_MS} ms`)),
    START_TIMEOUT_MS,
  );
  const onData = (chunk: Buffer) => {
    log += chunk.toString();
    if (log.includes(READY)) {
      clearTimeout(timer);
      resolve();
    }
  };
  dev.stdout.on("data", onData);
  dev.stderr.on("data", onData);
  dev.once("exit", (code) => {
    clearTimeout(timer);
    reject(new Error(`npm run dev exited (${code}) before it was ready:\n${log.slice(-4000)}`));
  });
}).catch((err: Error) => {
  console.error(err.message);
  stop();
  process.exit(1);
});
console.log(`platform ready on ${origin} in ${Math.round((Date.now() - started) / 1000)} s; running the browser tests`);

// `npm run test:browser -- ship-order voucher`: only the specs whose names hold those words.
const filters = process.argv.slice(2);
const specs = filters.length > 0 ? filters.map((f) => `test/browser/*${f}*.spec.ts`) : ["test/browser/*.spec.ts"];
const testsStarted = Date.now();
const tests = spawn(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...specs],
  { stdio: "inherit", env: { ...process.env, CONSOLE_ORIGIN: origin } },
);
const code = await new Promise<number>((resolve) => tests.once("exit", (c) => resolve(c ?? 1)));
console.log(`browser tests took ${Math.round((Date.now() - testsStarted) / 1000)} s`);
if (code !== 0) console.error(`platform log (last lines):\n${log.slice(-3000)}`);
stop();
process.exit(code);
