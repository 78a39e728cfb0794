/**
 * A small, seeded request generator driven by the served OpenAPI documents: for each operation it
 * builds a valid-looking request from the JSON Schemas (known ids filled in from fixtures) and
 * invalid variants of it (a missing field, a wrong type, a huge string or array, an unknown
 * field, bad path and query values, a wrong content type, malformed JSON). Deterministic: the
 * same seed gives the same requests, so a failure found once is found again.
 */

/** The subset of JSON Schema (OpenAPI 3.1) that zod-openapi emits for our routes. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  default?: unknown;
}

interface Parameter {
  in: "path" | "query" | "header" | "cookie";
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Parameter[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
        responses?: Record<string, unknown>;
      }
    >
  >;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** One documented operation, with its schemas resolved. */
export interface Operation {
  method: string;
  /** The documented path template, e.g. `/admin/v1/skus/{skuId}/stock`. */
  template: string;
  params: Parameter[];
  /** Request body media types and their schemas (empty when the operation takes none). */
  bodies: { contentType: string; schema: JsonSchema }[];
  /** The response statuses the document declares (`"200"`, `"404"`, ..., or `"default"`). */
  statuses: string[];
}

/** A request as the fuzzer sends it. */
export interface FuzzRequest {
  /** What variant this is, for the failure report. */
  variant: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Refused by the kernel before any route runs (size, framing, headers): worth sending to every caller. */
  kernel?: boolean;
}

/** Operations of `doc`; `$ref`s into `components.schemas` are inlined. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const components = doc.components?.schemas ?? {};
  const resolve = (schema: JsonSchema | undefined, depth = 0): JsonSchema => {
    if (!schema || depth > 20) return {};
    if (schema.$ref) return resolve(components[schema.$ref.replace("#/components/schemas/", "")], depth + 1);
    const out: JsonSchema = { ...schema };
    if (schema.properties) {
      out.properties = Object.fromEntries(
        Object.entries(schema.properties).map(([k, v]) => [k, resolve(v, depth + 1)]),
      );
    }
    if (schema.items) out.items = resolve(schema.items, depth + 1);
    if (typeof schema.additionalProperties === "object") {
      out.additionalProperties = resolve(schema.additionalProperties, depth + 1);
    }
    for (const key of ["anyOf", "oneOf", "allOf"] as const) {
      const list = schema[key];
      if (list) out[key] = list.map((s) => resolve(s, depth + 1));
    }
    return out;
  };
  const ops: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({
        method: method.toUpperCase(),
        template,
        params: (op.parameters ?? []).map((p) => ({ ...p, schema: resolve(p.schema) })),
        bodies: Object.entries(op.requestBody?.content ?? {}).map(([contentType, c]) => ({
          contentType,
          schema: resolve(c.schema),
        })),
        statuses: Object.keys(op.responses ?? {}),
      });
    }
  }
  return ops;
}

/** Every JSON path (dotted) inside request schemas of `op` where an array has no `maxItems`. */
export function unboundedArrays(op: Operation): string[] {
  const found: string[] = [];
  const walk = (schema: JsonSchema | undefined, at: string) => {
    if (!schema) return;
    const types = typeOf(schema);
    if (types.includes("array") && schema.maxItems === undefined) found.push(at || "(body)");
    for (const [k, v] of Object.entries(schema.properties ?? {})) walk(v, at ? `${at}.${k}` : k);
    walk(schema.items, `${at}[]`);
    if (typeof schema.additionalProperties === "object") walk(schema.additionalProperties, `${at}.*`);
    for (const s of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) walk(s, at);
  };
  for (const p of op.params) walk(p.schema, `${p.in}.${p.name}`);
  for (const b of op.bodies) walk(b.schema, "");
  return found;
}

/** mulberry32: a tiny seeded PRNG, enough to pick fields and values reproducibly. */
export function rngOf(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    chance: (p: number) => next() < p,
  };
}
/** The generator's source of choices. */
export type Rng = ReturnType<typeof rngOf>;

function typeOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.properties) return ["object"];
  if (schema.items) return ["array"];
  return [];
}

