/**
 * Decoding of watch streams: newline-delimited JSON `{type, object}` events.
 *
 * The decoder works on bytes: it splits lines at `\n` before decoding UTF-8,
 * so multi-byte characters split across chunks are handled, and it refuses a
 * line longer than `maxLineBytes` instead of buffering without limit. A stream
 * that ends in the middle of a line is a {@link WatchDecodeError} of kind
 * `truncated`, distinguishable from a clean end.
 *
 * @module
 */

import { concatBytes, textHead } from "../util/bytes.ts";
import { parseBytesWithoutManagedFields } from "../util/json-strip.ts";
import { WatchDecodeError } from "./errors.ts";

/**
 * Default bound on one watch line: 16 MiB.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_LINE_BYTES, WatchLineDecoder } from "kubeloop";
 * const dec = new WatchLineDecoder({ maxLineBytes: 4 * DEFAULT_MAX_LINE_BYTES });
 * ```
 */
export const DEFAULT_MAX_LINE_BYTES: number = 16 * 1024 * 1024;

/**
 * A watch event as decoded from the stream, before schema validation.
 *
 * @example
 * ```ts
 * import { decodeWatchChunks, type RawWatchEvent } from "kubeloop";
 * const events: RawWatchEvent[] = decodeWatchChunks([
 *   new TextEncoder().encode('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n'),
 * ]);
 * events[0]?.type; // "ADDED"
 * ```
 */
export interface RawWatchEvent {
  /** Event type as sent by the server (any string), normally `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`. */
  type: string;
  /** The event's object (a `Status` for `ERROR`), not yet validated. */
  object: unknown;
}

/**
 * Options of the watch decoders.
 *
 * @example
 * ```ts
 * import { decodeWatchChunks, type WatchDecoderOptions } from "kubeloop";
 * const opts: WatchDecoderOptions = { maxLineBytes: 1024 * 1024 };
 * decodeWatchChunks([new TextEncoder().encode('{"type":"DELETED","object":{}}\n')], opts);
 * ```
 */
export interface WatchDecoderOptions {
  /** Largest accepted line in bytes (default {@link DEFAULT_MAX_LINE_BYTES}). */
  maxLineBytes?: number | undefined;
  /**
   * Leave out each event object's `metadata.managedFields`: skipped in the
   * line's text, never parsed (exactly that member; anything else named
   * `managedFields` stays). Default false.
   */
  dropManagedFields?: boolean | undefined;
}

const NEWLINE = 0x0a;

/**
 * Incremental line splitter and event parser. Feed chunks with
 * {@link WatchLineDecoder.push}, then call {@link WatchLineDecoder.end}.
 *
 * @example
 * ```ts
 * import { WatchLineDecoder } from "kubeloop";
 * const dec = new WatchLineDecoder();
 * const enc = new TextEncoder();
 * dec.push(enc.encode('{"type":"ADDED","obj')); // []
 * dec.push(enc.encode('ect":{}}\n'));          // [{ type: "ADDED", object: {} }]
 * dec.end();
 * ```
 */
export class WatchLineDecoder {
  /** Largest accepted line in bytes. */
  readonly maxLineBytes: number;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #line = 0;
  #decoder = new TextDecoder("utf-8", { fatal: true });
  readonly #strip: boolean;

  /** Create a decoder; `options.maxLineBytes` defaults to {@link DEFAULT_MAX_LINE_BYTES}. */
  constructor(options: WatchDecoderOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#strip = options.dropManagedFields ?? false;
  }

  /** Lines completed so far. */
  get linesRead(): number {
    return this.#line;
  }

  /** Add a chunk; returns the events completed by it. */
  push(chunk: Uint8Array): RawWatchEvent[] {
    const out: RawWatchEvent[] = [];
    this.pushInto(chunk, out);
    return out;
  }

