/**
 * {@link CheckpointStore}s: in memory, in files (Node, Deno, Bun; the file
 * access comes from the runtime), and in Cloudflare Durable Object storage
 * (split into parts that fit its value limit).
 *
 * @module
 */
import { type CheckpointFiles, loadCheckpointFiles } from "../runtime/checkpoint-files.ts";
import { CheckpointCorruptError, type CheckpointStore, checkCheckpointSize } from "./checkpoint.ts";

/**
 * Options of {@link MemoryCheckpointStore}.
 *
 * @example
 * ```ts
 * import { MemoryCheckpointStore, type MemoryCheckpointStoreOptions } from "kubeloop";
 * const options: MemoryCheckpointStoreOptions = { maxBytes: 64 << 20 };
 * const store = new MemoryCheckpointStore(options);
 * ```
 */
export interface MemoryCheckpointStoreOptions {
  /** Largest value in UTF-8 bytes (default 256 MiB). */
  maxBytes?: number | undefined;
}

/**
 * A {@link CheckpointStore} in memory (tests; one process that restarts
 * informers, not itself).
 *
 * @example
 * ```ts
 * import { MemoryCheckpointStore } from "kubeloop";
 * const store = new MemoryCheckpointStore();
 * await store.put("pods", "{}");
 * await store.get("pods"); // "{}"
 * ```
 */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly maxBytes: number;
  readonly #values = new Map<string, string>();
  /** An empty store. */
  constructor(options: MemoryCheckpointStoreOptions = {}) {
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  }
  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.#values.get(key));
  }
  put(key: string, value: string): Promise<void> {
    try {
      checkCheckpointSize(key, value, this.maxBytes);
    } catch (err) {
      return Promise.reject(err);
    }
    this.#values.set(key, value);
    return Promise.resolve();
  }
  delete(key: string): Promise<void> {
    this.#values.delete(key);
    return Promise.resolve();
  }
  /** The keys stored. */
  keys(): string[] {
    return [...this.#values.keys()];
  }
}

/**
 * The part of a Cloudflare Durable Object's `ctx.storage` that
 * {@link DurableObjectCheckpointStore} uses (the batch forms of get, put and
 * delete, and a prefix list).
 *
 * @example
 * ```ts
 * import type { DurableObjectStorageLike } from "kubeloop";
 * declare const state: { storage: DurableObjectStorageLike };
 * const parts = await state.storage.list({ prefix: "checkpoint:" });
 * console.log(parts.size);
 * ```
 */
export interface DurableObjectStorageLike {
  /** Values of up to 128 keys at once. */
  get(keys: string[]): Promise<Map<string, unknown>>;
  /** Write up to 128 entries at once, atomically. */
  put(entries: Record<string, unknown>): Promise<void>;
  /** Delete up to 128 keys at once. */
  delete(keys: string[]): Promise<number>;
  /** Entries whose key starts with `prefix`. */
  list(options: { prefix: string }): Promise<Map<string, unknown>>;
}

/**
 * Options of {@link DurableObjectCheckpointStore}.
 *
 * @example
 * ```ts
 * import type { DurableObjectCheckpointStoreOptions } from "kubeloop";
 * const options: DurableObjectCheckpointStoreOptions = { maxBytes: 32 << 20, maxValueBytes: 128 * 1024 };
 * ```
 */
export interface DurableObjectCheckpointStoreOptions {
  /** Largest checkpoint in UTF-8 bytes (default 32 MiB: it is held in memory during an alarm). */
  maxBytes?: number | undefined;
  /**
   * Largest stored value in bytes (default 128 KiB, the limit of Durable
   * Object storage values). A checkpoint is split into parts that fit.
   */
  maxValueBytes?: number | undefined;
  /** Prefix of every storage key this store writes (default `"checkpoint:"`). */
  prefix?: string | undefined;
}

/** Keys per storage batch call (Durable Object storage takes at most 128). */
const DO_BATCH = 128;

/** The manifest of a checkpoint kept in parts. */
interface Manifest {
  generation: string;
  parts: number;
  bytes: number;
}

/**
 * A {@link CheckpointStore} over Durable Object storage (`ctx.storage`).
 *
 * A value larger than one storage value is split into parts of at most
 * `maxValueBytes` (each a string of at most half as many UTF-16 code units,
 * so it fits whatever the characters), written under a new generation; a
 * small manifest under the key then points to that generation and the old
 * parts are deleted. A reader sees the old checkpoint or the new one, never a
 * mix, even if the object is evicted half-way through a `put`.
 *
 * @example
 * ```ts
 * import { DurableObjectCheckpointStore, type DurableObjectStorageLike } from "kubeloop";
 * declare const ctx: { storage: DurableObjectStorageLike };
 * const checkpoints = new DurableObjectCheckpointStore(ctx.storage);
 * await checkpoints.put("configmaps", JSON.stringify({ hello: "world" }));
 * ```
 */
export class DurableObjectCheckpointStore implements CheckpointStore {
  readonly maxBytes: number;
  readonly #storage: DurableObjectStorageLike;
  readonly #partChars: number;
  readonly #prefix: string;

  /** A store over `storage`. */
  constructor(
    storage: DurableObjectStorageLike,
    options: DurableObjectCheckpointStoreOptions = {},
  ) {
    this.#storage = storage;
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    const maxValueBytes = options.maxValueBytes ?? 128 * 1024;
    // V8 serialises a string as one byte per code unit (Latin-1) or two (UTF-16); keep
    // room for the serialisation header.
    this.#partChars = Math.max(1, Math.floor((maxValueBytes - 64) / 2));
    this.#prefix = options.prefix ?? "checkpoint:";
  }

