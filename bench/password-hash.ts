/** Times the platform's password hash (shared/users/password.ts) in Node, one hash at a time. */
import { CURRENT_PARAMS, hashPassword } from "../shared/users/password.ts";

export async function measurePasswordHash(samples = 20) {
  await hashPassword("warm-up password");
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await hashPassword(`benchmark password ${i}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round((times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] ?? Number.NaN) * 10) / 10;
  const { N, r, p } = CURRENT_PARAMS;
  return { params: `N=2^${Math.log2(N)} r=${r} p=${p}`, samples, p50Ms: at(0.5), p95Ms: at(0.95) };
}