/** Values that fit the patterns our schemas use (a generic generator cannot invert a regex). */
const PATTERN_EXAMPLES: [RegExp, string][] = [
  [/^\^\\\+\?\[0-9\]/, "+86 138 0000 0000"],
  [/A-Za-z0-9 -/, "200000"],
  [/^\^\\d\{19\}\$$/, "1795694400007345012"],
  [/^\^\[A-Z\]\{2\}\$$/, "CN"],
  [/^\^\[A-Z_\]\+\$$/, "CREATED"],
  [/\[0-9a-f\]\{64\}/, `${"ab".repeat(32)}.png`],
];

/** Known-good values by field name: fixture ids, and values the domain checks beyond the schema. */
export type Known = Record<string, unknown>;

/** How `validValue` fills a schema. */
export interface GenerateOptions {
  known: Known;
  /** With optional fields (some, picked by the rng) or only the required ones. */
  full: boolean;
  /** Optional fields set even in a required-only request (a small `limit` keeps operator tools quick). */
  always?: ReadonlySet<string>;
}

/** A value that satisfies `schema` as far as the generator can tell; `known` wins by field name. */
export function validValue(schema: JsonSchema, rng: Rng, options: GenerateOptions, name = "", depth = 0): unknown {
  const { known, full } = options;
  if (name && name in known) return known[name];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return rng.pick(schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches?.length) return validValue(rng.pick(branches), rng, options, name, depth);
  const types = typeOf(schema).filter((t) => t !== "null");
  const type = types.length ? rng.pick(types) : "string";
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        if (required.has(key) || options.always?.has(key) || (full && depth < 4 && rng.chance(0.7))) {
          out[key] = validValue(sub, rng, options, key, depth + 1);
        }
      }
      if (typeof schema.additionalProperties === "object" && full && Object.keys(out).length === 0) {
        out.en = validValue(schema.additionalProperties, rng, options, "", depth + 1);
      }
      return out;
    }
    case "array": {
      const min = schema.minItems ?? 0;
      const max = Math.min(schema.maxItems ?? 3, min + 2, 3);
      const n = full ? rng.int(Math.max(min, 1), Math.max(min, max, 1)) : min;
      return Array.from({ length: n }, () => validValue(schema.items ?? {}, rng, options, "", depth + 1));
    }
    case "integer":
    case "number": {
      const low = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : (schema.minimum ?? 0);
      const high = Math.min(schema.maximum ?? low + 100, low + 100);
      const value = rng.int(Math.ceil(low), Math.floor(Math.max(low, high)));
      return type === "number" && rng.chance(0.3) ? value + 0.5 : value;
    }
    case "boolean":
      return rng.chance(0.5);
    default: {
      if (schema.pattern) {
        for (const [shape, example] of PATTERN_EXAMPLES) if (shape.test(schema.pattern)) return example;
      }
      if (schema.format === "uri") return "https://example.com/fuzz.png";
      if (schema.format === "date-time") return new Date(Date.UTC(2030, 0, 1)).toISOString();
      if (schema.format === "email") return "fuzz@example.test";
      const min = schema.minLength ?? 1;
      const max = Math.min(schema.maxLength ?? 24, 24);
      return "fuzz-".concat("x".repeat(Math.max(0, rng.int(min, Math.max(min, max)) - 5))).slice(0, max);
    }
  }
}

/** Wrong-typed values for a field of `schema`. */
function wrongTypeOf(schema: JsonSchema, rng: Rng): unknown {
  const types = typeOf(schema);
  const candidates: unknown[] = [{ nested: true }, [1, "two"], true, "not-a-number", 12.5, -1];
  if (!types.includes("null")) candidates.push(null);
  return rng.pick(
    candidates.filter((v) => !types.includes(v === null ? "null" : Array.isArray(v) ? "array" : typeof v)),
  );
}

