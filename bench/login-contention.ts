/**
 * Catalog reads while logins run: the product detail (edge-cached, so each read is cheap and any
 * stall shows) at `connections`, first alone, then while `logins` connections log in back to back
 * (each login verifies one scrypt hash, ~190 ms of CPU). A hash that runs in the storefront's own
 * isolate holds every other request of that isolate for its whole duration; the p99 of the reads
 * beside the logins shows whether it does.
 */
import { type Measurement, measure, type Scenario } from "./lib/load.ts";

export const LOGIN_CONTENTION = "catalog reads while logins run";

export interface LoginContention {
  connections: number;
  logins: number;
  alone: Measurement;
  besideLogins: Measurement;
  loginsMeasured: Measurement;
}

/** Measures `read` alone and beside `login` (both scenarios of bench/scenarios.ts). */
export async function measureLoginContention(
  origin: string,
  read: Scenario,
  login: Scenario,
  options: { connections: number; logins: number; durationSeconds: number },
): Promise<LoginContention> {
  await measure(origin, read, options.connections, 1);
  const alone = await measure(origin, read, options.connections, options.durationSeconds);
  const [besideLogins, loginsMeasured] = await Promise.all([
    measure(origin, read, options.connections, options.durationSeconds),
    measure(origin, login, options.logins, options.durationSeconds),
  ]);
  return { connections: options.connections, logins: options.logins, alone, besideLogins, loginsMeasured };
}

export function describeLoginContention(r: LoginContention): string {
  const line = (label: string, m: Measurement) =>
    `  ${label.padEnd(26)} ${String(m.requestsPerSecond).padStart(8)} req/s  p50 ${m.latencyMs.p50} ms  ` +
    `p99 ${m.latencyMs.p99} ms  max ${m.latencyMs.max} ms  errors ${m.errors + m.unexpectedStatus}`;
  return [
    `\n${LOGIN_CONTENTION} (${r.alone.scenario}, ${r.connections} connections; ${r.logins} logging in):`,
    line("reads alone", r.alone),
    line(`reads beside ${r.logins} logins`, r.besideLogins),
    line("the logins", r.loginsMeasured),
  ].join("\n");
}
