/**
 * Console pages through the router as a signed-in browser: every page answers for the role it is
 * for; a seller sees only its own shop (another shop's product is the API's 404, its list does not
 * show it); a pasted seed JSON with its comments creates the product; refusals show the API's problem.
 */
import { describe, expect, it } from "vitest";
import { SEED_TSHIRT } from "../helpers/catalog";
import { consoleBrowser } from "../helpers/console";

const SELLER1 = ["seller1", "seller-dev-password"] as const;
const SELLER2 = ["seller2", "seller2-dev-password"] as const;
const OPERATOR = ["admin", "admin-dev-password"] as const;

async function signedIn([username, password]: readonly [string, string]) {
  const browser = consoleBrowser();
  const res = await browser.signIn(username, password);
  expect(res.status, await res.clone().text()).toBe(303);
  return browser;
}

describe("console pages", () => {
  it("renders every seller page and every operator page", async () => {
    const seller = await signedIn(SELLER1);
    for (const path of [
      "/console",
      "/console/products",
      "/console/products?status=DRAFT&q=T",
      "/console/products/new",
      "/console/products/new?categoryId=1003001",
      "/console/bulk",
      "/console/orders",
      "/console/refunds",
      "/console/refunds?status=REQUESTED",
      "/console/vouchers",
      "/console/threshold-discounts",
      "/console/flash-sales",
      "/console/warehouses",
      "/console/shipping",
      "/console/api-keys",
    ]) {
      const res = await seller.get(path);
      expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
      expect(await res.text()).not.toContain('class="problem"');
    }
    const operator = await signedIn(OPERATOR);
    for (const path of [
      "/console/audit",
      "/console/products",
      "/console/orders",
      "/console/refunds",
      "/console/vouchers",
      "/console/flash-sales",
      "/console/coins",
      "/console/shops",
      "/console/users",
      "/console/dead-letters",
      "/console/reconciliation",
      "/console/ledger",
      "/console/switches",
      "/console/order-slots",
      "/console/metrics",
    ]) {
      const res = await operator.get(path);
      expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
      expect(await res.text()).not.toContain('class="problem"');
    }
    // An operator-only page shows a seller the API's refusal.
    const refused = await seller.get("/console/dead-letters");
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("This requires one of the roles: operator");
  });

  it("creates a product from the seed's JSON as pasted (with comments) and keeps it to the seller's shop", async () => {
    const seller = await signedIn(SELLER1);
    const name = `控制台T恤 ${Date.now()}`;
    const res = await seller.post("/console/products/new", {
      json: SEED_TSHIRT.replace("经典圆领男士T恤", name).replace('"value": "NIKE"', '"value": "NIKE" // 品牌'),
      idempotencyKey: crypto.randomUUID(),
    });
    expect(res.status, await res.clone().text()).toBe(303);
    const location = res.headers.get("location") ?? "";
    expect(location).toMatch(/^\/console\/products\/spu_[A-Z0-9]+\?notice=created$/);
    const page = await (await seller.get(location)).text();
    expect(page).toContain(name);
    expect(page).toContain("Product created as DRAFT.");
    expect(page).toContain("CN¥79.00");

    const other = await signedIn(SELLER2);
    const hidden = await other.get(location.split("?")[0] ?? "");
    expect(hidden.status).toBe(404);
    expect(await hidden.text()).toContain('class="problem"');
    expect(await (await other.get("/console/products")).text()).not.toContain(name);
  });

  it("shows a refused product as the API's problem, field by field, and keeps what was pasted", async () => {
    const seller = await signedIn(SELLER1);
    const json = SEED_TSHIRT.replace('"短袖"', '"七分袖"');
    const res = await seller.post("/console/products/new", { json });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("validation_failed");
    expect(html).toMatch(/basicAttributes\.3\.value/);
    expect(html).toContain("七分袖");
    const broken = await seller.post("/console/products/new", { json: "{ not json" });
    expect(broken.status).toBe(400);
    expect(await broken.text()).toContain("is not valid JSON");
  });
});