  /**
   * Add a chunk, appending the events it completes to `out`. If a line is
   * bad, the events before it are in `out` when the error is thrown.
   */
  pushInto(chunk: Uint8Array, out: RawWatchEvent[]): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      if (this.#pendingBytes + piece.byteLength > this.maxLineBytes)
        this.#tooLong(this.#pendingBytes + piece.byteLength);
      let bytes: Uint8Array;
      if (this.#pending.length === 0) {
        bytes = piece;
      } else {
        this.#pending.push(piece);
        bytes = concatBytes(this.#pending, this.#pendingBytes + piece.byteLength);
        this.#pending = [];
        this.#pendingBytes = 0;
      }
      this.#line++;
      const ev = this.#parse(bytes);
      if (ev) out.push(ev);
      start = nl + 1;
    }
    if (start < chunk.byteLength) {
      const rest = chunk.subarray(start);
      if (this.#pendingBytes + rest.byteLength > this.maxLineBytes)
        this.#tooLong(this.#pendingBytes + rest.byteLength);
      // copy: the caller may reuse its buffer
      this.#pending.push(rest.slice());
      this.#pendingBytes += rest.byteLength;
    }
  }

  /**
   * The stream ended. Bytes after the last newline (other than whitespace)
   * mean the stream was cut mid-line: throws {@link WatchDecodeError} of kind
   * `truncated`, even if those bytes happen to be complete JSON.
   */
  end(): void {
    if (this.#pendingBytes === 0) return;
    const bytes = concatBytes(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    let text: string;
    try {
      text = this.#decoder.decode(bytes);
    } catch {
      text = "?"; // cut inside a multi-byte character: still a truncation
    }
    if (text.trim() === "") return;
    throw new WatchDecodeError(
      "truncated",
      this.#line + 1,
      `stream ended in the middle of a line (${text.length} characters without a final newline)`,
    );
  }

  readonly #decodeLine = (bytes: Uint8Array): string => this.#decode(bytes, this.#line);

  #decode(bytes: Uint8Array, line: number): string {
    try {
      return this.#decoder.decode(bytes);
    } catch {
      throw new WatchDecodeError("invalid-utf8", line, "line is not valid UTF-8");
    }
  }

  #tooLong(bytes: number): never {
    this.#pending = [];
    this.#pendingBytes = 0;
    throw new WatchDecodeError(
      "line-too-long",
      this.#line + 1,
      `line exceeds maxLineBytes (${bytes} > ${this.maxLineBytes} bytes)`,
    );
  }

  #parse(bytes: Uint8Array): RawWatchEvent | undefined {
    // fast path: most lines are plain JSON without surrounding whitespace
    const first = bytes[0];
    if (bytes.byteLength === 0 || first === 0x20 || first === 0x0d || first === 0x09) {
      if (this.#decode(bytes, this.#line).trim() === "") return undefined;
    }
    let value: unknown;
    try {
      // managedFields are cut from the bytes; the rest is decoded (invalid UTF-8 is an error) and parsed
      value = this.#strip
        ? parseBytesWithoutManagedFields(bytes, "event", this.#decodeLine)
        : JSON.parse(this.#decode(bytes, this.#line));
    } catch (err) {
      if (err instanceof WatchDecodeError) throw err;
      throw new WatchDecodeError(
        "invalid-json",
        this.#line,
        `not JSON (${err instanceof Error ? err.message : String(err)}): ${textHead(bytes, 80)}`,
      );
    }
    if (
      typeof value !== "object" ||
      value === null ||
      typeof (value as { type?: unknown }).type !== "string" ||
      typeof (value as { object?: unknown }).object !== "object" ||
      (value as { object?: unknown }).object === null
    ) {
      throw new WatchDecodeError(
        "invalid-event",
        this.#line,
        `not a watch event {type, object}: ${textHead(bytes, 80)}`,
      );
    }
    return value as RawWatchEvent;
  }
}

/**
 * Decode a whole watch stream given as chunks: a pure function, handy for
 * tests and property tests. Throws {@link WatchDecodeError} like the
 * incremental decoder.
 *
 * @example
 * ```ts
 * import { decodeWatchChunks } from "kubeloop";
 * const enc = new TextEncoder();
 * decodeWatchChunks([enc.encode('{"type":"DELETED","object":{"metadata":{}}}\n')]);
 * ```
 */
export function decodeWatchChunks(
  chunks: Iterable<Uint8Array>,
  options: WatchDecoderOptions = {},
): RawWatchEvent[] {
  const dec = new WatchLineDecoder(options);
  const out: RawWatchEvent[] = [];
  for (const c of chunks) for (const ev of dec.push(c)) out.push(ev);
  dec.end();
  return out;
}

/**
 * Options of {@link decodeWatchStream}.
 *
 * @example
 * ```ts
 * import { decodeWatchStream, type DecodeWatchStreamOptions } from "kubeloop";
 * declare const body: ReadableStream<Uint8Array>;
 * const ac = new AbortController();
 * const opts: DecodeWatchStreamOptions = { signal: ac.signal, maxLineBytes: 1024 * 1024 };
 * for await (const ev of decodeWatchStream(body, opts)) console.log(ev.type);
 * ```
 */
export interface DecodeWatchStreamOptions extends WatchDecoderOptions {
  /**
   * Wraps each read, e.g. to add an idle timeout. Receives the pending read;
   * must resolve or reject with it.
   */
  wrapRead?:
    | ((
        read: Promise<ReadableStreamReadResult<Uint8Array>>,
      ) => Promise<ReadableStreamReadResult<Uint8Array>>)
    | undefined;
  /** Stops decoding: the stream is cancelled and the iteration rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
}

/**
 * Decode a byte stream into raw watch events, incrementally. The reader is
 * released (and the stream cancelled) when iteration stops early.
 *
 * @example
 * ```ts
 * import { decodeWatchStream } from "kubeloop";
 * const url = "https://127.0.0.1:6443/api/v1/configmaps?watch=true";
 * const res = await fetch(url);
 * for await (const ev of decodeWatchStream(res.body!)) console.log(ev.type);
 * ```
 */
export async function* decodeWatchStream(
  stream: ReadableStream<Uint8Array>,
  options: DecodeWatchStreamOptions = {},
): AsyncGenerator<RawWatchEvent, void, undefined> {
  for await (const batch of decodeWatchBatches(stream, options)) yield* batch;
}

/**
 * {@link decodeWatchStream} in batches: each array holds the events that one
 * chunk of the stream completed, in order (never empty). One `await` per
 * chunk instead of one per event; the next chunk is read only when the next
 * batch is asked for. A bad line throws after the batch of the events
 * before it.
 *
 * @example
 * ```ts
 * import { decodeWatchBatches } from "kubeloop";
 * const res = await fetch("https://127.0.0.1:6443/api/v1/configmaps?watch=true");
 * for await (const batch of decodeWatchBatches(res.body!)) console.log(batch.length, "events");
 * ```
 */
export async function* decodeWatchBatches(
  stream: ReadableStream<Uint8Array>,
  options: DecodeWatchStreamOptions = {},
): AsyncGenerator<RawWatchEvent[], void, undefined> {
  const dec = new WatchLineDecoder(options);
  const reader = stream.getReader();
  const signal = options.signal;
  const onAbort = (): void => {
    reader.cancel(signal?.reason).catch(() => {});
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  let finished = false;
  try {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const read = reader.read();
      const { done, value } = options.wrapRead ? await options.wrapRead(read) : await read;
      if (signal?.aborted) throw signal.reason;
      if (done) break;
      if (value.byteLength === 0) continue;
      const events: RawWatchEvent[] = [];
      try {
        dec.pushInto(value, events);
      } catch (err) {
        if (events.length > 0) yield events;
        throw err;
      }
      if (events.length > 0) yield events;
    }
    finished = true;
    dec.end();
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (!finished) {
      await reader.cancel().catch(() => {});
    }
    try {
      reader.releaseLock();
    } catch {
      // already released
    }
  }
}
