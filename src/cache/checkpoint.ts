/**
 * Informer checkpoints: a compact, JSON-serialisable {@link InformerSnapshot}
 * (format, what was watched, the resource version, the cached objects after
 * the transform) and where to keep it: a {@link CheckpointStore} of strings
 * with a size guard. The stores (memory, files, Durable Object storage) are
 * in `checkpoint-stores.ts`.
 *
 * A snapshot restored with `createInformer(..., { initialState })` resumes
 * the watch from its resource version without a list. One the informer
 * cannot trust to be current is never trusted further than that: another
 * format, kind or shape is ignored (a full list); another namespace or
 * selector is loaded and relisted at once, so the objects that are out of
 * scope are delivered as deletes.
 *
 * @module
 */
import type { $ZodType } from "zod/v4/core";
import type { KubernetesObject } from "../resources/meta.ts";
import type { ResourceType } from "../resources/resource.ts";

/**
 * The format string of the snapshots this version writes and reads.
 *
 * @example
 * ```ts
 * import { INFORMER_SNAPSHOT_FORMAT, type InformerSnapshot, type Pod } from "kubeloop";
 * declare const snapshot: InformerSnapshot<Pod>;
 * if (snapshot.format !== INFORMER_SNAPSHOT_FORMAT) console.log("from another kubeloop version");
 * ```
 */
export const INFORMER_SNAPSHOT_FORMAT = "kubeloop.dev/informer-snapshot/v1";

/**
 * What an informer watched: a snapshot only resumes an informer that
 * watches the same.
 *
 * @example
 * ```ts
 * import type { SnapshotScope } from "kubeloop";
 * const scope: SnapshotScope = { resource: "apps/v1/deployments", kind: "Deployment", namespace: "web" };
 * ```
 */
export interface SnapshotScope {
  /** `group/version/plural` (`v1/configmaps` for the core group). */
  resource: string;
  /** The kind. */
  kind: string;
  /** The namespace watched, if only one. */
  namespace?: string | undefined;
  /** The label selector, if any. */
  labelSelector?: string | undefined;
  /** The field selector, if any. */
  fieldSelector?: string | undefined;
  /** Objects are `PartialObjectMetadata`. */
  metadataOnly?: boolean | undefined;
}

/**
 * An informer's state as JSON data: returned by `informer.snapshot()`,
 * restored by `createInformer(..., { initialState })`.
 *
 * @example
 * ```ts
 * import { INFORMER_SNAPSHOT_FORMAT, type ConfigMap, type InformerSnapshot } from "kubeloop";
 * const snapshot: InformerSnapshot<ConfigMap> = {
 *   format: INFORMER_SNAPSHOT_FORMAT,
 *   resource: "v1/configmaps",
 *   kind: "ConfigMap",
 *   namespace: "default",
 *   resourceVersion: "4711",
 *   objects: [{ metadata: { name: "a", namespace: "default", resourceVersion: "4700" } }],
 * };
 * ```
 */
export interface InformerSnapshot<T> extends SnapshotScope {
  /** {@link INFORMER_SNAPSHOT_FORMAT}. */
  format: string;
  /** The resource version the objects are current at: the watch resumes from here. */
  resourceVersion: string;
  /** The cached objects (after the informer's transform). */
  objects: T[];
  /**
   * Keys (of `objects`) whose handlers had not finished with them: restored
   * adds carry `pending: true` (a controller reconciles them again).
   */
  pending?: string[] | undefined;
  /**
   * When each delayed unfinished key (of `pending`, or of `deleted`) is due:
   * epoch ms on the writer's clock, by key. A controller asked for it later
   * (a `requeueAfter`, a retry after its rate limiter's backoff), so on
   * restore it is queued for then, not at once. A key without an entry is
   * due at once (as are all keys of a checkpoint written without this field).
   */
  pendingDueAt?: Record<string, number> | undefined;
  /**
   * How many times each failing unfinished key (of `pending`, or of
   * `deleted`) has already failed since its last success, by key (a positive
   * integer). On restore a controller continues from there: the next failure
   * is attempt `n + 1`, its retry waits the backoff of that attempt, and the
   * key is dropped once it passes `maxRetries`, as within one run. A key
   * without an entry has not failed (as are all keys of a checkpoint written
   * without this field).
   */
  pendingAttempts?: Record<string, number> | undefined;
  /**
   * Last known states of deleted objects whose handlers had not finished
   * with them: delivered again as deletes (final state unknown) on restore.
   */
  deleted?: T[] | undefined;
  /**
   * {@link schemaFingerprint} of the schema the objects were validated with.
   * When it matches the restoring informer's schema, the objects are not
   * validated again (they passed that same schema when they were cached).
   */
  schema?: string | undefined;
}

