/**
 * Worker vars and secrets, parsed once per environment object with zod, so a misconfiguration
 * fails loudly on the first request instead of surfacing as `undefined` deep inside a handler.
 */
import { z } from "zod";

/** Vars every HTTP Worker reads. Secrets are checked where they are needed (`authEnvSchema`). */
export const platformEnvSchema = z.object({
  ENVIRONMENT: z.enum(["production", "staging", "development", "test"]).default("production"),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /** Where docs pages load Swagger UI from; unset means the public CDN. Local dev serves its own. */
  DOCS_ASSETS_BASE: z.string().min(1).optional(),
});

/** Vars and secrets of Workers that sign or verify access tokens, as token settings. */
export const authEnvSchema = z
  .object({
    JWT_SECRET: z.string().min(32, "JWT_SECRET must be at least 32 characters"),
    JWT_ISSUER: z.string().min(1).default("edge-commerce"),
    JWT_AUDIENCE: z.string().min(1).default("edge-commerce"),
  })
  .transform((e) => ({ secret: e.JWT_SECRET, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE }));

export type PlatformEnv = z.infer<typeof platformEnvSchema>;
export type AuthEnv = z.infer<typeof authEnvSchema>;

const cache = new WeakMap<object, Map<z.ZodType, unknown>>();

/** Parses `env` with `schema`, once per env object and schema. Throws on a bad configuration. */
export function readEnv<S extends z.ZodType>(schema: S, env: object): z.output<S> {
  let perEnv = cache.get(env);
  if (!perEnv) {
    perEnv = new Map();
    cache.set(env, perEnv);
  }
  if (perEnv.has(schema)) return perEnv.get(schema) as z.output<S>;
  const result = schema.safeParse(env);
  if (!result.success) {
    const fields = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid Worker configuration: ${fields}`);
  }
  perEnv.set(schema, result.data);
  return result.data;
}
