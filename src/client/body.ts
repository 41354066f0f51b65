/**
 * Bounded reads of response bodies. `fetch` decompresses `gzip`/`br`/`deflate`
 * bodies on its own, so a small compressed response can expand to any size:
 * every non-watch body kubeloop reads goes through {@link readBodyBytes}, which
 * counts the decoded bytes and stops at a limit instead of buffering them all.
 *
 * @module
 */
import { WHOLE_BODY, type WholeBody } from "../runtime/types.ts";
import { BoundedBytes } from "../util/bytes.ts";

/**
 * The default limit on a decoded (decompressed) non-watch response body: 256 MiB.
 *
 * Far above any page of a paged list (client-go and kubeloop page at 500
 * items; etcd keeps objects under 1.5 MiB) and below V8's longest string
 * (about 512 MiB), past which `JSON.parse` could not take the body anyway.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_RESPONSE_BYTES, KubeClient } from "kubeloop";
 * const client = new KubeClient({ server: "https://127.0.0.1:6443", maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES / 4 });
 * ```
 */
export const DEFAULT_MAX_RESPONSE_BYTES: number = 256 * 1024 * 1024;

/** What {@link readBodyBytes} read. */
interface BodyBytes {
  /** The bytes read (at most the limit). */
  bytes: Uint8Array;
  /** The body went on past the limit (the rest was not read; the stream is cancelled). */
  truncated: boolean;
}

/**
 * Read at most `maxBytes` of a response body. With `truncated` the body was
 * longer; the reader is then cancelled so the connection is released.
 * `maxBytes` of `Infinity` (or 0) reads everything. `onHead` sees the first
 * chunk as soon as it arrives (what it throws is ignored).
 */
export async function readBodyBytes(
  res: Response,
  maxBytes: number,
  onHead?: (head: Uint8Array) => void,
): Promise<BodyBytes> {
  const limit = maxBytes > 0 ? maxBytes : Number.POSITIVE_INFINITY;
  const whole = (res as Response & { [WHOLE_BODY]?: WholeBody })[WHOLE_BODY];
  if (whole !== undefined) return whole(limit, onHead);
  const body = res.body;
  if (!body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = body.getReader();
  const collected = new BoundedBytes(limit, onHead);
  let truncated = false;
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      if (value && !collected.push(value)) {
        truncated = true;
        break;
      }
    }
  } finally {
    // a body read to its end needs no release (releasing makes the runtime build an error object for the
    // reader's closed promise: a stack trace, with source maps on, costs ~20 ms the first time)
    if (truncated) reader.cancel().catch(() => {});
    else if (!ended) reader.releaseLock();
  }
  return collected.result();
}

const decoder = new TextDecoder();

/** {@link readBodyBytes} as text (UTF-8, invalid bytes replaced, as `Response.text()` does). */
export async function readBodyText(
  res: Response,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  const { bytes, truncated } = await readBodyBytes(res, maxBytes);
  return { text: decoder.decode(bytes), truncated };
}
