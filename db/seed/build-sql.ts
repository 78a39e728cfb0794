/** SQL text for seed rows: literals and multi-row `INSERT OR IGNORE` statements. */
type Value = string | number | boolean | null;

function literal(value: Value): string {
  if (value === null) return "NULL";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot seed ${value}`);
    return String(value);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/** Multi-row `INSERT OR IGNORE` statements, `chunk` rows each (D1 caps statement size). */
export function insertRows(table: string, rows: Record<string, Value>[], chunk = 50): string[] {
  const first = rows[0];
  if (!first) return [];
  const columns = Object.keys(first);
  const statements: string[] = [];
  for (let i = 0; i < rows.length; i += chunk) {
    const values = rows
      .slice(i, i + chunk)
      .map((row) => `(${columns.map((c) => literal(row[c] ?? null)).join(", ")})`)
      .join(",\n  ");
    statements.push(`INSERT OR IGNORE INTO ${table} (${columns.join(", ")}) VALUES\n  ${values};`);
  }
  return statements;
}
