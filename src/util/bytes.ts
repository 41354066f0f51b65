/**
 * Byte-array helpers shared by the watch decoder, the body readers, the fake API
 * server and the HTTP listener.
 *
 * @module
 */

/**
 * Join byte chunks into one array. A single chunk is returned as is (no copy).
 * Pass `total` when the caller already tracks the summed length.
 *
 * @example
 * ```ts
 * import { concatBytes } from "./bytes.ts";
 * concatBytes([new Uint8Array([1, 2]), new Uint8Array([3])]); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let size = total ?? 0;
  if (total === undefined) for (const p of parts) size += p.byteLength;
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

/**
 * A body's chunks collected up to a limit; the first chunk is shown to `onHead` (a hint: what it
 * throws is ignored). What the client's body readers share.
 *
 * @example
 * ```ts
 * import { BoundedBytes } from "./bytes.ts";
 * const body = new BoundedBytes(3);
 * body.push(new Uint8Array([1, 2])); // true
 * body.push(new Uint8Array([3, 4])); // false: over the limit, [3] kept
 * body.result(); // { bytes: Uint8Array [1, 2, 3], truncated: true }
 * ```
 */
export class BoundedBytes {
  readonly #limit: number;
  readonly #onHead: ((head: Uint8Array) => void) | undefined;
  readonly #chunks: Uint8Array[] = [];
  #total = 0;
  #truncated = false;

  /** Collect at most `limit` bytes. */
  constructor(limit: number, onHead?: (head: Uint8Array) => void) {
    this.#limit = limit;
    this.#onHead = onHead;
  }

  /** Add a chunk. False once the limit is passed: the part that fits is kept, the rest is not. */
  push(chunk: Uint8Array): boolean {
    if (chunk.byteLength === 0) return true;
    if (this.#total === 0 && this.#onHead !== undefined) {
      try {
        this.#onHead(chunk);
      } catch {
        // a hint only
      }
    }
    if (this.#total + chunk.byteLength > this.#limit) {
      const keep = this.#limit - this.#total;
      if (keep > 0) {
        this.#chunks.push(chunk.subarray(0, keep));
        this.#total += keep;
      }
      this.#truncated = true;
      return false;
    }
    this.#chunks.push(chunk);
    this.#total += chunk.byteLength;
    return true;
  }

  /** The bytes collected (one chunk is not copied), and whether the body went on past the limit. */
  result(): { bytes: Uint8Array; truncated: boolean } {
    return { bytes: concatBytes(this.#chunks, this.#total), truncated: this.#truncated };
  }
}

const lenient = new TextDecoder();

/**
 * The first `chars` characters (UTF-16 code units) of UTF-8 `bytes`, invalid bytes replaced,
 * for an error message: only the bytes those characters can take are decoded.
 *
 * @example
 * ```ts
 * import { textHead } from "./bytes.ts";
 * textHead(new TextEncoder().encode("not json at all"), 8); // "not json"
 * ```
 */
export function textHead(bytes: Uint8Array, chars: number): string {
  return lenient.decode(bytes.subarray(0, chars * 4)).slice(0, chars);
}
