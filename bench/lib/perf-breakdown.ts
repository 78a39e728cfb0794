/**
 * Where the one workerd thread's time goes, by kind of work, from Linux `perf` samples of the
 * process (`PROFILE_PERF=1 npm run bench:profile`). The V8 inspector profiles one isolate at a
 * time and cannot tell SQLite, the garbage collector or the kernel from each other; `perf` sees
 * the whole process, native frames with their names (workerd ships its symbols). JavaScript frames
 * get names only when V8 writes a perf map: start `npm run dev` with
 * `MINIFLARE_WORKERD_V8_FLAGS="--perf-basic-prof --interpreted-frames-native-stack"`; without
 * it those samples count as "other JavaScript and runtime". Read the JavaScript rows as
 * approximate (code that moves after the map was written can be misnamed); the native rows
 * (SQLite, GC, kernel) are exact up to sampling.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";

/** A kind of work and how to recognise its samples (first match wins, top to bottom). */
const KINDS: [string, RegExp][] = [
  [
    "drizzle: rendering statements",
    /sqlToQuery|buildInsertQuery|buildSelectQuery|buildUpdateQuery|buildDeleteQuery|buildQueryFromSourceParams|'toSQL /,
  ],
  ["zod: parsing", /_zod/],
  ["SQLite: executing and committing", /sqlite3_step|sqlite3_prepare|sqlite3Prepare/],
  ["V8: garbage collection", /CollectGarbage|Scaveng|MarkCompact|ConcurrentMarking|MinorMark/],
  ["local D1's JavaScript (miniflare)", /database\.worker\.js|d1-api|entry\.worker\.js|miniflare:/],
  ["local Queues' JavaScript (miniflare)", /broker\.worker\.js/],
  ["JSON", /JsonStringifier|JsonParser/],
  ["kernel: system calls, faults, interrupts", /entry_SYSCALL_64|asm_exc_|asm_sysvec|asm_common_interrupt/],
];

export interface PerfRecording {
  /** Stops recording and answers the share of samples per kind of work, largest first. */
  stop(): Promise<[string, number][]>;
}

/** Whether `perf` is installed and may sample this machine's processes. */
export function perfAvailable(): boolean {
  try {
    execFileSync("perf", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Starts sampling `pid` (every thread, call stacks) until `stop`. */
export function recordPerf(pid: number, frequency = 999): PerfRecording {
  const out = `/tmp/bench-profile-${process.pid}.perf`;
  const perf = spawn(
    "perf",
    ["record", "-e", "cpu-clock", "-F", String(frequency), "-g", "-p", String(pid), "-o", out],
    {
      stdio: "ignore",
    },
  );
  return {
    async stop() {
      const exited = new Promise((resolve) => perf.once("exit", resolve));
      perf.kill("SIGINT");
      await exited;
      if (!existsSync(out)) return [];
      const script = execFileSync("perf", ["script", "-i", out, "-F", "ip,sym"], {
        maxBuffer: 1 << 30,
        stdio: ["ignore", "pipe", "ignore"],
      }).toString();
      rmSync(out, { force: true });
      return breakdown(script);
    },
  };
}

/** Shares of `perf script` samples (blank-line separated stacks) by kind of work. */
export function breakdown(script: string): [string, number][] {
  const counts = new Map<string, number>();
  let total = 0;
  for (const sample of script.split(/\n\s*\n/)) {
    if (!sample.trim()) continue;
    total++;
    const kind = KINDS.find(([, pattern]) => pattern.test(sample))?.[0] ?? "other JavaScript and runtime";
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts.entries()].map(([kind, n]) => [kind, n / total] as [string, number]).sort((a, b) => b[1] - a[1]);
}

/** Whether the workerd process `pid` was started with V8's perf map (JavaScript frames named). */
export function hasPerfMap(pid: number): boolean {
  return existsSync(`/tmp/perf-${pid}.map`);
}
