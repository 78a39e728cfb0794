import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { account } from "../../shared/ledger/accounts";
import { listBalances, listTransactions, unbalancedTransactions } from "../../shared/ledger/books";
import { postStatements } from "../../shared/ledger/ledger-repo";
import { post, reverse, type TransactionInput, transactionInput } from "../../shared/ledger/transactions";
import { capturedPosting, refundOwedPosting, refundPaidPosting } from "../../shared/payments/postings";
import { ManualClock, systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";
import { DEMO, tokenFor } from "../helpers/callers";
import { faultyD1 } from "../helpers/faulty-d1";
import { call, json } from "../helpers/http";

const db = dbOf(env.DB);
const deps = { db, clock: systemClock };

/** Accounts of one test, so balances of other tests never mix in. */
function accounts() {
  const tag = newId("request").slice(4, 16);
  return {
    shopper: account("shopper", `usr_${tag}`),
    clearing: account("provider_clearing", `sandbox_${tag}`),
    seller: account("seller_payable", `shp_${tag}`),
    tag,
  };
}

function payment(a: ReturnType<typeof accounts>, amount: number, key = newId("event")): TransactionInput {
  return {
    kind: "payment.captured",
    ref: `pay_${a.tag}`,
    idempotencyKey: key,
    entries: [
      { account: a.clearing, amount, currency: "CNY" },
      { account: a.seller, amount: -amount, currency: "CNY" },
    ],
  };
}

async function balanceOf(code: string): Promise<number> {
  const { items } = await listBalances(db, { account: code, limit: 10 });
  return items.filter((i) => i.account === code).reduce((sum, i) => sum + i.balance.amount, 0);
}

async function count(sql: string, ...binds: unknown[]): Promise<number> {
  return (
    (
      await env.DB.prepare(sql)
        .bind(...binds)
        .first<{ n: number }>()
    )?.n ?? 0
  );
}

describe("ledger: append-only double entry", () => {
  it("posts a balanced transaction and derives balances from its entries", async () => {
    const a = accounts();
    const { posted, transaction } = await post(deps, payment(a, 7900));
    expect(posted).toBe(true);
    expect(transaction.entries).toEqual([
      { account: a.clearing, amount: { amount: 7900, currency: "CNY" } },
      { account: a.seller, amount: { amount: -7900, currency: "CNY" } },
    ]);
    expect(await balanceOf(a.clearing)).toBe(7900);
    expect(await balanceOf(a.seller)).toBe(-7900);
    const byRef = await listTransactions(db, { ref: `pay_${a.tag}`, limit: 10 });
    expect(byRef.items.map((t) => t.transactionId)).toEqual([transaction.transactionId]);
  });

  it("refuses entries that do not sum to zero, a single entry, zero amounts and unknown accounts", () => {
    const a = accounts();
    const base = payment(a, 100);
    const bad: TransactionInput[] = [
      {
        ...base,
        entries: [
          { account: a.clearing, amount: 100, currency: "CNY" },
          { account: a.seller, amount: -99, currency: "CNY" },
        ],
      },
      { ...base, entries: [{ account: a.clearing, amount: 100, currency: "CNY" }] },
      {
        ...base,
        entries: [
          { account: a.clearing, amount: 0, currency: "CNY" },
          { account: a.seller, amount: 0, currency: "CNY" },
        ],
      },
      {
        ...base,
        entries: [
          { account: "wallet:x", amount: 1, currency: "CNY" },
          { account: a.seller, amount: -1, currency: "CNY" },
        ],
      },
      // Balanced in sum, but across two currencies: each currency must balance on its own.
      {
        ...base,
        entries: [
          { account: a.clearing, amount: 100, currency: "CNY" },
          { account: a.seller, amount: -100, currency: "USD" },
        ],
      },
      {
        ...base,
        entries: [
          { account: a.clearing, amount: 1.5, currency: "CNY" },
          { account: a.seller, amount: -1.5, currency: "CNY" },
        ],
      },
    ];
    for (const input of bad) expect(transactionInput.safeParse(input).success, JSON.stringify(input)).toBe(false);
    expect(transactionInput.safeParse(base).success).toBe(true);
  });

  it("aborts the whole batch when entries written past the zod check do not balance", async () => {
    const a = accounts();
    const id = newId("ledgerTransaction");
    const statements = postStatements(db, {
      id,
      kind: "forged",
      ref: `x_${a.tag}`,
      idempotencyKey: `forged-${id}`,
      reverses: null,
      memo: null,
      createdAt: Date.now(),
      entries: [
        { account: a.clearing, currency: "CNY", amount: 500 },
        { account: a.seller, currency: "CNY", amount: -400 },
      ],
    });
    await expect(db.batch(statements)).rejects.toThrow();
    expect(await count("select count(*) as n from ledger_transactions where id = ?", id)).toBe(0);
    expect(await count("select count(*) as n from ledger_entries where transaction_id = ?", id)).toBe(0);
  });

  it("posts a fact once: the same idempotency key, sent 20 times at once, makes one transaction", async () => {
    const a = accounts();
    const key = newId("event");
    const results = await Promise.all(Array.from({ length: 20 }, () => post(deps, payment(a, 1234, key))));
    expect(results.filter((r) => r.posted)).toHaveLength(1);
    expect(new Set(results.map((r) => r.transaction.transactionId)).size).toBe(1);
    expect(await count("select count(*) as n from ledger_transactions where idempotency_key = ?", key)).toBe(1);
    expect(await balanceOf(a.clearing)).toBe(1234);
  });

  it("refuses UPDATE and DELETE of entries and transactions (D1 triggers)", async () => {
    const a = accounts();
    const { transaction } = await post(deps, payment(a, 50));
    const attempts = [
      "update ledger_entries set amount = amount + 1 where transaction_id = ?",
      "delete from ledger_entries where transaction_id = ?",
      "update ledger_transactions set ref = 'changed' where id = ?",
      "delete from ledger_transactions where id = ?",
    ];
    for (const sql of attempts) {
      await expect(env.DB.prepare(sql).bind(transaction.transactionId).run(), sql).rejects.toThrow(
        /ledger_append_only/,
      );
    }
    expect(await balanceOf(a.clearing)).toBe(50);
  });

  it("corrects by a reversing transaction, once; a reversal is not reversed", async () => {
    const a = accounts();
    const { transaction } = await post(deps, payment(a, 900));
    const first = await reverse(deps, transaction.transactionId, "charged twice by mistake");
    const again = await reverse(deps, transaction.transactionId, "retry");
    expect(first.posted).toBe(true);
    expect(again).toMatchObject({ posted: false, transaction: { transactionId: first.transaction.transactionId } });
    expect(first.transaction).toMatchObject({
      kind: "reversal",
      reverses: transaction.transactionId,
      ref: transaction.ref,
    });
    expect(await balanceOf(a.clearing)).toBe(0);
    expect(await balanceOf(a.seller)).toBe(0);
    await expect(reverse(deps, first.transaction.transactionId, "no")).rejects.toMatchObject({
      code: "reversal_not_reversible",
      extensions: { transactionId: first.transaction.transactionId, reverses: transaction.transactionId },
    });
    await expect(reverse(deps, "ltx_missing", "no")).rejects.toMatchObject({ code: "not_found" });
  });

  it("keeps the books balanced after 200 concurrent payments and 50 concurrent reversals", async () => {
    const a = accounts();
    const payments = await Promise.all(Array.from({ length: 200 }, (_, i) => post(deps, payment(a, 100 + i))));
    expect(payments.every((p) => p.posted)).toBe(true);
    const reversed = payments.slice(0, 50);
    await Promise.all(reversed.map((p) => reverse(deps, p.transaction.transactionId, "refund")));
    const expected = payments.slice(50).reduce((sum, p) => sum + (p.transaction.entries[0]?.amount.amount ?? 0), 0);
    expect(await balanceOf(a.clearing)).toBe(expected);
    expect(await balanceOf(a.seller)).toBe(0 - expected);
    expect(await unbalancedTransactions(db)).toEqual([]);
    const total = await env.DB.prepare("select currency, sum(amount) as s from ledger_entries group by currency").all<{
      currency: string;
      s: number;
    }>();
    for (const row of total.results) expect(row.s, row.currency).toBe(0);
  });
});

describe("ledger: model-based (pay, duplicate delivery, reversal, crash)", () => {
  it("after every step: each transaction sums to zero, balances equal the entries, nothing posts twice", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant("pay" as const), amount: fc.integer({ min: 1, max: 1_000_000 }) }),
            fc.record({ kind: fc.constant("duplicate" as const), pick: fc.nat() }),
            fc.record({ kind: fc.constant("reverse" as const), pick: fc.nat() }),
            fc.record({
              kind: fc.constant("crash" as const),
              amount: fc.integer({ min: 1, max: 1000 }),
              lose: fc.boolean(),
            }),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        async (commands) => {
          const a = accounts();
          const clock = new ManualClock(Date.now());
          const model = { clearing: 0, keys: [] as { key: string; amount: number; id: string; reversed: boolean }[] };
          for (const command of commands) {
            clock.advance(1);
            if (command.kind === "pay") {
              const key = newId("event");
              const { transaction } = await post({ db, clock }, payment(a, command.amount, key));
              model.keys.push({ key, amount: command.amount, id: transaction.transactionId, reversed: false });
              model.clearing += command.amount;
            } else if (command.kind === "duplicate" && model.keys.length > 0) {
              const earlier = model.keys[command.pick % model.keys.length];
              if (!earlier) continue;
              const again = await post({ db, clock }, payment(a, earlier.amount, earlier.key));
              expect(again).toMatchObject({ posted: false, transaction: { transactionId: earlier.id } });
            } else if (command.kind === "reverse" && model.keys.length > 0) {
              const target = model.keys[command.pick % model.keys.length];
              if (!target) continue;
              await reverse({ db, clock }, target.id, "model");
              if (!target.reversed) model.clearing -= target.amount;
              target.reversed = true;
            } else if (command.kind === "crash") {
              // The batch is lost before it arrives, or its answer is lost after it committed.
              const key = newId("event");
              const flaky = dbOf(
                faultyD1(env.DB, { failBatch: () => !command.lose, loseBatchAnswer: () => command.lose }),
              );
              await expect(post({ db: flaky, clock }, payment(a, command.amount, key))).rejects.toThrow();
              if (command.lose) {
                // It committed: a retry (redelivery) answers that posting and posts nothing new.
                const retry = await post({ db, clock }, payment(a, command.amount, key));
                expect(retry.posted).toBe(false);
                model.keys.push({ key, amount: command.amount, id: retry.transaction.transactionId, reversed: false });
                model.clearing += command.amount;
              }
            }
            expect(await balanceOf(a.clearing)).toBe(model.clearing);
            expect(await balanceOf(a.seller)).toBe(0 - model.clearing + 0);
            expect(await unbalancedTransactions(db)).toEqual([]);
            const posted = await env.DB.prepare(
              "select count(*) as n, count(distinct idempotency_key) as d from ledger_transactions where ref = ?",
            )
              .bind(`pay_${a.tag}`)
              .first<{ n: number; d: number }>();
            expect(posted?.n).toBe(posted?.d);
          }
        },
      ),
      { numRuns: 15, seed: 20261201 },
    );
  });
});

