/** The storefront's own vars, parsed once (see shared/platform/env.ts). */
import { z } from "zod";

export const storefrontEnvSchema = z.object({
  LOGIN_IP_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(20),
});
