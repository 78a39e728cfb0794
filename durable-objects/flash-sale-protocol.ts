/**
 * What the flash-sale objects say to each other and to shared/flash-sales/quota.ts: the zod schemas
 * of every RPC input (objects parse what they receive) and the shapes they answer, in one module so
 * the coordinator (flash-sale-coordinator.ts) and the buckets (flash-sale-bucket.ts) agree on them.
 *
 * Quota moves between the two as numbered *moves*: a grant (coordinator → bucket) or a recall
 * (bucket → coordinator). The coordinator records a move before it is sent; the bucket applies it
 * once by its id; a move not known to have applied is "in flight" and counted as such.
 */
import { z } from "zod";

export const quotaPlanSchema = z.object({
  campaignId: z.string().min(1),
  quota: z.number().int().positive(),
  buckets: z.number().int().min(1).max(64),
  perUserLimit: z.number().int().positive(),
  startsAt: z.number().int(),
  endsAt: z.number().int(),
  /** How long an admission may wait for its order before the unit goes back (default 5 minutes). */
  admissionTtlMs: z.number().int().positive().optional(),
});
export type QuotaPlanInput = z.infer<typeof quotaPlanSchema>;

export const DEFAULT_ADMISSION_TTL_MS = 5 * 60_000;

/** Every call to a bucket names it, so a fresh object learns which campaign and index it is. */
const bucketRef = { campaignId: z.string().min(1), bucket: z.number().int().min(0) };

export const admitInput = z.object({
  ...bucketRef,
  userId: z.string().min(1),
  quantity: z.number().int().positive(),
  now: z.number().int(),
});
export type AdmitInput = z.infer<typeof admitInput>;

export const redeemInput = z.object({
  ...bucketRef,
  admissionId: z.string().min(1),
  userId: z.string().min(1),
  orderId: z.string().min(1),
  now: z.number().int(),
});
export type RedeemInput = z.infer<typeof redeemInput>;

export const releaseInput = z.object({
  ...bucketRef,
  admissionId: z.string().min(1),
  userId: z.string().min(1),
  /** Only a redeemed admission (the sweeper's undo: one never redeemed keeps its token usable). */
  soldOnly: z.boolean().optional(),
});
export type ReleaseInput = z.infer<typeof releaseInput>;

export const applyGrantInput = z.object({
  ...bucketRef,
  grantId: z.string().min(1),
  quantity: z.number().int().positive(),
  plan: quotaPlanSchema,
});
export type ApplyGrantInput = z.infer<typeof applyGrantInput>;

export const recallInput = z.object({
  ...bucketRef,
  recallId: z.string().min(1),
  /** At most this many units (the bucket gives what it holds, up to this). */
  max: z.number().int().positive(),
});
export type RecallInput = z.infer<typeof recallInput>;

export const snapshotInput = z.object({
  ...bucketRef,
  /** Grants the coordinator still counts in flight: the bucket says which of them it applied. */
  grantIds: z.array(z.string()),
  /** Recalls the coordinator has not credited: the bucket says what each took. */
  recallIds: z.array(z.string()),
});
export type SnapshotInput = z.infer<typeof snapshotInput>;

export const closeBucketInput = z.object({
  ...bucketRef,
  /** Grants still in flight: those the bucket never applied are voided, so they can never land. */
  grantIds: z.array(z.string()),
});
export type CloseBucketInput = z.infer<typeof closeBucketInput>;

/** A bucket's units as it last reported them; `revision` orders reports that race. */
export interface BucketReport {
  bucket: number;
  revision: number;
  stock: number;
  admitted: number;
  sold: number;
  /** Shoppers waiting in its queue (seen recently). */
  waiting: number;
}

export const bucketReportSchema = z.object({
  bucket: z.number().int().min(0),
  revision: z.number().int().min(0),
  stock: z.number().int().min(0),
  admitted: z.number().int().min(0),
  sold: z.number().int().min(0),
  waiting: z.number().int().min(0),
});

export const requestGrantInput = z.object({
  campaignId: z.string().min(1),
  /** Units the bucket needs now (its shopper's quantity plus its queue's). */
  want: z.number().int().positive(),
  report: bucketReportSchema,
  /** Asked ahead of need (stock running low, nobody short): refused once the end recall began. */
  prefetch: z.boolean().optional(),
});
export type RequestGrantInput = z.infer<typeof requestGrantInput>;

export const grantOutcomeInput = z.object({
  campaignId: z.string().min(1),
  grantId: z.string().min(1),
  /** False when the bucket had closed and voided it. */
  applied: z.boolean(),
  report: bucketReportSchema,
});
export type GrantOutcomeInput = z.infer<typeof grantOutcomeInput>;

/**
 * The coordinator's answer to a bucket asking for units: a grant to apply (or none), and whether
 * more may come. `sold_out` is final (every unit sold, or the campaign closed).
 */
export interface GrantAnswer {
  plan: QuotaPlanInput | null;
  grant: { grantId: string; quantity: number } | null;
  outlook: "open" | "sold_out";
}

/** A grant as the bucket took it: applied to its stock, or voided (the bucket had closed). */
export type GrantApplied = "applied" | "void";

export interface BucketSnapshot extends BucketReport {
  closed: boolean;
  appliedGrantIds: string[];
  voidGrantIds: string[];
  /** Recall id → units it took (only recalls the bucket has seen). */
  recalled: Record<string, number>;
}

/** Calls an object served per wall-clock second: for the bench's "busiest second". */
export interface CallStats {
  name: string;
  calls: number;
  busiestSecond: { at: string; calls: number } | null;
}
