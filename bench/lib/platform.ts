/** Starts the whole local platform (`npm run dev`) for a bench run and stops it afterwards. */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";

export interface RunningPlatform {
  origin: string;
  stop(): Promise<void>;
}

async function waitForHealth(origin: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the platform exited early (code ${child.exitCode})`);
    try {
      const res = await fetch(`${origin}/v1/health`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the platform did not answer ${origin}/v1/health within ${timeoutMs} ms`);
}

/** Runs `scripts/dev.ts` on `port` in its own process group, and waits until it serves. */
export async function startPlatform(port: number, env: Record<string, string> = {}): Promise<RunningPlatform> {
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/dev.ts"], {
    // WRANGLER_LOG=error: wrangler dev printing a line per request would otherwise be measured too.
    env: { ...process.env, WRANGLER_LOG: "error", PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  // The dev script prints its banner once start-up work (stock adoption, indexing) is done;
  // measuring before that would measure that work too.
  let ready = false;
  // BENCH_PLATFORM_LOG=file keeps what the platform printed, both streams in the order they came
  // (wrangler's errors with their stacks beside the Workers' own logs), to pair a scenario's
  // errors with what the Workers saw. Its stderr still reaches the bench's too.
  const log = process.env.BENCH_PLATFORM_LOG ? createWriteStream(process.env.BENCH_PLATFORM_LOG) : undefined;
  child.stdout?.on("data", (chunk: Buffer) => {
    log?.write(chunk);
    if (chunk.toString().includes("Edge commerce is running")) ready = true;
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    log?.write(chunk);
    process.stderr.write(chunk);
  });
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(-child.pid, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
  };
  // The platform runs in its own process group, so a bench stopped by a signal (Ctrl-C, a
  // timeout) would leave it running and loading the machine: stop it first.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void stop().finally(() => process.exit(130));
    });
  }
  try {
    // Migrations and the seed come first; a busy machine may need longer (BENCH_START_TIMEOUT_MS).
    await waitForHealth(origin, child, Number(process.env.BENCH_START_TIMEOUT_MS ?? 180_000));
    const deadline = Date.now() + 600_000;
    while (!ready) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error("the platform did not finish starting");
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { origin, stop };
}