  async get(key: string): Promise<string | undefined> {
    const manifestKey = this.#manifestKey(key);
    const found = await this.#storage.get([manifestKey]);
    const manifest = found.get(manifestKey) as Manifest | undefined;
    if (manifest === undefined) return undefined;
    const names = partKeys(this.#partPrefix(key, manifest.generation), manifest.parts);
    const parts: string[] = [];
    for (let i = 0; i < names.length; i += DO_BATCH) {
      const batch = names.slice(i, i + DO_BATCH);
      const values = await this.#storage.get(batch);
      for (const name of batch) {
        const part = values.get(name);
        if (typeof part !== "string") {
          throw new CheckpointCorruptError(key, `part ${name} of ${manifest.parts} is missing`);
        }
        parts.push(part);
      }
    }
    return parts.join("");
  }

  async put(key: string, value: string): Promise<void> {
    checkCheckpointSize(key, value, this.maxBytes);
    const generation = newGeneration();
    const prefix = this.#partPrefix(key, generation);
    const count = Math.max(1, Math.ceil(value.length / this.#partChars));
    const names = partKeys(prefix, count);
    for (let i = 0; i < count; i += DO_BATCH) {
      const entries: Record<string, unknown> = {};
      for (let j = i; j < Math.min(count, i + DO_BATCH); j++) {
        entries[names[j]!] = value.slice(j * this.#partChars, (j + 1) * this.#partChars);
      }
      await this.#storage.put(entries);
    }
    const manifest: Manifest = { generation, parts: count, bytes: value.length };
    await this.#storage.put({ [this.#manifestKey(key)]: manifest });
    await this.#deleteParts(key, generation);
  }

  async delete(key: string): Promise<void> {
    await this.#storage.delete([this.#manifestKey(key)]);
    await this.#deleteParts(key, undefined);
  }

  /** Delete every part of `key` but those of generation `keep`. */
  async #deleteParts(key: string, keep: string | undefined): Promise<void> {
    const all = await this.#storage.list({ prefix: this.#partPrefix(key, "") });
    const stale = [...all.keys()].filter(
      (k) => keep === undefined || !k.startsWith(this.#partPrefix(key, keep)),
    );
    for (let i = 0; i < stale.length; i += DO_BATCH) {
      await this.#storage.delete(stale.slice(i, i + DO_BATCH));
    }
  }

  #manifestKey(key: string): string {
    return `${this.#prefix}${key}`;
  }

  #partPrefix(key: string, generation: string): string {
    return `${this.#prefix}${key}\u0000${generation}${generation ? "\u0000" : ""}`;
  }
}

function partKeys(prefix: string, count: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) keys.push(`${prefix}${String(i).padStart(6, "0")}`);
  return keys;
}

function newGeneration(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Options of {@link FileCheckpointStore}.
 *
 * @example
 * ```ts
 * import { FileCheckpointStore, type FileCheckpointStoreOptions } from "kubeloop";
 * const options: FileCheckpointStoreOptions = { maxBytes: 512 << 20 };
 * const store = new FileCheckpointStore("./checkpoints", options);
 * ```
 */
export interface FileCheckpointStoreOptions {
  /** Largest checkpoint in UTF-8 bytes (default 1 GiB). */
  maxBytes?: number | undefined;
  /** File access (default: the runtime's, see {@link loadCheckpointFiles}). */
  files?: CheckpointFiles | undefined;
}

/**
 * A {@link CheckpointStore} in a directory: key `k` is the file
 * `<dir>/<k, URI-encoded>.json`, replaced atomically (a temporary file,
 * flushed to disk, then renamed over the old one) and readable only by its
 * owner. For CLIs and fast restarts of controllers with big caches on Node,
 * Deno and Bun; on workerd every call rejects (use
 * {@link DurableObjectCheckpointStore}).
 *
 * @example
 * ```ts
 * import { createInformer, FileCheckpointStore, loadSnapshot, Pods, saveSnapshot, type KubeClient, type Pod } from "kubeloop";
 * declare const client: KubeClient;
 * const store = new FileCheckpointStore("./.checkpoints");
 * const informer = createInformer(client, Pods, { initialState: await loadSnapshot<Pod>(store, "pods") });
 * // ... run it; before exiting:
 * const snapshot = informer.snapshot();
 * if (snapshot) await saveSnapshot(store, "pods", snapshot);
 * ```
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly maxBytes: number;
  /** The directory the files are in. */
  readonly dir: string;
  readonly #files: Promise<CheckpointFiles>;

  /** A store in `dir` (created on the first `put`). */
  constructor(dir: string, options: FileCheckpointStoreOptions = {}) {
    this.dir = dir.replace(/[/\\]+$/, "") || "/";
    this.maxBytes = options.maxBytes ?? 1024 * 1024 * 1024;
    this.#files = options.files ? Promise.resolve(options.files) : loadCheckpointFiles();
    // a rejection is reported by the first call, not as an unhandled rejection
    this.#files.catch(() => {});
  }

  /** The file that holds `key`. */
  pathOf(key: string): string {
    return `${this.dir}/${encodeURIComponent(key)}.json`;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#files).read(this.pathOf(key));
  }

  async put(key: string, value: string): Promise<void> {
    checkCheckpointSize(key, value, this.maxBytes);
    await (await this.#files).writeAtomic(this.pathOf(key), value);
  }

  async delete(key: string): Promise<void> {
    await (await this.#files).remove(this.pathOf(key));
  }
}
