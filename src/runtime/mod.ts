/**
 * Runtime detection and loading. Only this folder touches `node:`, `Deno.` or
 * `Bun.` APIs; the rest of kubeloop asks for a {@link Runtime}.
 *
 * @module
 */
import type { Runtime, RuntimeName } from "./types.ts";
import { webRuntime } from "./web.ts";

export { type CheckpointFiles, loadCheckpointFiles } from "./checkpoint-files.ts";
export {
  type ExecOptions,
  type ExecResult,
  needsCustomTls,
  type Runtime,
  type RuntimeName,
  type TlsOptions,
  TransportUnsupportedError,
} from "./types.ts";
export { webRuntime } from "./web.ts";

/**
 * Which runtime this code runs on, detected from globals.
 *
 * @example
 * ```ts
 * import { detectRuntime } from "kubeloop";
 * detectRuntime(); // "node" | "deno" | "bun" | "workerd" | "web"
 * ```
 */
export function detectRuntime(): RuntimeName {
  const g = globalThis as Record<string, unknown>;
  if ("Deno" in g) return "deno";
  if ("Bun" in g) return "bun";
  const nav = g.navigator as { userAgent?: string } | undefined;
  if (nav?.userAgent === "Cloudflare-Workers") return "workerd";
  const proc = g.process as { versions?: { node?: string } } | undefined;
  if (proc?.versions?.node) return "node";
  return "web";
}

let cached: Promise<Runtime> | undefined;

/**
 * Load the {@link Runtime} for the current environment (cached). Runtime
 * modules are imported dynamically, so bundles for workerd or browsers never
 * evaluate `node:` imports.
 *
 * @example
 * ```ts
 * import { loadRuntime } from "kubeloop";
 * const runtime = await loadRuntime();
 * console.log(runtime.name);
 * ```
 */
export function loadRuntime(): Promise<Runtime> {
  cached ??= (async (): Promise<Runtime> => {
    const name = detectRuntime();
    switch (name) {
      case "deno":
        return (await import("./deno.ts")).denoRuntime;
      case "bun":
        return (await import("./bun.ts")).bunRuntime;
      case "node":
        return (await import("./node.ts")).nodeRuntime;
      default:
        return webRuntime(name);
    }
  })();
  return cached;
}
