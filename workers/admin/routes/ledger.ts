/** Operators' view of the books: balances derived from entries, and transactions by what they are about. */
import { createRoute, z } from "@hono/zod-openapi";
import { listBalances, listTransactions } from "../../../shared/ledger/books";
import { requireRole } from "../../../shared/platform/caller";
import { moneySchema } from "../../../shared/platform/money";
import { errorResponses, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { listQuerySchema } from "../../../shared/platform/validation";
import type { AdminApp } from "../app";

const common = { tags: ["ledger"], security: [{ bearer: [] as string[] }], middleware: [requireRole("operator")] };

const transactionSchema = z
  .object({
    transactionId: z.string(),
    kind: z.string(),
    ref: z.string().describe("What it is about: a pay order, a payment, a refund"),
    reverses: z.string().nullable().describe("The transaction this one corrects"),
    memo: z.string().nullable(),
    entries: z
      .array(z.object({ account: z.string(), amount: moneySchema.describe("Positive: debit; negative: credit") }))
      .describe("Sum to zero in each currency"),
    createdAt: z.string(),
  })
  .openapi("LedgerTransaction");

const balancesRoute = createRoute({
  ...common,
  method: "get",
  path: "/admin/v1/ledger/balances",
  summary: "Balances per account and currency, derived from the entries",
  description:
    "Operators only. Each account's balance summed from its ledger entries (positive: debit), per currency; " +
    "`account` narrows to codes starting with it.",
  request: {
    query: listQuerySchema.extend({
      account: z
        .string()
        .min(1)
        .max(96)
        .optional()
        .describe("Only accounts whose code starts with this, e.g. seller_payable:"),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({
        items: z.array(z.object({ account: z.string(), balance: moneySchema })),
        nextCursor: z.string().nullable(),
      }),
      "A page of balances, in account order",
      {
        items: [
          { account: "platform_escrow", balance: { amount: -24700, currency: "CNY" } },
          { account: "provider_clearing:sandbox", balance: { amount: 24700, currency: "CNY" } },
        ],
        nextCursor: null,
      },
    ),
    ...errorResponses(400, 401, 403),
  },
});

const transactionsRoute = createRoute({
  ...common,
  method: "get",
  path: "/admin/v1/ledger/transactions",
  summary: "Ledger transactions, newest first, optionally about one ref",
  description:
    "Operators only. Double-entry transactions (payments captured, refunds paid out, corrections), each with " +
    "entries that sum to zero per currency; `ref` gives those about one pay order, payment or refund.",
  request: { query: listQuerySchema.extend({ ref: z.string().min(1).max(128).optional() }) },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(transactionSchema), nextCursor: z.string().nullable() }),
      "A page of transactions",
      {
        items: [
          {
            transactionId: "ltx_01M8T8AF9X2J6FC7HX2N7BHFHP",
            kind: "payment_captured",
            ref: "1796177476010990000",
            reverses: null,
            memo: "payment pay_01M8T8AF9X2J6FC7HX2N7BHFHM",
            entries: [
              { account: "provider_clearing:sandbox", amount: { amount: 24700, currency: "CNY" } },
              { account: "platform_escrow", amount: { amount: -24700, currency: "CNY" } },
            ],
            createdAt: "2026-12-02T02:12:03.114Z",
          },
        ],
        nextCursor: null,
      },
    ),
    ...errorResponses(400, 401, 403),
  },
});

export function registerLedgerRoutes(app: AdminApp): void {
  app.openapi(balancesRoute, async (c) => c.json(await listBalances(requestDb(c), c.req.valid("query")), 200));
  app.openapi(transactionsRoute, async (c) => c.json(await listTransactions(requestDb(c), c.req.valid("query")), 200));
}
