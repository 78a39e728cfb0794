/**
 * A problem of one bulk-job row: it fails that row alone, with a code and a detail the job view
 * lists, and the job goes on. Anything else thrown while a row runs (D1, a Worker) retries the chunk.
 */
export class RowError extends Error {
  constructor(
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}
