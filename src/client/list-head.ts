/**
 * The `continue` token of a list page, read from the first bytes of its
 * body, before the page is parsed.
 *
 * The API server writes a list as `{"kind":…,"apiVersion":…,"metadata":{…,
 * "continue":"…"},"items":[…]}`: the list metadata comes before the items,
 * so the token is in the first chunk. Knowing it early lets a pager ask for
 * the next page while this one is still arriving and being parsed and
 * validated (the server then sends it meanwhile). It is a hint only: the
 * page's parsed `metadata.continue` decides, and a head that does not look
 * like that yields nothing.
 *
 * @module
 */

/** `"items":` as a key of the list object: in valid JSON an unescaped quote cannot be inside a string. */
const ITEMS = ',"items":';
/** How much of the head is looked at (list metadata is a few hundred bytes). */
const HEAD_BYTES = 16 * 1024;

const decoder = new TextDecoder();

/**
 * The `metadata.continue` of a list whose body starts with `head`, or
 * undefined if the head does not show one before `"items"`.
 *
 * @example
 * ```ts
 * import { continueFromListHead } from "./list-head.ts";
 * const head = new TextEncoder().encode('{"kind":"PodList","metadata":{"continue":"abc"},"items":[{"kind":');
 * continueFromListHead(head); // "abc"
 * ```
 */
export function continueFromListHead(head: Uint8Array): string | undefined {
  const text = decoder.decode(head.byteLength > HEAD_BYTES ? head.subarray(0, HEAD_BYTES) : head);
  const at = text.indexOf(ITEMS);
  if (at < 0) return undefined;
  let top: unknown;
  try {
    top = JSON.parse(`${text.slice(0, at)}}`);
  } catch {
    return undefined;
  }
  if (typeof top !== "object" || top === null) return undefined;
  const meta = (top as { metadata?: unknown }).metadata;
  if (typeof meta !== "object" || meta === null) return undefined;
  const token = (meta as { continue?: unknown }).continue;
  return typeof token === "string" && token !== "" ? token : undefined;
}

/**
 * An `onHead` hook for a list request: passes the token of the head, if it
 * shows one, to `onContinue`.
 */
export function continueHint(onContinue: (token: string) => void): (head: Uint8Array) => void {
  return (head) => {
    const token = continueFromListHead(head);
    if (token !== undefined) onContinue(token);
  };
}
