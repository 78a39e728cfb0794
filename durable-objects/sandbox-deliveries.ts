/**
 * The sandbox's webhook outbox and delivery log (tables and statements; the SandboxProvider object
 * sends). An event is stored once with its exact body; each delivery of it (the original and any
 * chaos duplicates) is a row that is claimed, attempted and recorded until a 2xx or MAX_ATTEMPTS.
 *
 * - A claimed row is leased (`claimed_until`) while its request is in flight, so an alarm and a
 *   flush running at once never send the same row twice; a crash mid-send frees it when the lease ends.
 * - `sent_seq` numbers attempts in the order they went out, which is what the delivery log shows
 *   to prove chaos `shuffle` reordered them.
 */
import { MAX_ATTEMPTS, retryDelayMs } from "../shared/sandbox/delivery-schedule";
import type { ChaosSettings, DeliveriesQuery, DeliveryView } from "../shared/sandbox/schemas";

/** Which secret signs an event. */
export type Signer = "payments" | "carrier";

export interface OutgoingEvent {
  id: string;
  type: string;
  /** What it is about: the intent's or refund's id, or the tracking number. */
  objectId: string;
  /** Where on the platform it goes, e.g. `/webhooks/payments/sandbox`. */
  path: string;
  signer: Signer;
  /** The exact bytes to sign and send. */
  body: string;
}

/** A claimed delivery, ready to send. */
export interface DueDelivery extends OutgoingEvent {
  seq: number;
  shuffle: boolean;
}

export type AttemptOutcome = { statusCode: number | null; error: string | null };

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    path TEXT NOT NULL,
    signer TEXT NOT NULL CHECK (signer IN ('payments', 'carrier')),
    body TEXT NOT NULL,
    created_ms INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL REFERENCES events (id),
    copy INTEGER NOT NULL,
    shuffle INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    last_signature TEXT,
    sent_seq INTEGER,
    next_at INTEGER NOT NULL,
    claimed_until INTEGER,
    created_ms INTEGER NOT NULL,
    finished_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_at);
  CREATE INDEX IF NOT EXISTS deliveries_event ON deliveries (event_id);
  CREATE INDEX IF NOT EXISTS events_object ON events (object_id);
