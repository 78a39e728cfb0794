/**
 * Reading console forms into API bodies: text fields, the seed's JSON as a seller pastes it
 * (with its `//` comments), decimal prices in minor units, and local date-times in UTC.
 */

import { AppError } from "../../../shared/platform/errors";
import { CURRENCY_EXPONENTS, type Currency, type Money, parseDecimal } from "../../../shared/platform/money";
import { type ProblemDocument, problemOf } from "../../../shared/platform/problem";
import type { ConsoleContext } from "./console";

export type Form = Record<string, string>;

/** The submitted form's text fields (files are read where a page takes one). */
export async function formOf(c: ConsoleContext): Promise<Form> {
  const body = await c.req.parseBody();
  const out: Form = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}

/**
 * The JSON text without `//` and `/* *\/` comments, leaving strings untouched: the seed design
 * writes its product JSON with comments (`"attributeId": 101, // 品牌`), and a seller pastes it so.
 */
export function stripJsonComments(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === "\\") out += text[++i] ?? "";
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (ch === "/" && text[i + 1] === "*") {
      i += 2;
      while (i < text.length && !(text[i] === "*" && text[i + 1] === "/")) i++;
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}

export function isCurrency(value: string): value is Currency {
  return value in CURRENCY_EXPONENTS;
}

/** A decimal amount typed into a form, in minor units, or the reason it is not one. */
export function minorUnitsOf(
  text: string,
  currency: Currency,
): { ok: true; value: number } | { ok: false; reason: string } {
  if (!text.trim()) return { ok: false, reason: "is required" };
  return parseDecimal(text, currency);
}

/**
 * A `datetime-local` value (the viewer's wall-clock time) as ISO UTC, using the viewer's UTC
 * offset in minutes that the console script puts in the form's `tzOffset` field
 * (`Date.getTimezoneOffset()`: minutes to add to local time to get UTC).
 */
export function utcFromLocal(local: string, tzOffsetMinutes: string | undefined): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim());
  if (!match) return null;
  // A browser's datetime-local value has no seconds ("2026-12-01T00:00"): the group is then absent.
  const [y, mo, d, h, mi, s] = match.slice(1).map((part) => Number(part ?? "0")) as number[];
  const offset = Number(tzOffsetMinutes ?? "0");
  const utc =
    Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0) + (Number.isFinite(offset) ? offset : 0) * 60_000;
  return Number.isFinite(utc) ? new Date(utc).toISOString() : null;
}

/** A problem document, as the API words one, for a form field the console checks before sending. */
export function formProblem(c: ConsoleContext, field: string, reason: string): ProblemDocument {
  return problemOf(
    new AppError("validation_failed", { detail: `${field} ${reason}`, errors: [{ field, reason }] }),
    c.var.requestId,
  );
}

/** A form field the console can tell is wrong before asking the API. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
  }
}

/** The form's `currency` (CNY when it has none). */
export function currencyOf(form: Form): Currency {
  const currency = form.currency ?? "CNY";
  if (!isCurrency(currency)) throw new FieldError("currency", "is not supported");
  return currency;
}

export function moneyOf(form: Form, field: string, currency: Currency): Money {
  const parsed = minorUnitsOf(form[field] ?? "", currency);
  if (!parsed.ok) throw new FieldError(field, parsed.reason);
  return { amount: parsed.value, currency };
}

export function optionalMoneyOf(form: Form, field: string, currency: Currency): Money | undefined {
  return (form[field] ?? "").trim() ? moneyOf(form, field, currency) : undefined;
}

export function integerOf(form: Form, field: string): number {
  const text = (form[field] ?? "").trim();
  if (!/^-?\d+$/.test(text)) throw new FieldError(field, "must be a whole number");
  return Number(text);
}

/** A `datetime-local` field of the form (with its `tzOffset`) as ISO UTC. */
export function timeOf(form: Form, field: string): string {
  const utc = utcFromLocal(form[field] ?? "", form.tzOffset);
  if (!utc) throw new FieldError(field, "must be a date and time");
  return utc;
}

/** The API body `read` makes of a form, or the problem naming the field it found wrong. */
export function bodyOf<T>(
  c: ConsoleContext,
  read: () => T,
): { ok: true; body: T } | { ok: false; problem: ProblemDocument } {
  try {
    return { ok: true, body: read() };
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    return { ok: false, problem: formProblem(c, err.field, err.reason) };
  }
}
