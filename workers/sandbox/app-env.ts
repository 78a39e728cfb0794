/** The sandbox app's Hono types and its one Durable Object. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { SANDBOX_OBJECT_NAME } from "../../durable-objects/sandbox-provider";

export type SandboxHonoEnv = { Bindings: SandboxEnv; Variables: { requestId: string } };
export type SandboxApp = OpenAPIHono<SandboxHonoEnv>;

/** The sandbox's state: one object for the whole (pretend) provider account. */
export function providerOf(env: SandboxEnv) {
  return env.SANDBOX_PROVIDER.getByName(SANDBOX_OBJECT_NAME);
}
