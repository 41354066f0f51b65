/**
 * The file primitives of checkpoints (what `FileCheckpointStore` needs from
 * a runtime): read, atomic replace, remove. Node, Deno and Bun share one
 * implementation on `node:fs` (`checkpoint-files-node.ts`); workerd and
 * browsers have no file system, so {@link loadCheckpointFiles} rejects there.
 *
 * @module
 */
import { detectRuntime } from "./mod.ts";
import { TransportUnsupportedError } from "./types.ts";

/**
 * File operations a `FileCheckpointStore` needs from the runtime.
 *
 * @example
 * ```ts
 * import type { CheckpointFiles } from "kubeloop";
 * const files = new Map<string, string>();
 * const inMemory: CheckpointFiles = {
 *   read: async (path) => files.get(path),
 *   writeAtomic: async (path, text) => void files.set(path, text),
 *   remove: async (path) => void files.delete(path),
 * };
 * ```
 */
export interface CheckpointFiles {
  /** The file's text, or `undefined` if it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** Replace the file with `text` atomically (creating its directory, mode 0600). */
  writeAtomic(path: string, text: string): Promise<void>;
  /** Delete the file; a missing one is not an error. */
  remove(path: string): Promise<void>;
}

/**
 * The {@link CheckpointFiles} of the current runtime (Node, Deno or Bun).
 * Rejects with {@link TransportUnsupportedError} elsewhere.
 *
 * @example
 * ```ts
 * import { loadCheckpointFiles } from "kubeloop";
 * const files = await loadCheckpointFiles();
 * console.log(await files.read("./checkpoints/pods.json"));
 * ```
 */
export async function loadCheckpointFiles(): Promise<CheckpointFiles> {
  const name = detectRuntime();
  if (name === "node" || name === "deno" || name === "bun") {
    return (await import("./checkpoint-files-node.ts")).nodeCheckpointFiles;
  }
  throw new TransportUnsupportedError(
    name,
    `${name}: no file system for checkpoints; use DurableObjectCheckpointStore (workerd) or MemoryCheckpointStore`,
  );
}
