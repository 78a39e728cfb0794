/**
 * The operator's slot move against `npm run dev` (docs/capacity.md, "Moving a slot"): logs in as
 * the demo operator and calls the admin routes, so it does exactly what an operator's HTTP call does.
 *
 *   npm run orders:move-slot -- --slot 42 --to 1     move slot 42's orders to shard 1 (or resume that move)
 *   npm run orders:move-slot -- --slot 42 --purge    delete slot 42's rows from the shards it left
 *   npm run orders:move-slot                         where the slots live, and the moves under way
 *
 * Options: --origin URL (default http://127.0.0.1:$PORT, PORT default 8787), --username, --password.
 */
import { parseArgs } from "node:util";
import { DEMO_LOGINS } from "./local.ts";

const { values } = parseArgs({
  options: {
    slot: { type: "string" },
    to: { type: "string" },
    purge: { type: "boolean", default: false },
    origin: { type: "string", default: `http://127.0.0.1:${process.env.PORT ?? "8787"}` },
    username: { type: "string", default: DEMO_LOGINS[0][1] },
    password: { type: "string", default: DEMO_LOGINS[0][2] },
  },
});

const origin = values.origin.replace(/\/$/, "");

interface Problem {
  status: number;
  code?: string;
  detail?: string;
}

async function request<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`${origin}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    fail(`cannot reach ${origin} (${String(err)}): start the platform with npm run dev`);
  }
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const problem = parsed as Problem;
    const retry = res.headers.get("retry-after");
    fail(
      `${method} ${path}: ${res.status} ${problem?.code ?? ""} ${problem?.detail ?? text}${retry ? ` (retry after ${retry} s)` : ""}`,
    );
  }
  return parsed as T;
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function slotArg(): number {
  const slot = Number(values.slot);
  if (values.slot === undefined || !Number.isInteger(slot) || slot < 0 || slot > 999) fail("--slot must be 0-999");
  return slot;
}

const { accessToken } = await request<{ accessToken: string }>("POST", "/v1/auth/login", undefined, {
  username: values.username,
  password: values.password,
});

if (values.to !== undefined) {
  const slot = slotArg();
  const toShard = Number(values.to);
  if (!Number.isInteger(toShard) || toShard < 0) fail("--to must be a shard index (0, 1, ...)");
  console.log(`moving slot ${slot} to shard ${toShard} (its orders answer 409 order_slot_moving until the switch)`);
  const moved = await request<{
    fromShard: number;
    resumed: boolean;
    tables: { table: string; rows: number; copied: number }[];
    switchedAt: string;
    purgeAfter: string;
  }>("POST", `/admin/v1/order-slots/${slot}/move`, accessToken, { toShard });
  console.table(moved.tables);
  console.log(
    `slot ${slot}: shard ${moved.fromShard} → ${toShard}${moved.resumed ? " (resumed a move that had died)" : ""}, ` +
      `counts verified, switched at ${moved.switchedAt}`,
  );
  console.log(
    `purge shard ${moved.fromShard}'s copy after ${moved.purgeAfter}: npm run orders:move-slot -- --slot ${slot} --purge`,
  );
} else if (values.purge) {
  const slot = slotArg();
  const purged = await request<{ shards: { shard: number; tables: { table: string; deleted: number }[] }[] }>(
    "POST",
    `/admin/v1/order-slots/${slot}/purge`,
    accessToken,
  );
  if (purged.shards.length === 0) console.log(`slot ${slot}: no shard it left holds a copy to purge`);
  for (const s of purged.shards) {
    console.log(`slot ${slot}, shard ${s.shard}:`);
    console.table(s.tables);
  }
} else {
  const view = await request<{
    shards: {
      shard: number;
      slots: number;
      fenced: { slot: number; state: string; toShard: number; since: string }[];
    }[];
    moves: { slot: number; fromShard: number; toShard: number; lastProgressAt: string; stalled: boolean }[];
  }>("GET", "/admin/v1/order-slots", accessToken);
  console.table(
    view.shards.map((s) => ({
      shard: s.shard,
      slots: s.slots,
      fenced: s.fenced.map((f) => `${f.slot} ${f.state}`).join(", "),
    })),
  );
  if (view.moves.length > 0) console.table(view.moves);
  else console.log("no move under way");
}
