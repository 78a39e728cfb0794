import { describe, expect, it } from "vitest";
import { createUser } from "../helpers/factories";
import { call, json } from "../helpers/http";
import { loginAs } from "../helpers/sessions";

const home = {
  recipient: "张三",
  phone: "+86 138 0000 0000",
  country: "cn",
  province: "上海市",
  city: "上海市",
  district: "浦东新区",
  line1: "世纪大道 100 号",
  postalCode: "200120",
};

async function shopperToken() {
  return (await loginAs(await createUser())).accessToken;
}

describe("/v1/me/addresses", () => {
  it("creates, reads, lists, updates and deletes addresses", async () => {
    const token = await shopperToken();
    const created = await json(await call("POST", "/v1/me/addresses", { token, body: home }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      addressId: expect.stringMatching(/^adr_/),
      country: "CN",
      isDefault: true,
      version: 1,
      line2: null,
    });
    const id = String(created.body.addressId);

    const second = await json(
      await call("POST", "/v1/me/addresses", { token, body: { ...home, line1: "南京路 1 号" } }),
    );
    expect(second.body).toMatchObject({ isDefault: false });

    const list = await json<{ items: { addressId: string }[]; nextCursor: string | null }>(
      await call("GET", "/v1/me/addresses?limit=1", { token }),
    );
    expect(list.body.items.map((a) => a.addressId)).toEqual([id]);
    const next = await json<{ items: { addressId: string }[] }>(
      await call("GET", `/v1/me/addresses?limit=1&cursor=${list.body.nextCursor}`, { token }),
    );
    expect(next.body.items.map((a) => a.addressId)).toEqual([second.body.addressId]);

    const updated = await json(
      await call("PATCH", `/v1/me/addresses/${id}`, { token, body: { city: "杭州市", version: 1 } }),
    );
    expect(updated.body).toMatchObject({ city: "杭州市", version: 2 });
    const stale = await json(
      await call("PATCH", `/v1/me/addresses/${id}`, { token, body: { city: "苏州市", version: 1 } }),
    );
    expect(stale).toMatchObject({ status: 409, body: { code: "version_conflict", currentVersion: 2 } });

    const makeDefault = await json(
      await call("PATCH", `/v1/me/addresses/${second.body.addressId}`, { token, body: { isDefault: true } }),
    );
    expect(makeDefault.body).toMatchObject({ isDefault: true });
    expect((await json(await call("GET", `/v1/me/addresses/${id}`, { token }))).body).toMatchObject({
      isDefault: false,
    });

    expect((await call("DELETE", `/v1/me/addresses/${id}`, { token })).status).toBe(204);
    expect((await call("GET", `/v1/me/addresses/${id}`, { token })).status).toBe(404);
  });

  it("hides other users' addresses behind 404", async () => {
    const owner = await shopperToken();
    const other = await shopperToken();
    const created = await json(await call("POST", "/v1/me/addresses", { token: owner, body: home }));
    const id = String(created.body.addressId);
    expect((await call("GET", `/v1/me/addresses/${id}`, { token: other })).status).toBe(404);
    expect((await call("PATCH", `/v1/me/addresses/${id}`, { token: other, body: { city: "x" } })).status).toBe(404);
    expect((await call("DELETE", `/v1/me/addresses/${id}`, { token: other })).status).toBe(404);
    expect((await call("GET", `/v1/me/addresses/${id}`, { token: owner })).status).toBe(200);
  });

  it("names each bad field and changes nothing", async () => {
    const token = await shopperToken();
    const res = await json(
      await call("POST", "/v1/me/addresses", {
        token,
        body: { ...home, country: "XX", postalCode: "", recipient: "" },
      }),
    );
    expect(res.status).toBe(400);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["country", "postalCode", "recipient"]));
    const list = await json<{ items: unknown[] }>(await call("GET", "/v1/me/addresses", { token }));
    expect(list.body.items).toEqual([]);
  });

  it("creates one address for a replayed Idempotency-Key", async () => {
    const token = await shopperToken();
    const headers = { "Idempotency-Key": "addr-1" };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => call("POST", "/v1/me/addresses", { token, body: home, headers }).then(json)),
    );
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const list = await json<{ items: unknown[] }>(await call("GET", "/v1/me/addresses", { token }));
    expect(list.body.items).toHaveLength(1);
  });
});
