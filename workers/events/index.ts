/** Events Worker entry: queue consumers and cron triggers; no HTTP surface. */
import { handleBatch, scheduled } from "./worker";

export default {
  queue: (batch, env) => handleBatch(batch, env),
  scheduled: async (_controller, env) => {
    await scheduled(env);
  },
} satisfies ExportedHandler<EventsEnv>;
