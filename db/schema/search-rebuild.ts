/**
 * Search index rebuilds run as jobs: an operator starts one, the events Worker indexes the catalog
 * a chunk of products per queue message (in product id order), and the job row carries the
 * progress. `cursor` is the last product id indexed: a lease on the chunk after it and the
 * compare-and-set on it make each chunk count once, however often its message is delivered.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const searchRebuildJobs = sqliteTable(
  "search_rebuild_jobs",
  {
    id: text("id").primaryKey(),
    status: text("status", { enum: ["queued", "running", "completed"] }).notNull(),
    /** Only products without a search document (loaded by SQL) are indexed. */
    missingOnly: integer("missing_only", { mode: "boolean" }).notNull(),
    /** Products per queue message. */
    chunkSize: integer("chunk_size").notNull(),
    /** Products to index, counted when the job started (products created since are indexed by events anyway). */
    total: integer("total").notNull(),
    /** Products indexed so far. */
    done: integer("done").notNull().default(0),
    /** The last product id indexed; null before the first chunk. */
    cursor: text("cursor"),
    /**
     * The delivery working on the chunk after `cursor`, until `leaseUntil`: a duplicate delivery
     * waits (is retried) rather than index the same chunk and count a different set of products.
     */
    leaseId: text("lease_id"),
    leaseUntil: integer("lease_until"),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    completedAt: integer("completed_at"),
  },
  (t) => [index("search_rebuild_jobs_created").on(t.createdAt)],
);
