/**
 * The search tokenizer on its own (no D1, no FTS5): how documents and queries are cut into
 * tokens, so Chinese, Japanese and Korean match without a dictionary and a query can never
 * smuggle FTS5 syntax into MATCH.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { documentTokens, matchExpression } from "../../shared/catalog/search-tokens";

/** The terms of a MATCH expression, unquoted, with whether each is a prefix term. */
function terms(expression: string | null): { token: string; prefix: boolean }[] {
  if (expression === null) return [];
  return expression.split(" AND ").map((term) => {
    const m = /^"([^"]+)"(\*?)$/.exec(term);
    if (!m) throw new Error(`not a quoted term: ${term}`);
    return { token: m[1] ?? "", prefix: m[2] === "*" };
  });
}

/** Whether a document with `tokens` matches `expression` as FTS5 would: every term, prefixes as prefixes. */
function matches(tokens: string, expression: string | null): boolean {
  const indexed = tokens.split(" ");
  return terms(expression).every(({ token, prefix }) =>
    indexed.some((t) => (prefix ? t.startsWith(token) : t === token)),
  );
}

const CJK_CHARS = [..."经典圆领男士恤中国移动流量包充值一二三カタナ한국어"];
const LATIN_CHARS = [..."abcxyzNIKE019"];
const cjkText = fc.array(fc.constantFrom(...CJK_CHARS), { minLength: 1, maxLength: 12 }).map((a) => a.join(""));
const mixedText = fc
  .array(fc.constantFrom(...CJK_CHARS, ...LATIN_CHARS, " ", "-", "/", "\u3000", "Ｔ", "ﬁ"), { maxLength: 30 })
  .map((a) => a.join(""));

describe("documentTokens", () => {
  it("indexes a CJK run as its single characters and every overlapping bigram", () => {
    expect(documentTokens("流量包")).toBe("流 量 包 流量 量包");
    expect(documentTokens("カタカナ")).toBe("カ タ ナ カタ タカ カナ");
    expect(documentTokens("한국어")).toBe("한 국 어 한국 국어");
  });

  it("splits runs where the script changes and lower-cases Latin and digit runs", () => {
    expect(documentTokens("经典圆领男士T恤")).toBe("经 典 圆 领 男 士 经典 典圆 圆领 领男 男士 t 恤");
    expect(documentTokens("NIKE Air Max 90")).toBe("nike air max 90");
    expect(documentTokens("iPhone15 Pro")).toBe("iphone15 pro");
  });

  it("normalizes with NFKC: full-width letters, digits and spaces, and ligatures, index as their plain forms", () => {
    expect(documentTokens("ＮＩＫＥ\u3000１２３")).toBe("nike 123");
    expect(documentTokens("ﬁne")).toBe("fine");
    expect(documentTokens("Café")).toBe("café");
  });

  it("treats punctuation and spaces as separators, and gives nothing for text without letters or digits", () => {
    expect(documentTokens("a-b_c")).toBe("a b c");
    expect(documentTokens("中 国")).toBe("中 国");
    expect(documentTokens("")).toBe("");
    expect(documentTokens("  ---  ")).toBe("");
  });

  it("lists each token once", () => {
    expect(documentTokens("一二三一二")).toBe("一 二 三 一二 二三 三一");
    fc.assert(
      fc.property(mixedText, (text) => {
        const tokens = documentTokens(text).split(" ");
        expect(new Set(tokens).size).toBe(tokens.length);
      }),
    );
  });
});

describe("matchExpression", () => {
  it("asks for the bigrams of a CJK run of two or more characters, and the character of a single one", () => {
    expect(matchExpression("流量包")).toBe('"流量" AND "量包"');
    expect(matchExpression("恤")).toBe('"恤"');
    expect(matchExpression("T恤")).toBe('"t" AND "恤"');
  });

  it("matches Latin words of three or more characters as prefixes, shorter ones exactly", () => {
    expect(matchExpression("nik")).toBe('"nik"*');
    expect(matchExpression("ni")).toBe('"ni"');
    expect(matchExpression("NIKE Air Max 90")).toBe('"nike"* AND "air"* AND "max"* AND "90"');
  });

  it("is null when nothing is searchable", () => {
    expect(matchExpression("")).toBeNull();
    expect(matchExpression("  ---  ")).toBeNull();
    expect(matchExpression('"*()')).toBeNull();
  });

  it("keeps at most 32 terms", () => {
    const query = Array.from({ length: 40 }, (_, i) => `w${i}x`).join(" ");
    const kept = terms(matchExpression(query));
    expect(kept).toHaveLength(32);
    expect(kept.at(-1)?.token).toBe("w31x");
  });

  it("passes no FTS5 syntax through: every term is one quoted token, joined by AND", () => {
    expect(matchExpression('nike" OR "x NOT y* NEAR(a b)')).toBe(
      '"nike"* AND "or" AND "x" AND "not"* AND "y" AND "near"* AND "a" AND "b"',
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), mixedText, (noise, text) => {
        for (const { token } of terms(matchExpression(`${noise}${text}`))) {
          expect(token).toMatch(/^[\p{L}\p{N}]+$/u);
        }
      }),
    );
  });

  it("finds the two products the module names: T恤 in 经典圆领男士T恤, 流量包 in 中国移动流量包充值", () => {
    expect(matches(documentTokens("经典圆领男士T恤"), matchExpression("T恤"))).toBe(true);
    expect(matches(documentTokens("中国移动流量包充值"), matchExpression("流量包"))).toBe(true);
    expect(matches(documentTokens("中国移动流量包充值"), matchExpression("包流量"))).toBe(false);
    expect(matches(documentTokens("NIKE Air Max"), matchExpression("nik"))).toBe(true);
    expect(matches(documentTokens("NIKE Air Max"), matchExpression("ik"))).toBe(false);
  });

  it("finds a document by its own text, whatever the text", () => {
    fc.assert(fc.property(mixedText, (text) => matches(documentTokens(text), matchExpression(text))));
  });

  it("finds a CJK text by any part of it, without a dictionary", () => {
    fc.assert(
      fc.property(cjkText, fc.nat(), fc.nat(), (text, a, b) => {
        const chars = [...text];
        const start = a % chars.length;
        const end = start + 1 + (b % (chars.length - start));
        const part = chars.slice(start, end).join("");
        expect(matches(documentTokens(text), matchExpression(part))).toBe(true);
      }),
    );
  });
});
