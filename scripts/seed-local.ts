/**
 * Writes the demo seed to .wrangler/seed.sql and loads it into the local D1 database that
 * `npm run dev` uses. Idempotent: every row has a fixed id and is inserted with OR IGNORE.
 * Usage: tsx scripts/seed-local.ts [--catalog-size N]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { buildSeedStatements } from "../db/seed/build.ts";
import { executeLocalSql } from "./local.ts";

const sizeFlag = process.argv.indexOf("--catalog-size");
const catalogSize = sizeFlag > 0 ? Number(process.argv[sizeFlag + 1]) : 2000;

const statements = await buildSeedStatements({ catalogSize });
mkdirSync(".wrangler", { recursive: true });
writeFileSync(".wrangler/seed.sql", `${statements.join("\n")}\n`);
executeLocalSql(".wrangler/seed.sql");
console.log(`seeded demo accounts, shops, catalog structure and ${catalogSize} generated products`);