const fingerprints = new WeakMap<object, string | null>();

/**
 * A short fingerprint of a zod schema (a hash of its structure: every node's
 * type, fields, checks and literal values, read from zod's definitions), or
 * `undefined` when it cannot be read. Two schemas with the same fingerprint
 * accept the same objects, except for what a function decides (a `refine`
 * or `custom` callback counts by its source text). Cached per schema.
 *
 * @example
 * ```ts
 * import { ConfigMapSchema, schemaFingerprint } from "kubeloop";
 * schemaFingerprint(ConfigMapSchema); // e.g. "1b7mc5k2xwqa"
 * ```
 */
export function schemaFingerprint(schema: $ZodType): string | undefined {
  let fp = fingerprints.get(schema);
  if (fp === undefined) {
    try {
      fp = hash53(structureOf(schema, new Map()));
    } catch {
      fp = null;
    }
    fingerprints.set(schema, fp);
  }
  return fp ?? undefined;
}

/**
 * A canonical text of a zod schema's structure. zod's own JSON Schema
 * generator would do, but it weighs some 20 KB in every worker bundle; this
 * walk reads the same definitions (recursive schemas become back references).
 */
function structureOf(value: unknown, seen: Map<object, number>): string {
  if (typeof value === "function") return `fn:${String(value)}`;
  if (value instanceof RegExp) return `re:${value.source}/${value.flags}`;
  if (value === null || typeof value !== "object") {
    return value === undefined ? "u" : JSON.stringify(value);
  }
  const prior = seen.get(value);
  if (prior !== undefined) return `@${prior}`;
  seen.set(value, seen.size);
  if (Array.isArray(value)) return `[${value.map((v) => structureOf(v, seen)).join(",")}]`;
  const zod = (value as { _zod?: { def?: object } })._zod;
  const target = zod?.def ?? value;
  const keys = Object.keys(target).sort();
  return `{${keys.map((k) => `${k}:${structureOf((target as Record<string, unknown>)[k], seen)}`).join(",")}}`;
}