/** Field paths (arrays of keys) of `value` with the schema at each, depth first. */
function fieldsOf(
  value: unknown,
  schema: JsonSchema,
  at: (string | number)[] = [],
): { at: (string | number)[]; schema: JsonSchema }[] {
  const out: { at: (string | number)[]; schema: JsonSchema }[] = [];
  const branch = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  const s = branch && !schema.properties ? branch : schema;
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      const item = s.items ?? {};
      out.push({ at: [...at, i], schema: item }, ...fieldsOf(v, item, [...at, i]));
    });
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const sub = s.properties?.[k] ?? (typeof s.additionalProperties === "object" ? s.additionalProperties : {});
      out.push({ at: [...at, k], schema: sub }, ...fieldsOf(v, sub, [...at, k]));
    }
  }
  return out;
}

function setAt(root: unknown, at: (string | number)[], value: unknown, remove = false): unknown {
  const copy = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = at.at(-1);
  if (last === undefined) return value;
  if (remove) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

/** Invalid variants of a valid JSON body `valid` under `schema`: one change each, picked by `rng`. */
export function invalidBodies(valid: unknown, schema: JsonSchema, rng: Rng): { variant: string; body: unknown }[] {
  const out: { variant: string; body: unknown }[] = [];
  const fields = fieldsOf(valid, schema);
  const top = schema.anyOf?.[0] ?? schema;
  const required = (top.required ?? []).filter((k) => valid && typeof valid === "object" && k in valid);
  if (required.length) {
    const key = rng.pick(required);
    out.push({ variant: `missing ${key}`, body: setAt(valid, [key], undefined, true) });
  }
  if (fields.length) {
    const f = rng.pick(fields);
    out.push({ variant: `wrong type at ${f.at.join(".")}`, body: setAt(valid, f.at, wrongTypeOf(f.schema, rng)) });
    const g = rng.pick(fields);
    out.push({
      variant: `extreme number at ${g.at.join(".")}`,
      body: setAt(valid, g.at, rng.pick([1e308, -1e308, 2 ** 63, -0.000001, 1.5, Number.MAX_SAFE_INTEGER + 2])),
    });
    const h = rng.pick(fields);
    out.push({ variant: `huge string at ${h.at.join(".")}`, body: setAt(valid, h.at, "界".repeat(20_000)) });
    const i = rng.pick(fields);
    out.push({
      variant: `odd string at ${i.at.join(".")}`,
      body: setAt(
        valid,
        i.at,
        rng.pick([
          "",
          " ",
          "\u0000",
          "' OR 1=1 --",
          "../../etc/passwd",
          "javascript:alert(1)",
          "😀".repeat(50),
          "1e309",
          "NaN",
        ]),
      ),
    });
  }
  const arrays = fields.filter((f) => typeOf(f.schema).includes("array"));
  const arrayAt = arrays.length ? rng.pick(arrays).at : typeOf(schema).includes("array") ? [] : null;
  if (arrayAt) {
    out.push({
      variant: `huge array at ${arrayAt.join(".") || "(body)"}`,
      body: setAt(
        valid,
        arrayAt,
        Array.from({ length: 20_000 }, () => 0),
      ),
    });
  } else if (valid && typeof valid === "object") {
    out.push({
      variant: "huge array in a new field",
      body: { ...(valid as object), extra: Array.from({ length: 20_000 }, () => 0) },
    });
  }
  if (valid && typeof valid === "object" && !Array.isArray(valid)) {
    out.push({ variant: "unknown field", body: { ...valid, unexpectedField: "x" } });
    out.push({
      variant: "prototype keys",
      body: JSON.parse(`{"__proto__": {"admin": true}, "constructor": {"prototype": {}}}`),
    });
  }
  out.push({ variant: "body is an array", body: [valid] });
  out.push({ variant: "body is null", body: null });
  out.push({ variant: "body is a number", body: 42 });
  let deep: unknown = {};
  for (let d = 0; d < 2_000; d++) deep = { a: deep };
  out.push({ variant: "deeply nested body", body: deep });
  return out;
}

/** Bad values for a path segment or query value. */
export const BAD_SCALARS = [
  "x",
  "0",
  "-1",
  "1.5",
  "99999999999999999999999",
  "1e309",
  "NaN",
  "null",
  "true",
  "%00",
  "%2e%2e%2f",
  "' OR '1'='1",
  "商品",
  "😀",
  "a".repeat(300),
  "%ZZ",
];
