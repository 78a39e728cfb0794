/** The storefront's own vars, parsed once (see shared/platform/env.ts). */
import { z } from "zod";

export const storefrontEnvSchema = z.object({
  LOGIN_IP_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(20),
  /** Registrations per client IP per minute: each costs a 32 MiB scrypt (local dev raises it, API.md). */
  REGISTER_IP_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(10),
});