describe("ledger: operators' API", () => {
  it("lists balances by account prefix and transactions by ref, with entries as money", async () => {
    const a = accounts();
    const { transaction } = await post(deps, payment(a, 4200));
    const operator = await tokenFor(DEMO.operator);
    const balances = await json<{ items: { account: string; balance: { amount: number; currency: string } }[] }>(
      await call("GET", `/admin/v1/ledger/balances?account=${encodeURIComponent(a.seller)}`, { token: operator }),
    );
    expect(balances).toMatchObject({
      status: 200,
      body: { items: [{ account: a.seller, balance: { amount: -4200, currency: "CNY" } }], nextCursor: null },
    });
    const byRef = await json<{ items: { transactionId: string; entries: unknown[] }[] }>(
      await call("GET", `/admin/v1/ledger/transactions?ref=pay_${a.tag}`, { token: operator }),
    );
    expect(byRef.status).toBe(200);
    expect(byRef.body.items).toEqual([
      expect.objectContaining({
        transactionId: transaction.transactionId,
        kind: "payment.captured",
        entries: [
          { account: a.clearing, amount: { amount: 4200, currency: "CNY" } },
          { account: a.seller, amount: { amount: -4200, currency: "CNY" } },
        ],
      }),
    ]);
    const seller = await tokenFor(DEMO.seller1);
    expect((await call("GET", "/admin/v1/ledger/balances", { token: seller })).status).toBe(403);
  });
});

