// The queue topology must agree everywhere: shared/events/queues.ts, the events Worker's config
// (consumer + dead-letter queue + DLQ consumer for each), and the test runner's config.
import { describe, expect, it } from "vitest";
import { QUEUE_NAMES, QUEUES } from "../../shared/events/queues";
import adminConfig from "../../workers/admin/wrangler.toml?raw";
import eventsConfig from "../../workers/events/wrangler.toml?raw";
import storefrontConfig from "../../wrangler.toml?raw";
import testConfig from "../wrangler.test.toml?raw";

function consumers(toml: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const block of toml.split("[[queues.consumers]]").slice(1)) {
    const queue = /queue = "([^"]+)"/.exec(block)?.[1];
    const dlq = /dead_letter_queue = "([^"]+)"/.exec(block)?.[1];
    if (queue) out.set(queue, dlq);
  }
  return out;
}

describe.each([
  ["workers/events/wrangler.toml", eventsConfig],
  ["test/wrangler.test.toml", testConfig],
])("%s", (_name, toml) => {
  it("consumes every queue with a dead-letter queue, and consumes every dead-letter queue", () => {
    const found = consumers(toml);
    for (const queue of QUEUE_NAMES) {
      expect(found.get(queue), queue).toBe(`${queue}-dlq`);
      expect(found.has(`${queue}-dlq`), `${queue}-dlq`).toBe(true);
      expect(toml).toContain(`binding = "${QUEUES[queue]}"`);
    }
  });
});

describe("wrangler.toml (storefront, host of the SKU objects)", () => {
  it("lets the SKU objects publish stock views to their own queue and alerts to catalog-events", () => {
    expect(storefrontConfig).toMatch(/binding = "STOCK_VIEWS"\s+queue = "stock-views"/);
    expect(storefrontConfig).toMatch(/binding = "CATALOG_EVENTS"\s+queue = "catalog-events"/);
  });
});

describe("workers/admin/wrangler.toml", () => {
  it("can send to every queue: operators replay dead letters and send canaries to any of them", () => {
    for (const queue of QUEUE_NAMES) {
      expect(adminConfig, queue).toMatch(new RegExp(`binding = "${QUEUES[queue]}"\\s+queue = "${queue}"`));
    }
  });
});