`;

interface DeliveryRow {
  seq: number;
  event_id: string;
  type: string;
  object_id: string;
  path: string;
  copy: number;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  last_signature: string | null;
  sent_seq: number | null;
  next_at: number;
  created_ms: number;
  finished_at: number | null;
  [key: string]: SqlStorageValue;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function viewOf(row: DeliveryRow): DeliveryView {
  const status = row.status as DeliveryView["status"];
  return {
    deliveryId: row.seq,
    eventId: row.event_id,
    eventType: row.type,
    objectId: row.object_id,
    path: row.path,
    copy: row.copy,
    status,
    attempts: row.attempts,
    lastStatusCode: row.last_status,
    lastError: row.last_error,
    lastSignature: row.last_signature,
    sentSeq: row.sent_seq,
    nextAttemptAt: status === "pending" ? iso(row.next_at) : null,
    finishedAt: iso(row.finished_at),
    createdAt: new Date(row.created_ms).toISOString(),
  };
}

export class SandboxDeliveries {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  /** Stores `event` and its deliveries as chaos says: 1 + duplicates rows, none due before delayMs. */
  enqueue(event: OutgoingEvent, chaos: ChaosSettings, nowMs: number): void {
    this.sql.exec(
      "INSERT INTO events (id, type, object_id, path, signer, body, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
      event.id,
      event.type,
      event.objectId,
      event.path,
      event.signer,
      event.body,
      nowMs,
    );
    for (let copy = 0; copy <= chaos.duplicates; copy++) {
      this.sql.exec(
        "INSERT INTO deliveries (event_id, copy, shuffle, status, next_at, created_ms) VALUES (?, ?, ?, 'pending', ?, ?)",
        event.id,
        copy,
        chaos.shuffle ? 1 : 0,
        nowMs + chaos.delayMs,
        nowMs,
      );
    }
  }

  /**
   * Leases the pending deliveries that are due (every pending one when `all`), oldest first, for
   * `leaseMs(count)`: long enough to send all of them one after another.
   */
  claim(nowMs: number, all: boolean, leaseMs: (count: number) => number): DueDelivery[] {
    const rows = this.sql
      .exec<{
        seq: number;
        shuffle: number;
        id: string;
        type: string;
        object_id: string;
        path: string;
        signer: string;
        body: string;
      }>(
        `SELECT d.seq, d.shuffle, e.id, e.type, e.object_id, e.path, e.signer, e.body
         FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.status = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until <= ?) AND (? OR d.next_at <= ?)
         ORDER BY d.seq LIMIT 200`,
        nowMs,
        all ? 1 : 0,
        nowMs,
      )
      .toArray();
    const until = nowMs + leaseMs(rows.length);
    for (const row of rows) this.sql.exec("UPDATE deliveries SET claimed_until = ? WHERE seq = ?", until, row.seq);
    return rows.map((r) => ({
      seq: r.seq,
      shuffle: r.shuffle === 1,
      id: r.id,
      type: r.type,
      objectId: r.object_id,
      path: r.path,
      signer: r.signer === "carrier" ? "carrier" : "payments",
      body: r.body,
    }));
  }

  /** Notes the signature of the attempt about to go out and its place in the sending order. */
  markSending(seq: number, signature: string): void {
    this.sql.exec(
      `UPDATE deliveries SET last_signature = ?,
         sent_seq = (SELECT COALESCE(MAX(sent_seq), 0) + 1 FROM deliveries) WHERE seq = ?`,
      signature,
      seq,
    );
  }

  /** Records one attempt: delivered on a 2xx, else retried with backoff or given up after MAX_ATTEMPTS. */
  record(seq: number, outcome: AttemptOutcome, nowMs: number): "delivered" | "retry" | "gave_up" {
    const attempts =
      (this.sql.exec<{ attempts: number }>("SELECT attempts FROM deliveries WHERE seq = ?", seq).toArray()[0]
        ?.attempts ?? 0) + 1;
    const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const state = ok ? "delivered" : attempts >= MAX_ATTEMPTS ? "gave_up" : "retry";
    this.sql.exec(
      `UPDATE deliveries SET attempts = ?, last_status = ?, last_error = ?, claimed_until = NULL,
         status = ?, next_at = ?, finished_at = ? WHERE seq = ?`,
      attempts,
      outcome.statusCode,
      outcome.error,
      state === "delivered" ? "delivered" : state === "gave_up" ? "failed" : "pending",
      state === "retry" ? nowMs + retryDelayMs(attempts) : nowMs,
      state === "retry" ? null : nowMs,
      seq,
    );
    return state;
  }

  /** When the alarm must next run for deliveries, or null when none is pending. */
  nextWakeAt(): number | null {
    return (
      this.sql
        .exec<{ at: number | null }>(
          "SELECT MIN(MAX(next_at, COALESCE(claimed_until, 0))) AS at FROM deliveries WHERE status = 'pending'",
        )
        .toArray()[0]?.at ?? null
    );
  }

  /** The delivery log, newest first. */
  list(query: DeliveriesQuery): DeliveryView[] {
    const parts: string[] = [];
    const args: SqlStorageValue[] = [];
    if (query.eventType !== undefined) {
      parts.push("e.type = ?");
      args.push(query.eventType);
    }
    if (query.objectId !== undefined) {
      parts.push("e.object_id = ?");
      args.push(query.objectId);
    }
    if (query.eventId !== undefined) {
      parts.push("e.id = ?");
      args.push(query.eventId);
    }
    if (query.status !== undefined) {
      parts.push("d.status = ?");
      args.push(query.status);
    }
    const where = parts.length ? `WHERE ${parts.join(" AND ")}` : "";
    return this.sql
      .exec<DeliveryRow>(
        `SELECT d.*, e.type, e.object_id, e.path FROM deliveries d JOIN events e ON e.id = d.event_id ${where}
         ORDER BY d.seq DESC LIMIT ?`,
        ...args,
        query.limit,
      )
      .toArray()
      .map(viewOf);
  }

  /** A stored event with its exact body. */
  event(id: string): Omit<OutgoingEvent, "signer" | "objectId"> | null {
    return (
      this.sql
        .exec<{ id: string; type: string; path: string; body: string }>(
          "SELECT id, type, path, body FROM events WHERE id = ?",
          id,
        )
        .toArray()[0] ?? null
    );
  }
}