describe("ledger: the payment postings (capture, refund owed, refund paid)", () => {
  /** A provider of one test, so its clearing and refunds-payable balances are its own. */
  const providerOf = () => `sandbox_${newId("request").slice(4, 16)}`;

  it("keeps the books balanced after 200 concurrent payments and 50 concurrent refunds", async () => {
    const provider = providerOf();
    const amounts = Array.from({ length: 200 }, (_, i) => 500 + i);
    const captures = await Promise.all(
      amounts.map((amount, i) =>
        post(
          deps,
          capturedPosting({
            provider,
            paymentId: `pay_${provider}_${i}`,
            payOrderId: `po_${i}`,
            amount,
            currency: "CNY",
          }),
        ),
      ),
    );
    expect(captures.every((c) => c.posted)).toBe(true);
    const refunded = amounts
      .slice(0, 50)
      .map((amount, i) => ({ refundId: `rfd_${provider}_${i}`, amount: amount - 100 }));
    await Promise.all(
      refunded.map(async (r) => {
        await post(deps, refundOwedPosting({ provider, ...r, currency: "CNY" }));
        await post(deps, refundPaidPosting({ provider, ...r, currency: "CNY" }));
      }),
    );
    const taken = amounts.reduce((s, a) => s + a, 0);
    const returned = refunded.reduce((s, r) => s + r.amount, 0);
    expect(await balanceOf(account("provider_clearing", provider))).toBe(taken - returned);
    expect(await balanceOf(account("refunds_payable", provider))).toBe(0);
    expect(await unbalancedTransactions(db)).toEqual([]);
  });

  it("model-based: after every step each transaction sums to zero, balances equal the model, nothing posts twice", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant("pay" as const), amount: fc.integer({ min: 1, max: 1_000_000 }) }),
            fc.record({ kind: fc.constant("duplicate" as const), pick: fc.nat() }),
            fc.record({ kind: fc.constant("refund" as const), pick: fc.nat(), part: fc.integer({ min: 1, max: 100 }) }),
            fc.record({ kind: fc.constant("redeliver_refund" as const), pick: fc.nat() }),
            fc.record({ kind: fc.constant("reverse" as const), pick: fc.nat() }),
            fc.record({
              kind: fc.constant("crash" as const),
              amount: fc.integer({ min: 1, max: 1000 }),
              lose: fc.boolean(),
            }),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        async (commands) => {
          const provider = providerOf();
          const clock = new ManualClock(Date.now());
          const clearing = account("provider_clearing", provider);
          const payable = account("refunds_payable", provider);
          const model = {
            clearing: 0,
            payments: [] as { id: string; amount: number; refunded: number; txId: string; reversed: boolean }[],
            refunds: [] as { refundId: string; amount: number }[],
          };
          const capture = (p: { id: string; amount: number }) =>
            capturedPosting({ provider, paymentId: p.id, payOrderId: `po_${p.id}`, amount: p.amount, currency: "CNY" });
          for (const command of commands) {
            clock.advance(1);
            const d = { db, clock };
            if (command.kind === "pay") {
              const p = { id: newId("payment"), amount: command.amount };
              const { transaction } = await post(d, capture(p));
              model.payments.push({ ...p, refunded: 0, txId: transaction.transactionId, reversed: false });
              model.clearing += p.amount;
            } else if (command.kind === "duplicate" && model.payments.length > 0) {
              const p = model.payments[command.pick % model.payments.length];
              if (!p) continue;
              expect(await post(d, capture(p))).toMatchObject({
                posted: false,
                transaction: { transactionId: p.txId },
              });
            } else if (command.kind === "refund" && model.payments.length > 0) {
              const p = model.payments[command.pick % model.payments.length];
              if (!p || p.reversed) continue;
              const amount = Math.floor(((p.amount - p.refunded) * command.part) / 100);
              if (amount <= 0) continue;
              const r = { refundId: newId("refund"), amount, currency: "CNY" };
              await post(d, refundOwedPosting({ provider, ...r }));
              await post(d, refundPaidPosting({ provider, ...r }));
              p.refunded += amount;
              model.refunds.push(r);
              model.clearing -= amount;
            } else if (command.kind === "redeliver_refund" && model.refunds.length > 0) {
              const r = model.refunds[command.pick % model.refunds.length];
              if (!r) continue;
              expect((await post(d, refundPaidPosting({ provider, ...r, currency: "CNY" }))).posted).toBe(false);
            } else if (command.kind === "reverse" && model.payments.length > 0) {
              const p = model.payments[command.pick % model.payments.length];
              if (!p || p.refunded > 0) continue;
              await reverse(d, p.txId, "model");
              if (!p.reversed) model.clearing -= p.amount;
              p.reversed = true;
            } else if (command.kind === "crash") {
              const p = { id: newId("payment"), amount: command.amount };
              const flaky = dbOf(
                faultyD1(env.DB, { failBatch: () => !command.lose, loseBatchAnswer: () => command.lose }),
              );
              await expect(post({ db: flaky, clock }, capture(p))).rejects.toThrow();
              if (command.lose) {
                const retry = await post(d, capture(p));
                expect(retry.posted).toBe(false);
                model.payments.push({ ...p, refunded: 0, txId: retry.transaction.transactionId, reversed: false });
                model.clearing += p.amount;
              }
            }
            expect(await balanceOf(clearing)).toBe(model.clearing);
            expect(await balanceOf(payable)).toBe(0);
            expect(await unbalancedTransactions(db)).toEqual([]);
          }
          // Nothing posted twice: the clearing account has one entry per capture, refund and reversal.
          const entries = await count("select count(*) as n from ledger_entries where account = ?", clearing);
          const reversals = model.payments.filter((p) => p.reversed).length;
          expect(entries).toBe(model.payments.length + model.refunds.length + reversals);
        },
      ),
      { numRuns: 15, seed: 20261202 },
    );
  });
});
