/**
 * Tokens for full-text search, made in code so Chinese works without a dictionary: Latin and digit
 * runs become lower-cased words; Chinese/Japanese/Korean runs become their single characters plus
 * every overlapping bigram (the CJK bigram scheme of Lucene's CJKAnalyzer). A document indexes
 * both; a query uses bigrams for runs of two or more characters, so `T恤` matches `经典圆领男士T恤`
 * and `流量包` matches `中国移动流量包充值`.
 */
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/u;
const WORD = /[\p{L}\p{N}]/u;

type Run = { cjk: boolean; text: string };

function runs(text: string): Run[] {
  const out: Run[] = [];
  let current: Run | null = null;
  for (const ch of text.normalize("NFKC").toLowerCase()) {
    const cjk = CJK.test(ch);
    if (!cjk && !WORD.test(ch)) {
      current = null;
      continue;
    }
    if (!current || current.cjk !== cjk) {
      current = { cjk, text: "" };
      out.push(current);
    }
    current.text += ch;
  }
  return out;
}

function bigrams(chars: string[]): string[] {
  return chars.slice(1).map((ch, i) => `${chars[i]}${ch}`);
}

/** The tokens a document is indexed under, deduplicated, space-separated. */
export function documentTokens(text: string): string {
  const tokens = new Set<string>();
  for (const run of runs(text)) {
    if (!run.cjk) {
      tokens.add(run.text);
      continue;
    }
    const chars = [...run.text];
    for (const ch of chars) tokens.add(ch);
    for (const pair of bigrams(chars)) tokens.add(pair);
  }
  return [...tokens].join(" ");
}

/**
 * An FTS5 MATCH expression for a user's query: every token must match; Latin words of three or
 * more characters also match as prefixes (`nik` finds NIKE). Null when nothing is searchable.
 */
export function matchExpression(query: string): string | null {
  const terms: string[] = [];
  for (const run of runs(query)) {
    if (!run.cjk) {
      // Prefixes from three characters on: a one-letter prefix would match most of the index.
      terms.push(run.text.length >= 3 ? `"${run.text}"*` : `"${run.text}"`);
      continue;
    }
    const chars = [...run.text];
    const grams = chars.length === 1 ? chars : bigrams(chars);
    for (const g of grams) terms.push(`"${g}"`);
  }
  return terms.length ? terms.slice(0, 32).join(" AND ") : null;
}
