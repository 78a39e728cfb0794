/**
 * The carrier-event inbox is read per parcel (a parcel's parked callbacks requeued when it ships,
 * its callbacks listed): those reads use the (carrier, tracking_number) index, not a scan.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("carrier_events", () => {
  it("finds one parcel's callbacks through the carrier_events_parcel index", async () => {
    const plans = await Promise.all(
      [
        "select event_id from carrier_events where carrier = ? and tracking_number = ? order by received_at",
        "select event_id, type from carrier_events where status = 'parked' and carrier = ? and tracking_number = ?",
      ].map((query) =>
        env.DB.prepare(`explain query plan ${query}`).bind("sf-express", "SF0000000000").all<{ detail: string }>(),
      ),
    );
    for (const plan of plans) {
      expect(plan.results.map((r) => r.detail).join("; ")).toMatch(/carrier_events_parcel|sqlite_autoindex/);
    }
    expect(plans[0]?.results.map((r) => r.detail).join("; ")).toMatch(/carrier_events_parcel/);
  });
});
