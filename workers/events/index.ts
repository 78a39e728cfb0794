/** Events Worker entry: queue consumers and cron triggers; no HTTP surface. */
import { systemClock } from "../../shared/platform/clock";
import { handleBatch, scheduled } from "./worker";

export default {
  queue: (batch, env, ctx) => handleBatch(batch, env, systemClock, (promise) => ctx.waitUntil(promise)),
  scheduled: async (_controller, env) => {
    await scheduled(env);
  },
} satisfies ExportedHandler<EventsEnv>;
