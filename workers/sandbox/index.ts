/** Sandbox Worker entry (local dev only, never deployed): wiring only. */
import { buildSandboxApp } from "./app";

export { SandboxProvider } from "../../durable-objects/sandbox-provider";

const app = buildSandboxApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<SandboxEnv>;
