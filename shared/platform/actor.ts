/**
 * Who did something, in one shape for every domain's records: a caller (a user, or an API key
 * acting for the user who created it), the platform itself, or one of its processes (an order or
 * the checkout saga placing it, a payment, a refund; the sweeper that undoes abandoned
 * checkouts). The catalog's logs keep `id` and `type` in two columns; one-column records (order
 * status logs, the holds orders take) keep `actorText`; a seller's stock adjustment has always
 * recorded the bare `id` in the SKU's movement log. These strings are stored data: they never
 * change.
 */
import type { Caller } from "./auth";

/** Who did it: a user, an API key, the platform, an order (or its saga), a payment, a refund, or the sweeper. */
export type Actor =
  | { type: "user"; id: string }
  | { type: "api_key"; id: string }
  | { type: "order"; id: string }
  | { type: "payment"; id: string }
  | { type: "refund"; id: string }
  | { type: "system"; id: "system" }
  | { type: "sweeper"; id: "sweeper" };

/** The platform acting on its own (timeouts, the SOLD_OUT automation, expiries). */
export const SYSTEM_ACTOR: Actor = { type: "system", id: "system" };

/** The saga sweeper, releasing what abandoned checkouts held. */
export const SWEEPER_ACTOR: Actor = { type: "sweeper", id: "sweeper" };

/** The caller as an actor: its API key when it used one (the key, not its creator, did it). */
export function actorOf(caller: Caller): Actor {
  return caller.apiKeyId ? { type: "api_key", id: caller.apiKeyId } : { type: "user", id: caller.userId };
}

/** An order, or the checkout saga placing it, by its id: the holds it takes and gives back are its own. */
export function orderActor(id: string): Actor {
  return { type: "order", id };
}

/** The actor for a one-column record: `<type>:<id>` (`user:usr_…`, `order:…`); `system` and `sweeper` bare. */
export function actorText(actor: Actor): string {
  return actor.type === "system" || actor.type === "sweeper" ? actor.id : `${actor.type}:${actor.id}`;
}
