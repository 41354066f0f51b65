/**
 * Checkpoint file access on `node:fs` (Node, Deno and Bun all provide it):
 * atomic replace through a flushed temporary file and a rename.
 *
 * @module
 */
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import type { CheckpointFiles } from "./checkpoint-files.ts";

function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown } | null;
  return e?.code === "ENOENT" || e?.name === "NotFound";
}

function parentOf(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i > 0 ? path.slice(0, i) : ".";
}

/**
 * The {@link CheckpointFiles} for Node, Deno and Bun. Not exported from the
 * package: `loadCheckpointFiles()` returns it.
 *
 * @example
 * ```ts
 * import { loadCheckpointFiles } from "kubeloop";
 * const files = await loadCheckpointFiles(); // this object on Node, Deno and Bun
 * await files.writeAtomic("./checkpoints/pods.json", "{}");
 * ```
 */
export const nodeCheckpointFiles: CheckpointFiles = {
  async read(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, "utf8");
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  },
  async writeAtomic(path: string, text: string): Promise<void> {
    await mkdir(parentOf(path), { recursive: true, mode: 0o700 });
    const suffix = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) =>
      b.toString(16).padStart(2, "0"),
    ).join("");
    const tmp = `${path}.${suffix}.tmp`;
    const handle = await open(tmp, "w", 0o600);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } catch (err) {
      await handle.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await handle.close();
    try {
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  },
  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  },
};
