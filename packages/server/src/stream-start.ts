/**
 * The start of a response's body stream, read before the response is sent: the sync route sends a small result whole
 * with its Content-Length (routes/sync.ts), and compression leaves a small body uncompressed (compression.ts). Both
 * wait a bounded time (`http.smallBodyWaitSeconds`), so that a slow query's first bytes are not held back for long.
 */
import { Readable } from "node:stream";
import { DEFAULT_HTTP } from "./config.js";

/** What was read: the bytes, whether the stream ended, and its failure if it failed (or closed before its end). */
export interface StreamStart {
  readonly bytes: Buffer;
  readonly ended: boolean;
  readonly error?: Error;
}

export const DEFAULT_WAIT_MS = DEFAULT_HTTP.smallBodyWaitSeconds * 1000;

/**
 * Streams whose wait ran out once: a slow result that the sync route streamed on is not waited for again by
 * compression (25 ms more to its first byte), only read for what it already holds.
 */
const waitedOut = new WeakSet<Readable>();

/**
 * The stream's bytes until it ends, passes `limit` bytes, or `waitMs` has passed (no wait for a stream whose wait ran
 * out before: what it holds already is read). Unless it ended or failed, the
 * stream is left paused with those bytes put back, for the caller to pipe it on as it is. A failure, or a close before
 * the end, is reported rather than thrown, with the bytes read until then.
 */
export function readStart(body: Readable, limit: number, waitMs = DEFAULT_WAIT_MS): Promise<StreamStart> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (ended: boolean, error?: Error, timedOut = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      body.off("close", onClose);
      body.pause();
      if (timedOut) waitedOut.add(body);
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      // At once, not once the promise resolves: a stream whose last chunk this was would emit its end first (on the
      // next tick, which runs before promise callbacks), and the bytes put back then would be lost.
      if (!ended && error === undefined && bytes.length > 0) body.unshift(bytes);
      resolve(error !== undefined ? { bytes, ended, error } : { bytes, ended });
    };
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      chunks.push(b);
      size += b.length;
      if (size >= limit) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = (e: Error) => finish(false, e);
    const onClose = () => finish(false, new Error("the result stream closed before its end"));
    const timer = setTimeout(() => finish(false, undefined, true), waitedOut.has(body) ? 0 : waitMs);
    body.on("data", onData);
    body.once("end", onEnd);
    body.once("error", onError);
    body.once("close", onClose);
    // A 'data' listener does not restart a stream that was paused explicitly (the sync route reads a result's start
    // and leaves it paused, then compression reads it again): without this the start would wait the whole waitMs
    // (25 ms more to the first byte of every gzip download, measured).
    body.resume();
  });
}

/**
 * A stream that failed while its start was read: those bytes, then the failure, so that the response is a 200 cut
 * short as when streamed (DALI 1.1 §5.4.1: CSV has no error channel).
 */
export function failingAfter(bytes: Buffer, error: Error): Readable {
  let pushed = bytes.length === 0;
  return new Readable({
    read() {
      // The bytes first, and the failure once they have been written (the response's corked writes are sent on the
      // next tick): destroying at once would drop them unsent.
      if (pushed) setImmediate(() => this.destroy(error));
      else {
        pushed = true;
        this.push(bytes);
      }
    },
  });
}
