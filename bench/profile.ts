/**
 * Where a route's time goes on the local platform (`npm run bench:profile`): drives one scenario
 * against a running `npm run dev` and reports the CPU each process of the machine spent per
 * request (workerd serving the Workers, wrangler's proxy, the load generator). Locally every
 * Worker, Durable Object, D1 database and queue runs on the one thread of one workerd process,
 * so that process's CPU per request is what bounds a route's throughput on this machine: at
 * 12.5 ms per order, ~80 orders/s.
 *
 *   npm run dev                                    # in another shell (PORT=8787 by default)
 *   BENCH_ORIGIN=http://127.0.0.1:8787 npm run bench:profile -- orders|order-floor|detail|detail-floor|hello
 *
 * Options: BENCH_DURATION (10 s), BENCH_CONNECTIONS (64). With PROFILE_ISOLATES=storefront (any
 * substrings of workerd's isolate names, e.g. core:user:events, d1:db) it also records a V8 CPU
 * profile of those isolates through workerd's inspector and prints their top functions by self
 * time (PROFILE_TOP, 12; PROFILE_INTERVAL_US, 1000). Read those as names, not amounts: the
 * sampler interrupts the shared thread whichever isolate runs, so an isolate's "busy" time is
 * close to the whole thread's, and profiling itself costs the thread a third more CPU. The first
 * run after a start is slower (compilation); compare later runs with each other.
 *
 * With PROFILE_PERF=1 (needs Linux `perf`) it also samples the whole workerd process and prints
 * the thread's time by kind of work: drizzle's rendering, zod, SQLite, GC, local D1's own
 * JavaScript, the kernel (bench/lib/perf-breakdown.ts; JavaScript is named only when dev runs
 * with MINIFLARE_WORKERD_V8_FLAGS="--perf-basic-prof --interpreted-frames-native-stack").
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { measure, type Scenario } from "./lib/load.ts";
import { hasPerfMap, perfAvailable, recordPerf } from "./lib/perf-breakdown.ts";
import { orderScenarios } from "./orders.ts";
import { DETAIL_KEY_FLOOR_PATH, DETAIL_PATH } from "./scenarios.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const origin = process.env.BENCH_ORIGIN ?? "http://127.0.0.1:8787";
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const top = Number(process.env.PROFILE_TOP ?? 12);
const what = process.argv[2] ?? "orders";

/** The listening TCP ports of a process, from /proc (no ss or lsof needed). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of execFileSync("ls", [`/proc/${pid}/fd`])
    .toString()
    .split("\n")
    .filter(Boolean)) {
    try {
      const link = execFileSync("readlink", [`/proc/${pid}/fd/${fd}`])
        .toString()
        .trim();
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // Closed meanwhile.
    }
  }
  const ports: number[] = [];
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    // st 0A: LISTEN.
    if (cols[3] === "0A" && cols[9] && inodes.has(cols[9]))
      ports.push(Number.parseInt(cols[1]?.split(":")[1] ?? "0", 16));
  }
  return ports;
}

/** The label of the workerd process that runs the Workers (one for the platform, one for the hasher). */
const WORKERS = "workerd: the Workers, their objects, D1 and queues (one thread)";

/** A process's role, from its command line. */
function labelOf(cmd: string): string {
  if (cmd.includes("workerd serve")) {
    const entry = /socket-addr=entry=[\d.]+:(\d+)/.exec(cmd)?.[1];
    const workers = cmd.includes("--inspector-addr");
    return workers ? WORKERS : `workerd: wrangler's proxy in front (port ${entry})`;
  }
  if (cmd.includes("wrangler")) return `node: ${cmd.includes("password-hasher") ? "the hasher's " : ""}wrangler dev`;
  return `node: ${cmd.slice(cmd.lastIndexOf("/") + 1, 100)}`;
}

function processes(): { pid: number; name: string }[] {
  const out: { pid: number; name: string }[] = [];
  for (const entry of execFileSync("ls", ["/proc"]).toString().split("\n")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (/workerd serve|wrangler|tsx|autocannon/.test(cmd)) out.push({ pid: Number(entry), name: labelOf(cmd) });
    } catch {
      // Exited.
    }
  }
  return out;
}

/** The fields of /proc/<pid>/stat after the command name (state, ppid, ...), or [] once it exited. */
function statFields(pid: number): string[] {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return [];
  }
}

/** Whether a workerd process is the password hasher's (its parent is the hasher's wrangler dev). */
function servesTheHasher(pid: number): boolean {
  try {
    return readFileSync(`/proc/${statFields(pid)[1]}/cmdline`, "utf8").includes("password-hasher");
  } catch {
    return false;
  }
}

/** utime + stime of a process and its threads, in clock ticks. */
function cpuTicks(pid: number): number {
  const fields = statFields(pid);
  return fields.length === 0 ? 0 : Number(fields[11]) + Number(fields[12]);
}

async function inspectorTargets(): Promise<{ id: string; url: string }[]> {
  for (const p of processes().filter((p) => p.name === WORKERS)) {
    for (const port of listeningPorts(p.pid)) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(1000) });
        const list = (await res.json()) as { id: string; webSocketDebuggerUrl: string }[];
        if (list.some((t) => t.id === "core:user:storefront")) {
          return list.map((t) => ({ id: t.id, url: t.webSocketDebuggerUrl }));
        }
      } catch {
        // Not an inspector.
      }
    }
  }
  throw new Error("no workerd inspector serving core:user:storefront: is npm run dev running?");
}