/** A 53-bit string hash (cyrb53), base 36. Not cryptographic: it names a schema, it does not protect one. */
function hash53(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/**
 * The scope of an informer of `type` with these options (what a snapshot records).
 *
 * @example
 * ```ts
 * import { snapshotScope, Pods } from "kubeloop";
 * snapshotScope(Pods, { namespace: "web", labelSelector: "app=api" });
 * // { resource: "v1/pods", kind: "Pod", namespace: "web", labelSelector: "app=api" }
 * ```
 */
export function snapshotScope(
  type: ResourceType<KubernetesObject>,
  options: {
    namespace?: string | undefined;
    labelSelector?: string | undefined;
    fieldSelector?: string | undefined;
    metadataOnly?: boolean | undefined;
  },
): SnapshotScope {
  const scope: SnapshotScope = {
    resource: `${type.group ? `${type.group}/` : ""}${type.version}/${type.plural}`,
    kind: type.kind,
  };
  if (type.namespaced && options.namespace !== undefined) scope.namespace = options.namespace;
  if (options.labelSelector) scope.labelSelector = options.labelSelector;
  if (options.fieldSelector) scope.fieldSelector = options.fieldSelector;
  if (options.metadataOnly) scope.metadataOnly = true;
  return scope;
}

/**
 * Why a snapshot was not resumed from: `format` (unknown format or not a
 * snapshot: ignored), `resource` (another kind, or metadata-only against
 * full objects: ignored), `scope` (another namespace or selector: loaded,
 * then relisted), `objects` (some objects failed validation: the valid ones
 * are loaded, then relisted).
 *
 * @example
 * ```ts
 * import type { CheckpointRejection } from "kubeloop";
 * const loadsObjects = (r: CheckpointRejection): boolean => r === "scope" || r === "objects";
 * ```
 */
export type CheckpointRejection = "format" | "resource" | "scope" | "objects";

/**
 * Base class of checkpoint errors.
 *
 * @example
 * ```ts
 * import { CheckpointError } from "kubeloop";
 * function isCheckpointTrouble(err: unknown): boolean {
 *   return err instanceof CheckpointError;
 * }
 * ```
 */
export class CheckpointError extends Error {
  /** Always `"CheckpointError"` (subclasses set their own). */
  override readonly name: string = "CheckpointError";
}

/**
 * An informer could not resume from its `initialState`; it relists instead
 * (reported to `onError` with phase `checkpoint`).
 *
 * @example
 * ```ts
 * import { CheckpointRejectedError, createInformer, Pods, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * createInformer(client, Pods, {
 *   onError: (err) => {
 *     if (err instanceof CheckpointRejectedError) console.warn(`checkpoint not used (${err.reason})`);
 *   },
 * });
 * ```
 */
export class CheckpointRejectedError extends CheckpointError {
  /** Always `"CheckpointRejectedError"`. */
  override readonly name: string = "CheckpointRejectedError";
  /** Why. */
  readonly reason: CheckpointRejection;
  /** `reason` says why; `message` what differed. */
  constructor(reason: CheckpointRejection, message: string) {
    super(`checkpoint not resumed from (${reason}): ${message}`);
    this.reason = reason;
  }
}

/**
 * A checkpoint is larger than the store accepts; nothing was written.
 *
 * @example
 * ```ts
 * import { CheckpointTooLargeError, MemoryCheckpointStore } from "kubeloop";
 * const store = new MemoryCheckpointStore({ maxBytes: 10 });
 * try {
 *   await store.put("pods", "more than ten bytes");
 * } catch (err) {
 *   if (err instanceof CheckpointTooLargeError) console.log(err.bytes, ">", err.maxBytes);
 * }
 * ```
 */
export class CheckpointTooLargeError extends CheckpointError {
  /** Always `"CheckpointTooLargeError"`. */
  override readonly name: string = "CheckpointTooLargeError";
  /** The checkpoint key. */
  readonly key: string;
  /** Its size in UTF-8 bytes. */
  readonly bytes: number;
  /** The store's limit. */
  readonly maxBytes: number;
  /** `key` was refused at `bytes`, over `maxBytes`. */
  constructor(key: string, bytes: number, maxBytes: number) {
    super(`checkpoint ${key} is ${bytes} bytes, over the store's limit of ${maxBytes}`);
    this.key = key;
    this.bytes = bytes;
    this.maxBytes = maxBytes;
  }
}

/**
 * A stored checkpoint cannot be read back (a missing part, not JSON).
 *
 * @example
 * ```ts
 * import { CheckpointCorruptError, loadSnapshot, type CheckpointStore } from "kubeloop";
 * declare const store: CheckpointStore;
 * const snapshot = await loadSnapshot(store, "pods").catch((err) => {
 *   if (err instanceof CheckpointCorruptError) return undefined; // start with a list
 *   throw err;
 * });
 * ```
 */
export class CheckpointCorruptError extends CheckpointError {
  /** Always `"CheckpointCorruptError"`. */
  override readonly name: string = "CheckpointCorruptError";
  /** The checkpoint key. */
  readonly key: string;
  /** `key` is the checkpoint, `message` what is wrong. */
  constructor(key: string, message: string) {
    super(`checkpoint ${key}: ${message}`);
    this.key = key;
  }
}

/**
 * Where checkpoints are kept: strings by key, with a size guard (`put`
 * refuses values over `maxBytes` with {@link CheckpointTooLargeError} before
 * writing anything). A `put` replaces the old value as a whole or not at all.
 *
 * @example
 * ```ts
 * import type { CheckpointStore } from "kubeloop";
 * const kv = new Map<string, string>();
 * const store: CheckpointStore = {
 *   maxBytes: 1 << 20,
 *   get: async (key) => kv.get(key),
 *   put: async (key, value) => void kv.set(key, value),
 *   delete: async (key) => void kv.delete(key),
 * };
 * ```
 */
export interface CheckpointStore {
  /** The largest value `put` accepts, in UTF-8 bytes. */
  readonly maxBytes: number;
  /** The value under `key`, or `undefined`. */
  get(key: string): Promise<string | undefined>;
  /** Store `value` under `key` (all or nothing). */
  put(key: string, value: string): Promise<void>;
  /** Remove `key` (nothing happens if absent). */
  delete(key: string): Promise<void>;
}

/**
 * The UTF-8 length of `s` in bytes, without encoding it.
 *
 * @example
 * ```ts
 * import { utf8ByteLength } from "kubeloop";
 * utf8ByteLength("héllo"); // 6
 * ```
 */
export function utf8ByteLength(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        bytes += 2; // a surrogate pair: 4 bytes for 2 code units
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * Throw {@link CheckpointTooLargeError} when `value` is over `maxBytes`.
 *
 * @example
 * ```ts
 * import { checkCheckpointSize } from "kubeloop";
 * checkCheckpointSize("pods", "{}", 1024); // fine
 * ```
 */
export function checkCheckpointSize(key: string, value: string, maxBytes: number): void {
  // a string cannot take more than 3 bytes per UTF-16 code unit: skip the count when far below
  if (value.length * 3 <= maxBytes) return;
  const bytes = utf8ByteLength(value);
  if (bytes > maxBytes) throw new CheckpointTooLargeError(key, bytes, maxBytes);
}

/**
 * Write `snapshot` as JSON under `key` (the store's size guard applies).
 *
 * @example
 * ```ts
 * import { saveSnapshot, type CheckpointStore, type Informer, type Pod } from "kubeloop";
 * declare const store: CheckpointStore;
 * declare const informer: Informer<Pod>;
 * const snapshot = informer.snapshot();
 * if (snapshot) await saveSnapshot(store, "pods", snapshot);
 * ```
 */
export async function saveSnapshot<T>(
  store: CheckpointStore,
  key: string,
  snapshot: InformerSnapshot<T>,
): Promise<void> {
  await store.put(key, JSON.stringify(snapshot));
}

/**
 * Read the snapshot under `key`: `undefined` if there is none. The informer
 * checks it when it restores (format, kind, scope, objects), so anything
 * stored here is safe to pass as `initialState`. Throws
 * {@link CheckpointCorruptError} when the value is not JSON.
 *
 * @example
 * ```ts
 * import { createInformer, loadSnapshot, Pods, type CheckpointStore, type KubeClient, type Pod } from "kubeloop";
 * declare const client: KubeClient;
 * declare const store: CheckpointStore;
 * const informer = createInformer(client, Pods, {
 *   initialState: await loadSnapshot<Pod>(store, "pods"),
 * });
 * ```
 */
export async function loadSnapshot<T>(
  store: CheckpointStore,
  key: string,
): Promise<InformerSnapshot<T> | undefined> {
  const text = await store.get(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as InformerSnapshot<T>;
  } catch (err) {
    throw new CheckpointCorruptError(
      key,
      `not JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

/**
 * The verdict on a snapshot offered to an informer of `scope`: resume
 * (`ok`), load the objects but relist (`scope`), or ignore it.
 *
 * @example
 * ```ts
 * import { checkSnapshot, snapshotScope, ConfigMaps } from "kubeloop";
 * declare const stored: unknown;
 * const verdict = checkSnapshot(stored, snapshotScope(ConfigMaps, { namespace: "default" }));
 * if (!verdict.ok) console.warn(verdict.reason, verdict.message);
 * ```
 */
export function checkSnapshot(
  value: unknown,
  scope: SnapshotScope,
): { ok: true } | { ok: false; reason: CheckpointRejection; message: string } {
  const s = value as Partial<InformerSnapshot<unknown>> | null;
  if (typeof s !== "object" || s === null || Array.isArray(s)) {
    return { ok: false, reason: "format", message: "not a snapshot object" };
  }
  if (s.format !== INFORMER_SNAPSHOT_FORMAT) {
    return {
      ok: false,
      reason: "format",
      message: `format ${JSON.stringify(s.format)}, expected ${INFORMER_SNAPSHOT_FORMAT}`,
    };
  }
  if (
    typeof s.resourceVersion !== "string" ||
    s.resourceVersion === "" ||
    !Array.isArray(s.objects) ||
    (s.pending !== undefined &&
      (!Array.isArray(s.pending) || s.pending.some((k) => typeof k !== "string"))) ||
    (s.pendingDueAt !== undefined && !isDueTimes(s.pendingDueAt)) ||
    (s.pendingAttempts !== undefined && !isAttemptCounts(s.pendingAttempts)) ||
    (s.deleted !== undefined && !Array.isArray(s.deleted)) ||
    (s.schema !== undefined && typeof s.schema !== "string")
  ) {
    return { ok: false, reason: "format", message: "malformed snapshot" };
  }
  if (s.resource !== scope.resource || s.kind !== scope.kind) {
    return {
      ok: false,
      reason: "resource",
      message: `snapshot of ${String(s.resource)} (${String(s.kind)}), informer of ${scope.resource} (${scope.kind})`,
    };
  }
  if (Boolean(s.metadataOnly) !== Boolean(scope.metadataOnly)) {
    return {
      ok: false,
      reason: "resource",
      message: s.metadataOnly
        ? "metadata-only snapshot, full objects wanted"
        : "full objects in a metadata-only informer",
    };
  }
  for (const field of ["namespace", "labelSelector", "fieldSelector"] as const) {
    if ((s[field] ?? "") !== (scope[field] ?? "")) {
      return {
        ok: false,
        reason: "scope",
        message: `${field} ${JSON.stringify(s[field] ?? "")}, informer's ${JSON.stringify(scope[field] ?? "")}`,
      };
    }
  }
  return { ok: true };
}

/** A plain object of finite numbers (a snapshot's `pendingDueAt`). */
function isDueTimes(value: unknown): value is Record<string, number> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => typeof v === "number" && Number.isFinite(v));
}

/** A plain object of positive integers (a snapshot's `pendingAttempts`). */
function isAttemptCounts(value: unknown): value is Record<string, number> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => Number.isSafeInteger(v) && (v as number) > 0);
}
