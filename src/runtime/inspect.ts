/**
 * Hooks the runtimes' object inspectors look up (Node's `util.inspect`,
 * Deno's `Deno.inspect`, which Bun shares with Node). Symbols from
 * `Symbol.for`, so defining them needs no runtime API; they live here because
 * they name runtime-specific protocols.
 *
 * @module
 */

/** The key Node's (and Bun's) `util.inspect` calls to render an object. */
export const nodeInspect: unique symbol = Symbol.for("nodejs.util.inspect.custom");

/** The key `Deno.inspect` calls to render an object. */
export const denoInspect: unique symbol = Symbol.for("Deno.customInspect");

/**
 * Non-enumerable property descriptors that make every runtime's inspector
 * show `view()` instead of the object itself (for redacting secrets).
 *
 * @example
 * ```ts
 * import { inspectorHooks } from "./inspect.ts";
 * const secret = { token: "s3cret" };
 * Object.defineProperties(secret, inspectorHooks(() => ({ token: "<redacted>" })));
 * ```
 */
export function inspectorHooks(view: () => unknown): PropertyDescriptorMap {
  return {
    [nodeInspect]: { value: view, enumerable: false, configurable: true },
    [denoInspect]: {
      value: () => JSON.stringify(view()),
      enumerable: false,
      configurable: true,
    },
  };
}
