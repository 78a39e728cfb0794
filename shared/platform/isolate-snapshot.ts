/**
 * A small table an isolate keeps in memory for a few seconds (the switch states, the order slot
 * table) and reads again from D1 once it is older than that, with no request ever waiting on
 * another request's read.
 *
 * Why not share one refresh: under load in workerd, a request resuming from a promise another
 * request made can go on *as that other request*, and then its own answer is refused on the way
 * out ("Cannot perform I/O on behalf of a different request"; measured in the bench at 64
 * connections, docs/decisions.md, "No request waits on another's promise"). So while one request
 * refreshes, the others of the isolate go on with the last value read (at most one read older);
 * only with no value at all does each read for itself. The isolate remembers that a refresh is
 * under way by a time, not by a promise, so a refresh whose request was torn down half-way
 * stands in the others' way for REFRESH_GRACE_MS at most.
 */

/** How long a refresh under way lets the other requests go on with the last value. */
export const REFRESH_GRACE_MS = 2_000;

export class IsolateSnapshot<T> {
  private held: { readAt: number; value: T } | null = null;
  private refreshingSince = Number.NEGATIVE_INFINITY;
  /** Bumped by `invalidate`, so a read sent before it cannot put back what it dropped. */
  private epoch = 0;

  /**
   * The value as of at most `ttlMs` before `now` (epoch ms), read with `read` when older. While
   * another request is reading it, the last value. A failed read keeps serving the last value
   * (`onFailure` is told) and throws when there is none.
   */
  async current(read: () => Promise<T>, now: number, ttlMs: number, onFailure?: (err: unknown) => void): Promise<T> {
    const held = this.held;
    if (held && now - held.readAt < ttlMs) return held.value;
    if (held && now - this.refreshingSince < REFRESH_GRACE_MS) return held.value;
    this.refreshingSince = now;
    const mark = now;
    const epoch = this.epoch;
    try {
      const value = await read();
      // Two requests may refresh at once (none held yet): the later read wins.
      if (epoch === this.epoch && (!this.held || this.held.readAt <= now)) this.held = { readAt: now, value };
      return value;
    } catch (err) {
      // The value still held (none after an invalidate: that one must not come back).
      const last = this.held;
      if (!last) throw err;
      onFailure?.(err);
      return last.value;
    } finally {
      // Unless a later refresh has begun meanwhile (this one outlived the grace).
      if (this.refreshingSince === mark) this.refreshingSince = Number.NEGATIVE_INFINITY;
    }
  }

  /** Forgets the value: the next request reads it afresh. */
  invalidate(): void {
    this.held = null;
    this.epoch += 1;
    this.refreshingSince = Number.NEGATIVE_INFINITY;
  }
}
