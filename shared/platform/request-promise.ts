/**
 * Sharing one promise between the concurrent requests of an isolate (one refresh of a cached
 * table, one read of a hot key). Workers tag a promise with the request that made it; a request
 * that goes on from another request's promise risks going on (and doing its I/O: a response body
 * is a stream) as that other request, which the runtime refuses ("Cannot perform I/O on behalf of
 * a different request"). workerd defers such reactions to the right request at our compatibility
 * date (handle_cross_request_promise_resolution), but only where the promise it resolves belongs
 * to the awaiting request. So a request awaits a promise of its own, settled by the shared one:
 * one rule, kept the same way everywhere a promise is shared.
 */

/** A promise made by the calling request that settles as `shared` (another request's) does. */
export function settledHere<T>(shared: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => shared.then(resolve, reject));
}
