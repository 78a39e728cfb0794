/** Admin Worker entry: wiring only. */
import { buildAdminApp } from "./app";

const app = buildAdminApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<AdminEnv>;
