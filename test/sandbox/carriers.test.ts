/**
 * Carrier callbacks: signed with the carrier secret and sent to /webhooks/carriers/:carrier through
 * the same delivery machinery as payment webhooks. The platform's carrier route is issue #14, so
 * this checks what the sandbox sends, not how the platform answers.
 */
import { afterAll, describe, expect, it } from "vitest";
import { verifySignature } from "../../shared/payments/signature";
import {
  deliveriesOf,
  drain,
  eventBody,
  flush,
  SANDBOX_CARRIER_SECRET,
  SANDBOX_WEBHOOK_SECRET,
  sandbox,
} from "../helpers/sandbox";

// Nothing may be mid-delivery when the file's runtime closes.
afterAll(drain);

const trackingNumber = () => `SF${crypto.randomUUID().replaceAll("-", "").slice(0, 12).toUpperCase()}`;

describe("sandbox carrier callbacks", () => {
  it("sends shipment.<status> signed with the carrier secret to the carrier's webhook path", async () => {
    const tracking = trackingNumber();
    const res = await sandbox<{ eventId: string; type: string }>(
      "POST",
      `/carriers/sf-express/shipments/${tracking}/events`,
      { status: "in_transit" },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.type).toBe("shipment.in_transit");
    await flush(true);
    const [delivery] = await deliveriesOf(tracking);
    expect(delivery).toMatchObject({
      eventId: res.body.eventId,
      eventType: "shipment.in_transit",
      path: "/webhooks/carriers/sf-express",
      copy: 0,
    });
    expect(delivery?.attempts).toBeGreaterThanOrEqual(1);
    expect(delivery?.lastStatusCode).toEqual(expect.any(Number));

    const body = await eventBody(res.body.eventId);
    expect(JSON.parse(body)).toEqual({
      id: res.body.eventId,
      type: "shipment.in_transit",
      created: expect.any(Number),
      data: { carrier: "sf-express", trackingNumber: tracking },
    });
    const check = (secrets: string[]) =>
      verifySignature({ header: delivery?.lastSignature ?? "", payload: body, secrets, nowMs: Date.now() });
    expect(await check([SANDBOX_CARRIER_SECRET])).toMatchObject({ ok: true });
    expect(await check([SANDBOX_WEBHOOK_SECRET])).toMatchObject({ ok: false });
  });

  it("keeps one event per report, in order, for a shipment's whole journey", async () => {
    const tracking = trackingNumber();
    for (const status of ["in_transit", "delivered"]) {
      const res = await sandbox("POST", `/carriers/yto/shipments/${tracking}/events`, { status });
      expect(res.status).toBe(202);
    }
    expect((await deliveriesOf(tracking)).map((d) => d.eventType)).toEqual([
      "shipment.in_transit",
      "shipment.delivered",
    ]);
  });

  it("refuses an unknown status, a malformed carrier or tracking number, and extra fields", async () => {
    const cases: [string, unknown][] = [
      ["/carriers/sf-express/shipments/SF1/events", { status: "lost" }],
      ["/carriers/SF Express/shipments/SF1/events", { status: "delivered" }],
      ["/carriers/sf-express/shipments/SF%3Cb%3E/events", { status: "delivered" }],
      ["/carriers/sf-express/shipments/SF1/events", { status: "delivered", at: 1 }],
    ];
    for (const [path, body] of cases) {
      const res = await sandbox<{ code: string }>("POST", path, body);
      expect(res.status, path).toBe(400);
      expect(res.body.code).toBe("validation_failed");
    }
  });
});
