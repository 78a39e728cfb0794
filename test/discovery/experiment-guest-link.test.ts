/**
 * A guest's A/B exposures follow them into their account (issue #22 leftover): exposed by cart
 * token, signed in with that token, the shopper is the unit, in the variant the guest saw, and a
 * paid order converts that variant. Was: the guest and the shopper were two units and the
 * conversion went to whatever variant the user id hashed to.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  assignmentIn,
  attributePaidOrder,
  linkGuestExposures,
  recordExposure,
} from "../../shared/discovery/experiments/serving";
import { dbOf } from "../../shared/platform/db";
import { DEMO, tokenFor } from "../helpers/callers";
import { createUser } from "../helpers/factories";
import { call, json } from "../helpers/http";
import { loginAs } from "../helpers/sessions";

interface Experiment {
  experimentId: string;
  variants: { name: string; weight: number; config: Record<string, unknown> }[];
}

const db = () => dbOf(env.DB);

async function start(target: "recommendations" | "home", variants: Experiment["variants"]): Promise<Experiment> {
  const res = await json<Experiment>(
    await call("POST", "/admin/v1/experiments", {
      token: await tokenFor(DEMO.operator),
      body: { name: `guest link ${crypto.randomUUID()}`, target, windowHours: 24, variants },
    }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function stop(experimentId: string) {
  const res = await call("POST", `/admin/v1/experiments/${experimentId}/stop`, {
    token: await tokenFor(DEMO.operator),
    body: {},
  });
  expect(res.status).toBe(200);
}

async function exposures(experimentId: string) {
  const rows = await env.DB.prepare(
    "select unit_id as unit, variant, exposed_at as exposedAt from experiment_exposures where experiment_id = ? order by unit_id",
  )
    .bind(experimentId)
    .all<{ unit: string; variant: string; exposedAt: number }>();
  return rows.results;
}

/** A cart token of the shape the storefront issues. */
function cartToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `ct_${btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "")}`;
}

/** The experiment's assignment of `unit`, as serving computes it. */
const assign = (experiment: Experiment, unit: string) =>
  assignmentIn({ id: experiment.experimentId, variants: experiment.variants }, unit);

/** A cart token whose unit the experiment puts in another variant than `userId`'s, so the test can tell them apart. */
function tokenInOtherVariant(experiment: Experiment, userId: string): string {
  const userVariant = assign(experiment, `user:${userId}`).variant.name;
  for (;;) {
    const token = cartToken();
    if (assign(experiment, `cart:${token}`).variant.name !== userVariant) return token;
  }
}

const VARIANTS = [
  { name: "control", weight: 1, config: { algorithm: "similar" } },
  { name: "best", weight: 1, config: { algorithm: "best_sellers" } },
];

describe("guest exposures at sign-in", () => {
  it("signing in with the cart token makes the guest's exposure the shopper's, and their order converts it", async () => {
    const experiment = await start("recommendations", VARIANTS);
    const shopper = await createUser("shopper");
    const token = tokenInOtherVariant(experiment, shopper.id);
    const guest = assign(experiment, `cart:${token}`);
    const exposedAt = Date.now() - 60_000;
    await recordExposure(db(), guest, exposedAt);

    await loginAs(shopper, { "x-cart-token": token });
    expect(await exposures(experiment.experimentId)).toEqual([
      { unit: `user:${shopper.id}`, variant: guest.variant.name, exposedAt },
    ]);
    const converted = await attributePaidOrder(db(), {
      orderId: `ord_guest_link_${crypto.randomUUID()}`,
      userId: shopper.id,
      total: { amount: 7900, currency: "CNY" },
      paidAt: Date.now(),
    });
    expect(converted).toBe(1);
    const conversion = await env.DB.prepare("select variant from experiment_conversions where experiment_id = ?")
      .bind(experiment.experimentId)
      .first<{ variant: string }>();
    expect(conversion?.variant).toBe(guest.variant.name);
    await stop(experiment.experimentId);
  });

  it("keeps the shopper's own earlier exposure, counts the person once, and leaves stopped experiments alone", async () => {
    const experiment = await start("recommendations", VARIANTS);
    const shopper = await createUser("shopper");
    const token = tokenInOtherVariant(experiment, shopper.id);
    const own = assign(experiment, `user:${shopper.id}`);
    await recordExposure(db(), own, Date.now() - 120_000);
    await recordExposure(db(), assign(experiment, `cart:${token}`), Date.now() - 60_000);
    expect(await linkGuestExposures(db(), token, shopper.id)).toBe(0);
    expect((await exposures(experiment.experimentId)).map((e) => [e.unit, e.variant])).toEqual([
      [`user:${shopper.id}`, own.variant.name],
    ]);
    // Again: nothing left to move.
    expect(await linkGuestExposures(db(), token, shopper.id)).toBe(0);
    await stop(experiment.experimentId);

    // A stopped experiment's report is final: its guest exposures stay the guest's.
    const later = await start("recommendations", VARIANTS);
    const other = await createUser("shopper");
    const otherToken = cartToken();
    await recordExposure(db(), assign(later, `cart:${otherToken}`), Date.now());
    await stop(later.experimentId);
    expect(await linkGuestExposures(db(), otherToken, other.id)).toBe(0);
    expect((await exposures(later.experimentId)).map((e) => e.unit)).toEqual([`cart:${otherToken}`]);
  });
});