class Session {
  private next = 1;
  private waiting = new Map<number, (v: unknown) => void>();
  private constructor(private ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
      if (msg.id !== undefined) this.waiting.get(msg.id)?.(msg.result);
    });
  }
  static open(url: string): Promise<Session> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.addEventListener("open", () => resolve(new Session(ws)));
      ws.addEventListener("error", () => reject(new Error(`cannot open ${url}`)));
    });
  }
  send<T>(method: string, params: object = {}): Promise<T> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve as (v: unknown) => void);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }
  close(): void {
    this.ws.close();
  }
}

/** Self time per function (ms), the sampled busy time, from a profile's samples and their time deltas. */
function summarize(profile: CpuProfile): { busyMs: number; functions: [string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i] as number);
    const ms = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") continue;
    busy += ms;
    const file = url.split("/").slice(-2).join("/");
    const key = `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim();
    self.set(key, (self.get(key) ?? 0) + ms);
  }
  return { busyMs: busy, functions: [...self.entries()].sort((a, b) => b[1] - a[1]) };
}

async function scenarioFor(name: string): Promise<Scenario> {
  if (name === "orders") return (await orderScenarios(origin)).plain;
  if (name === "order-floor") return (await orderScenarios(origin)).floor;
  if (name === "detail") return { name: "product detail", path: DETAIL_PATH };
  if (name === "hello") return { name: "hello", path: "/__hello" };
  if (name === "detail-floor") return { name: "detail's key read alone", path: DETAIL_KEY_FLOOR_PATH };
  throw new Error(`unknown scenario ${name}: orders, order-floor, detail, detail-floor or hello`);
}

const scenario = await scenarioFor(what);
// PROFILE_ISOLATES: substrings of the isolates to profile ("none", the default: only the processes' CPU).
const wanted = (process.env.PROFILE_ISOLATES ?? "none").split(",").filter(Boolean);
const targets = wanted.includes("none")
  ? []
  : (await inspectorTargets()).filter((t) => wanted.some((w) => t.id.includes(w)));
const sessions = await Promise.all(targets.map(async (t) => ({ id: t.id, session: await Session.open(t.url) })));
for (const { session } of sessions) {
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: Number(process.env.PROFILE_INTERVAL_US ?? 1000) });
}
// A short warm-up, so the profile is of steady state, not of first compilations.
await measure(origin, scenario, Math.min(8, connections), 2);
const procs = processes();
const before = new Map(procs.map((p) => [p.pid, cpuTicks(p.pid)]));
await Promise.all(sessions.map(({ session }) => session.send("Profiler.start")));
const workers = procs.find((p) => p.name === WORKERS && !servesTheHasher(p.pid));
const perf = process.env.PROFILE_PERF === "1" && workers && perfAvailable() ? recordPerf(workers.pid) : undefined;
const result = await measure(origin, scenario, connections, duration);
const kinds = (await perf?.stop()) ?? [];
const profiles = await Promise.all(
  sessions.map(async ({ id, session }) => ({
    id,
    profile: (await session.send<{ profile: CpuProfile }>("Profiler.stop")).profile,
  })),
);
const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
for (const { session } of sessions) session.close();

const requests = result.requests;
console.log(
  `${scenario.name}: ${connections} conn ${duration} s: ${result.requestsPerSecond} req/s, p50 ${result.latencyMs.p50} ms, ` +
    `p99 ${result.latencyMs.p99} ms, ${requests} requests, ${result.errors + result.unexpectedStatus} errors`,
);
console.log("\nCPU per request by process (ms; the machine has 2 cores):");
/** A process's CPU (ms) during the measurement. */
const cpuMs = (pid: number) => ((cpuTicks(pid) - (before.get(pid) ?? 0)) / ticksPerSecond) * 1000;
for (const p of procs) {
  const ms = cpuMs(p.pid);
  if (ms > 0) console.log(`  ${(ms / requests).toFixed(2).padStart(7)}  ${p.name} (pid ${p.pid})`);
}
if (workers && kinds.length > 0) {
  const perRequest = cpuMs(workers.pid) / requests;
  console.log(
    `\nThe Workers' process by kind of work (perf samples; ms per request of its ${perRequest.toFixed(2)}${hasPerfMap(workers.pid) ? "" : "; JavaScript unnamed: no V8 perf map"}):`,
  );
  for (const [kind, share] of kinds) {
    console.log(`  ${(share * perRequest).toFixed(2).padStart(7)}  ${(share * 100).toFixed(1).padStart(5)} %  ${kind}`);
  }
}
const summaries = profiles
  .map(({ id, profile }) => ({ id, ...summarize(profile) }))
  .filter((s) => s.busyMs > 0)
  .sort((a, b) => b.busyMs - a.busyMs);
if (summaries.length > 0) console.log("\nSampled time per request by isolate (ms), top functions by self time:");
for (const s of summaries) {
  console.log(`  ${(s.busyMs / requests).toFixed(3).padStart(8)}  ${s.id}`);
  for (const [fn, ms] of s.functions.slice(0, top)) {
    console.log(`            ${(ms / requests).toFixed(3).padStart(7)}  ${fn}`);
  }
}
