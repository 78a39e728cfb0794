/** @jsxImportSource hono/jsx */
/**
 * Operators' order slots (issue #20): where the 1,000 slots of the shoppers' orders live, the moves
 * under way, and the two acts of a reshard: move a slot to another shard, then purge its old copy.
 * Everything goes through /admin/v1/order-slots, which holds the rules (fence, verify, purge delay).
 */
import type { ProblemDocument } from "../../../../shared/platform/problem";
import type { PageContext, PageRegistrar } from "../console";
import { formOf } from "../forms";
import { Badge, CsrfField, Notice, ProblemBox, Table, Time } from "../ui";

type Fence = { slot: number; state: "moving" | "moved"; toShard: number; since: string };
type Overview = {
  slots: number;
  shards: { shard: number; slots: number; fenced: Fence[] }[];
  moves: { slot: number; fromShard: number; toShard: number; lastProgressAt: string; stalled: boolean }[];
};
type Moved = {
  slot: number;
  fromShard: number;
  toShard: number;
  resumed: boolean;
  tables: { table: string; rows: number; copied: number }[];
  purgeAfter: string;
};
type Purged = { slot: number; shards: { shard: number; tables: { table: string; deleted: number }[] }[] };

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** What a move did, as the redirect's query: numbers only, so a crafted link cannot put words on the page. */
function movedQuery(m: Moved): URLSearchParams {
  const rows = sum(m.tables.map((t) => t.rows));
  return new URLSearchParams({
    notice: "moved",
    slot: `${m.slot}`,
    from: `${m.fromShard}`,
    to: `${m.toShard}`,
    rows: `${rows}`,
  });
}

function purgedQuery(p: Purged): URLSearchParams {
  const deleted = sum(p.shards.flatMap((s) => s.tables.map((t) => t.deleted)));
  return new URLSearchParams({ notice: "purged", slot: `${p.slot}`, rows: `${deleted}` });
}

/** The notice of the act that redirected here (so a reload repeats nothing). */
function noticeOf(query: (name: string) => string | undefined): string | undefined {
  const n = (name: string) => {
    const v = query(name);
    return v && /^\d{1,9}$/.test(v) ? v : "?";
  };
  switch (query("notice")) {
    case "moved":
      return `Slot ${n("slot")} moved from shard ${n("from")} to shard ${n("to")}: ${n("rows")} rows, every table's count verified on both sides. Its old copy can be purged about 35 s after the switch.`;
    case "purged":
      return `Slot ${n("slot")}: ${n("rows")} rows of its old copy deleted.`;
    default:
      return undefined;
  }
}

async function slotsPage(page: PageContext, problem?: ProblemDocument, status = 200) {
  const { api, c, csrf, render } = page;
  const view = await api.get<Overview>("/admin/v1/order-slots");
  if (!view.ok) return render("Order slots", <ProblemBox problem={view.problem} />, view.status);
  const { shards, moves } = view.body;
  return render(
    "Order slots",
    <>
      <Notice text={noticeOf((name) => c.req.query(name))} />
      <ProblemBox problem={problem} />
      <p>
        A shopper's orders, payments, refunds and shipments live in the order shard of their slot (
        <code>user_id % 1000</code>, digits 14–16 of every order number). Moving a slot fences it (its shoppers' orders
        answer 409 and are retried), copies its rows, checks every table's count on both sides, then switches the slot
        table.
      </p>
      <Table caption={`${view.body.slots} slots over ${shards.length} shards`}>
        <thead>
          <tr>
            <th scope="col">Shard</th>
            <th scope="col" class="num">
              Slots
            </th>
            <th scope="col">Fenced here</th>
          </tr>
        </thead>
        <tbody>
          {shards.map((s) => (
            <tr>
              <td>
                <code>ORDERS_{s.shard}</code>
              </td>
              <td class="num" data-testid={`shard-slots-${s.shard}`}>
                {s.slots}
              </td>
              <td>
                {s.fenced.length === 0 && <span class="muted">—</span>}
                {s.fenced.map((f) => (
                  <div>
                    slot {f.slot} <Badge>{f.state}</Badge> → shard {f.toShard} <Time value={f.since} />
                    {f.state === "moved" && (
                      <form method="post" action={`/console/order-slots/${f.slot}/purge`} class="inline">
                        <CsrfField token={csrf} />
                        <button type="submit">Purge the old copy of slot {f.slot}</button>
                      </form>
                    )}
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      {moves.length > 0 && (
        <Table caption="Moves under way">
          <thead>
            <tr>
              <th scope="col">Slot</th>
              <th scope="col">From → to</th>
              <th scope="col">Last progress</th>
              <th scope="col">Resume</th>
            </tr>
          </thead>
          <tbody>
            {moves.map((m) => (
              <tr>
                <td>{m.slot}</td>
                <td>
                  {m.fromShard} → {m.toShard}
                </td>
                <td>
                  <Time value={m.lastProgressAt} /> {m.stalled && <Badge>stalled</Badge>}
                </td>
                <td>
                  {m.stalled ? (
                    <form method="post" action="/console/order-slots/move" class="inline">
                      <CsrfField token={csrf} />
                      <input type="hidden" name="slot" value={String(m.slot)} />
                      <input type="hidden" name="toShard" value={String(m.toShard)} />
                      <button type="submit">Resume the move of slot {m.slot}</button>
                    </form>
                  ) : (
                    <span class="muted">running</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <h2>Move a slot</h2>
      <form method="post" action="/console/order-slots/move" class="row" aria-label="Move a slot">
        <CsrfField token={csrf} />
        <label>
          Slot
          <input name="slot" type="number" min={0} max={view.body.slots - 1} required />
        </label>
        <label>
          To shard
          <select name="toShard">
            {shards.map((s) => (
              <option value={String(s.shard)}>ORDERS_{s.shard}</option>
            ))}
          </select>
        </label>
        <button type="submit">Move</button>
      </form>
    </>,
    status,
  );
}

/** The slot as typed; an out-of-range or non-numeric one goes to the API as is, so its refusal names the field. */
function slotOf(text: string | undefined): string {
  return encodeURIComponent((text ?? "").trim());
}

async function move(page: PageContext) {
  const form = await formOf(page.c);
  const res = await page.api.send<Moved>("POST", `/admin/v1/order-slots/${slotOf(form.slot)}/move`, {
    body: { toShard: Number(form.toShard) },
  });
  if (!res.ok) return slotsPage(page, res.problem, res.status);
  return page.c.redirect(`/console/order-slots?${movedQuery(res.body)}`, 303);
}

async function purge(page: PageContext) {
  const slot = page.c.req.param("slot");
  const res = await page.api.send<Purged>("POST", `/admin/v1/order-slots/${slotOf(slot)}/purge`);
  if (!res.ok) return slotsPage(page, res.problem, res.status);
  return page.c.redirect(`/console/order-slots?${purgedQuery(res.body)}`, 303);
}

export function orderSlotPages(register: PageRegistrar): void {
  register.get("/console/order-slots", (page) => slotsPage(page));
  register.post("/console/order-slots/move", move);
  register.post("/console/order-slots/:slot/purge", purge);
}
