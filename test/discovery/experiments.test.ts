import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { rebuildSearchDocument } from "../../shared/catalog/indexer";
import { assignVariant } from "../../shared/discovery/experiments/assignment";
import { attributePaidOrder } from "../../shared/discovery/experiments/serving";
import { normalCdf, twoProportionZTest } from "../../shared/discovery/experiments/significance";
import { dbOf } from "../../shared/platform/db";
import { DEMO, tokenFor } from "../helpers/callers";
import { call, json } from "../helpers/http";
import { newShopper, placeOrder, type Shopper, skuOnSale } from "../helpers/orders";
import { eventually, pay, settle } from "../helpers/payments";
import { act } from "../helpers/sandbox";

interface Variant {
  name: string;
  weight: number;
  config: Record<string, unknown>;
}
interface Experiment {
  experimentId: string;
  status: string;
  variants: Variant[];
}
interface Report {
  control: string;
  variants: {
    name: string;
    exposures: number;
    conversions: number;
    orders: number;
    conversionRate: number;
    gmv: { amount: number; currency: string }[];
    lift: number | null;
    pValue: number | null;
  }[];
}

const operator = () => tokenFor(DEMO.operator);

async function start(body: object): Promise<Experiment> {
  const res = await json<Experiment>(
    await call("POST", "/admin/v1/experiments", {
      token: await operator(),
      body,
      headers: { "idempotency-key": crypto.randomUUID() },
    }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function stop(experimentId: string) {
  const res = await call("POST", `/admin/v1/experiments/${experimentId}/stop`, { token: await operator(), body: {} });
  expect(res.status).toBe(200);
}

async function report(experimentId: string): Promise<Report> {
  const res = await json<Report>(
    await call("GET", `/admin/v1/experiments/${experimentId}/report`, { token: await operator() }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const variantOf = (experiment: Experiment, unit: string) =>
  assignVariant(experiment.experimentId, unit, experiment.variants).name;

/** How many units of `units` the hash puts in each variant. */
function expectedSplit(experiment: Experiment, units: string[]) {
  const counts = new Map(experiment.variants.map((v) => [v.name, 0]));
  for (const u of units) counts.set(variantOf(experiment, u), (counts.get(variantOf(experiment, u)) ?? 0) + 1);
  return counts;
}

const rail = (productId: string, options: { token?: string; cartToken?: string } = {}) =>
  call("GET", `/v1/products/${productId}/recommendations`, {
    token: options.token,
    headers: options.cartToken ? { "x-cart-token": options.cartToken } : {},
  }).then(json<{ items: { productId: string; reason: string }[] }>);

/** Places and pays an order of one unit of `skuId`; answers its order id and total. */
async function paidOrder(shopper: Shopper, skuId: string) {
  const placed = await placeOrder(shopper, { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const started = await pay(shopper, placed.body.payOrderId);
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  await act(started.body.paymentId, "succeed");
  const order = placed.body.orders[0];
  if (!order) throw new Error("no order");
  return { orderId: order.orderId, total: order.total.amount };
}

describe("experiment statistics", () => {
  it("computes the two-proportion z-test of a hand-worked example", () => {
    // Control 100 of 1000, treatment 130 of 1000: p̂ = 230/2000 = 0.115,
    // SE = √(0.115 · 0.885 · (1/1000 + 1/1000)) = √0.00020355 = 0.0142671,
    // z = (0.13 − 0.10) / 0.0142671 = 2.10274, p = 2(1 − Φ(2.10274)) = 0.03549 (tables: Φ(2.10) = 0.98214).
    const test = twoProportionZTest({ conversions: 100, exposures: 1000 }, { conversions: 130, exposures: 1000 });
    expect(test.lift).toBeCloseTo(0.3, 10);
    expect(test.z).toBeCloseTo(2.10274, 4);
    expect(test.pValue).toBeCloseTo(0.03549, 4);
    // Symmetric, and no difference is no evidence.
    const reversed = twoProportionZTest({ conversions: 130, exposures: 1000 }, { conversions: 100, exposures: 1000 });
    expect(reversed.z).toBeCloseTo(-2.10274, 4);
    expect(reversed.pValue).toBeCloseTo(0.03549, 4);
    expect(twoProportionZTest({ conversions: 5, exposures: 50 }, { conversions: 5, exposures: 50 }).pValue).toBeCloseTo(
      1,
      6,
    );
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
  });

  it("has nothing to test without exposures, and no lift over a control that converted nobody", () => {
    expect(twoProportionZTest({ conversions: 0, exposures: 0 }, { conversions: 1, exposures: 10 })).toEqual({
      lift: null,
      z: null,
      pValue: null,
    });
    const zeroControl = twoProportionZTest({ conversions: 0, exposures: 10 }, { conversions: 3, exposures: 10 });
    expect(zeroControl.lift).toBeNull();
    expect(zeroControl.pValue).toBeGreaterThan(0);
    expect(twoProportionZTest({ conversions: 0, exposures: 10 }, { conversions: 0, exposures: 10 }).pValue).toBeNull();
  });

  it("buckets units stably and in proportion to the weights", () => {
    const variants = [
      { name: "control", weight: 1 },
      { name: "b", weight: 3 },
    ];
    const counts = { control: 0, b: 0 };
    for (let i = 0; i < 8000; i++) {
      const unit = `user:usr_${i}`;
      const v = assignVariant("exp_a", unit, variants).name as "control" | "b";
      expect(assignVariant("exp_a", unit, variants).name).toBe(v);
      counts[v] += 1;
    }
    // 2,000 expected in control; 4 standard deviations (√(8000 · 0.25 · 0.75) ≈ 38.7) either side.
    expect(Math.abs(counts.control - 2000)).toBeLessThan(155);
    // Another experiment splits the same units independently of the first.
    let same = 0;
    for (let i = 0; i < 2000; i++) {
      const unit = `user:usr_${i}`;
      if (assignVariant("exp_a", unit, variants).name === assignVariant("exp_b", unit, variants).name) same += 1;
    }
    // Independent: P(same) = 0.25² + 0.75² = 0.625.
    expect(Math.abs(same / 2000 - 0.625)).toBeLessThan(0.05);
  });
});

describe("experiments", () => {
  it("refuses a second running experiment on a target, of two racing creates exactly one wins", async () => {
    const body = {
      name: "race",
      target: "recommendations",
      variants: [
        { name: "control", weight: 1, config: { algorithm: "similar" } },
        { name: "best", weight: 1, config: { algorithm: "best_sellers" } },
      ],
    };
    const token = await operator();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        call("POST", "/admin/v1/experiments", {
          token,
          body,
          headers: { "idempotency-key": crypto.randomUUID() },
        }).then(json<Experiment & { code?: string }>),
      ),
    );
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.code)).toEqual(
      Array(4).fill("experiment_running"),
    );
    const winner = won[0]?.body as Experiment;
    const listed = await json<{ items: Experiment[] }>(await call("GET", "/admin/v1/experiments", { token }));
    expect(listed.body.items.map((e) => e.experimentId)).toContain(winner.experimentId);
    await stop(winner.experimentId);
    expect(
      (await json<Experiment>(await call("GET", `/admin/v1/experiments/${winner.experimentId}`, { token }))).body,
    ).toMatchObject({ status: "stopped" });
    // Stopped, the target is free again.
    await stop((await start(body)).experimentId);
  });

  it("validates variants: distinct names, a config of the target's shape, a module id for a home change", async () => {
    const token = await operator();
    const bad = [
      { name: "x", target: "recommendations", variants: [{ name: "a", weight: 1, config: { algorithm: "similar" } }] },
      {
        name: "x",
        target: "recommendations",
        variants: [
          { name: "a", weight: 1, config: { algorithm: "similar" } },
          { name: "a", weight: 1, config: { algorithm: "similar" } },
        ],
      },
      {
        name: "x",
        target: "recommendations",
        variants: [
          { name: "a", weight: 1, config: { algorithm: "similar" } },
          { name: "b", weight: 0, config: { algorithm: "similar" } },
        ],
      },
      {
        name: "x",
        target: "home",
        variants: [
          { name: "a", weight: 1, config: {} },
          { name: "b", weight: 1, config: { hide: true } },
        ],
      },
      {
        name: "x",
        target: "home",
        variants: [
          { name: "a", weight: 1, config: {} },
          { name: "b", weight: 1, config: { algorithm: "similar" } },
        ],
      },
    ];
    for (const body of bad) {
      const res = await json<{ code: string }>(await call("POST", "/admin/v1/experiments", { token, body }));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe("validation_failed");
    }
    const shopper = await newShopper();
    expect((await call("POST", "/admin/v1/experiments", { token: shopper.token, body: bad[0] })).status).toBe(403);
  });

  it("serves each shopper one stable recommendations variant and counts exposures and conversions exactly", async () => {
    const anchor = await skuOnSale();
    const other = await skuOnSale(anchor.seller);
    for (const id of [anchor.productId, other.productId]) await rebuildSearchDocument(dbOf(env.DB), id, Date.now());
    const experiment = await start({
      name: "rail: similar vs best sellers",
      target: "recommendations",
      windowHours: 24,
      variants: [
        { name: "control", weight: 1, config: { algorithm: "similar" } },
        { name: "best", weight: 1, config: { algorithm: "best_sellers" } },
      ],
    });
    const shoppers = await Promise.all(Array.from({ length: 6 }, () => newShopper()));
    const guest = `guest-${crypto.randomUUID()}`;
    // Every shopper asks many times at once; each answer is its variant's algorithm.
    const answers = await Promise.all(
      shoppers.flatMap((s) => Array.from({ length: 4 }, () => rail(anchor.productId, { token: s.token }))),
    );
    answers.forEach((a, i) => {
      const shopper = shoppers[Math.floor(i / 4)] as Shopper;
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      const variant = variantOf(experiment, `user:${shopper.id}`);
      const reasons = new Set(a.body.items.map((item) => item.reason));
      if (variant === "best") expect([...reasons]).toEqual(["best_seller"]);
      else expect(reasons.has("similar")).toBe(true);
    });
    await rail(anchor.productId, { cartToken: guest });
    // An explicit kind is answered as asked and exposes nobody.
    const outsider = await newShopper();
    const asked = await call("GET", `/v1/products/${anchor.productId}/recommendations?kind=similar`, {
      token: outsider.token,
    });
    expect(asked.status).toBe(200);
    const units = [...shoppers.map((s) => `user:${s.id}`), `cart:${guest}`];
    const split = expectedSplit(experiment, units);
    const exposed = await eventually(
      () => report(experiment.experimentId),
      (r) => r.variants.reduce((n, v) => n + v.exposures, 0) === units.length,
      "exposures",
    );
    for (const v of exposed.variants) expect(v.exposures, v.name).toBe(split.get(v.name));

    // Shopper 0 pays two orders, shopper 1 one; someone never exposed pays one too.
    const [first, second] = shoppers as [Shopper, Shopper];
    const paid = [
      { shopper: first, ...(await paidOrder(first, anchor.skuId)) },
      { shopper: first, ...(await paidOrder(first, other.skuId)) },
      { shopper: second, ...(await paidOrder(second, anchor.skuId)) },
    ];
    const stranger = await newShopper();
    await paidOrder(stranger, anchor.skuId);
    await settle();
    const counted = await eventually(
      () => report(experiment.experimentId),
      (r) => r.variants.reduce((n, v) => n + v.orders, 0) === paid.length,
      "conversions",
    );
    for (const v of counted.variants) {
      const mine = paid.filter((p) => variantOf(experiment, `user:${p.shopper.id}`) === v.name);
      expect(v.orders, v.name).toBe(mine.length);
      expect(v.conversions, v.name).toBe(new Set(mine.map((p) => p.shopper.id)).size);
      expect(v.conversionRate).toBeCloseTo(v.exposures === 0 ? 0 : v.conversions / v.exposures, 10);
      const gmv = mine.reduce((n, p) => n + p.total, 0);
      expect(v.gmv, v.name).toEqual(gmv === 0 ? [] : [{ amount: gmv, currency: "CNY" }]);
    }
    const [control, treatment] = counted.variants;
    if (control && treatment) {
      const expectedTest = twoProportionZTest(control, treatment);
      expect(treatment.pValue).toEqual(expectedTest.pValue);
      expect(control.lift).toBeNull();
    }

    // A redelivered order.paid, and an order paid after the window, add nothing.
    const redelivered = paid[0];
    if (!redelivered) throw new Error("no order");
    const db = dbOf(env.DB);
    const again = { orderId: redelivered.orderId, userId: first.id, total: { amount: 1, currency: "CNY" } };
    expect(await attributePaidOrder(db, { ...again, paidAt: Date.now() })).toBe(0);
    const late = { ...again, orderId: `late-${crypto.randomUUID()}`, paidAt: Date.now() + 25 * 3_600_000 };
    expect(await attributePaidOrder(db, late)).toBe(0);
    expect((await report(experiment.experimentId)).variants).toEqual(counted.variants);

    // Stopped: the rail is the default again, nobody new is exposed, and no order converts.
    await stop(experiment.experimentId);
    const latecomer = await newShopper();
    const after = await rail(anchor.productId, { token: latecomer.token });
    expect(after.body.items.some((i) => i.reason === "similar")).toBe(true);
    expect(
      await attributePaidOrder(db, { ...again, orderId: `after-${crypto.randomUUID()}`, paidAt: Date.now() }),
    ).toBe(0);
    expect((await report(experiment.experimentId)).variants).toEqual(counted.variants);
  });

  it("varies a module of the platform home per variant, cached per variant, and counts who saw it", async () => {
    const token = await operator();
    const { productId } = await skuOnSale();
    await rebuildSearchDocument(dbOf(env.DB), productId, Date.now());
    const put = await json<{ draft: { modules: { moduleId: string }[] } }>(
      await call("PUT", "/admin/v1/home", {
        token,
        body: { modules: [{ kind: "products", title: "精选", source: { productIds: [productId] } }] },
      }),
    );
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const moduleId = put.body.draft.modules[0]?.moduleId as string;
    expect((await call("POST", "/admin/v1/home/publish", { token })).status).toBe(200);
    const experiment = await start({
      name: "home rail title",
      target: "home",
      variants: [
        { name: "control", weight: 1, config: {} },
        { name: "retitled", weight: 1, config: { moduleId, title: "为你精选" } },
        { name: "hidden", weight: 1, config: { moduleId, hide: true } },
      ],
    });
    const shoppers = await Promise.all(Array.from({ length: 6 }, () => newShopper()));
    const home = (s: Shopper) =>
      call("GET", "/v1/home", { token: s.token }).then(async (res) => ({
        cache: res.headers.get("x-cache"),
        ...(await json<{ modules: { moduleId: string; title: string }[] }>(res)),
      }));
    for (const s of shoppers) {
      const variant = variantOf(experiment, `user:${s.id}`);
      const want = variant === "hidden" ? [] : [variant === "retitled" ? "为你精选" : "精选"];
      for (let i = 0; i < 2; i++) {
        const page = await home(s);
        expect(page.status).toBe(200);
        expect(
          page.body.modules.filter((m) => m.moduleId === moduleId).map((m) => m.title),
          variant,
        ).toEqual(want);
      }
    }
    // A guest without a cart token is nobody's unit: the page as published.
    const anonymous = await json<{ modules: { title: string }[] }>(await call("GET", "/v1/home"));
    expect(anonymous.body.modules.map((m) => m.title)).toEqual(["精选"]);
    const split = expectedSplit(
      experiment,
      shoppers.map((s) => `user:${s.id}`),
    );
    const counted = await eventually(
      () => report(experiment.experimentId),
      (r) => r.variants.reduce((n, v) => n + v.exposures, 0) === shoppers.length,
      "exposures",
    );
    for (const v of counted.variants) expect(v.exposures, v.name).toBe(split.get(v.name));
    await stop(experiment.experimentId);
    // Stopped: everyone gets the published page again.
    for (const s of shoppers) expect((await home(s)).body.modules.map((m) => m.title)).toEqual(["精选"]);
  });
});
