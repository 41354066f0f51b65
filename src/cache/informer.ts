/**
 * The informer: a {@link Reflector} feeding a {@link Store}, with event
 * handlers called for every change once the change is in the cache.
 *
 * Handlers run synchronously, in registration order, right after the store
 * was updated, so a handler always sees a cache at least as new as its
 * event. A handler that throws is logged and reported; the informer goes on.
 *
 * @module
 */
import { checkPathSegment } from "../client/path.ts";
import { type KubernetesObject, objectKey, type PartialObjectMetadata } from "../resources/meta.ts";
import type { ResourceType } from "../resources/resource.ts";
import { validate } from "../resources/validate.ts";
import type { BackoffOptions } from "../util/backoff.ts";
import { type Clock, realClock, type Timer } from "../util/clock.ts";
import { defaultLogger, type Logger } from "../util/logger.ts";
import {
  CheckpointRejectedError,
  checkSnapshot,
  INFORMER_SNAPSHOT_FORMAT,
  type InformerSnapshot,
  type SnapshotScope,
  schemaFingerprint,
  snapshotScope,
} from "./checkpoint.ts";
import {
  emptyStats,
  type ListWatchClient,
  Reflector,
  type ReflectorErrorInfo,
  type ReflectorSink,
  type ReflectorStats,
} from "./reflector.ts";
import { type IndexFunc, Store, type StoreReader } from "./store.ts";

/**
 * Details of a delete notification.
 *
 * @example
 * ```ts
 * import { ConfigMaps, createInformer, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * createInformer(client, ConfigMaps).addEventHandler({
 *   onDelete: (cm, info) => {
 *     if (info.finalStateUnknown) console.log("missed the delete of", cm.metadata.name);
 *   },
 * });
 * ```
 */
export interface DeleteInfo {
  /**
   * True when the delete was inferred from a relist (the object vanished
   * while the watch was broken): the object is its last known state, and the
   * real final state is unknown (client-go's `DeletedFinalStateUnknown`).
   * A relist that finds the name recreated (another `metadata.uid`) delivers
   * such a delete of the old object, then an add of the new one.
   */
  finalStateUnknown: boolean;
  /**
   * The delete was recorded in the checkpoint the informer was restored from
   * (its handlers had not finished with it); the object is its last known state.
   */
  fromCheckpoint?: boolean | undefined;
  /**
   * A delete restored from the checkpoint whose handling was delayed: when
   * it is due (epoch ms, the checkpoint's `pendingDueAt`). Absent: due at once.
   */
  dueAt?: number | undefined;
  /**
   * A delete restored from the checkpoint whose handling had failed: how
   * many times (the checkpoint's `pendingAttempts`). Absent: it had not failed.
   */
  attempts?: number | undefined;
}

/**
 * Details of an add notification.
 *
 * @example
 * ```ts
 * import { ConfigMaps, createInformer, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * createInformer(client, ConfigMaps).addEventHandler({
 *   onAdd: (cm, info) => {
 *     if (info?.fromCheckpoint && !info.pending) return; // handled before the restart
 *     console.log("new to me:", cm.metadata.name);
 *   },
 * });
 * ```
 */
export interface AddInfo {
  /**
   * The object comes from the checkpoint the informer was restored from
   * (`initialState`), unchanged since; not from the API server in this run.
   */
  fromCheckpoint: boolean;
  /** The checkpoint marked the key as pending: its handlers had not finished with it. */
  pending?: boolean | undefined;
  /**
   * A pending key whose handling was delayed (a `requeueAfter`, a retry):
   * when it is due (epoch ms, the checkpoint's `pendingDueAt`). Absent: due at once.
   */
  dueAt?: number | undefined;
  /**
   * A pending key whose handling had failed: how many times since its last
   * success (the checkpoint's `pendingAttempts`). Absent: it had not failed.
   */
  attempts?: number | undefined;
}

/**
 * Callbacks for cache changes. Objects are the cached ones: read-only.
 *
 * @example
 * ```ts
 * import type { ConfigMap, EventHandler } from "kubeloop";
 * const handler: EventHandler<ConfigMap> = {
 *   onAdd: (cm) => console.log("add", cm.metadata.name),
 *   onUpdate: (oldCm, newCm) => console.log("update", newCm.metadata.name, oldCm === newCm),
 *   onDelete: (cm) => console.log("delete", cm.metadata.name),
 * };
 * ```
 */
export interface EventHandler<T> {
  /**
   * An object appeared in the cache (initial list, watch ADDED, found by a
   * relist, or restored from a checkpoint: see `info`).
   */
  onAdd?(obj: T, info?: AddInfo): void;
  /** Also called with `oldObj === newObj` on resync. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** An object left the cache; `info` says whether its final state is known. */
  onDelete?(obj: T, info: DeleteInfo): void;
}

/**
 * Returned by {@link Informer.addEventHandler}.
 *
 * @example
 * ```ts
 * import { ConfigMaps, createInformer, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * const informer = createInformer(client, ConfigMaps);
 * const registration = informer.addEventHandler({ onAdd: (cm) => console.log(cm.metadata.name) });
 * registration.remove(); // no more calls
 * ```
 */
export interface EventHandlerRegistration {
  /** Stop calling the handler. */
  remove(): void;
}

/**
 * Counters of an informer (see {@link ReflectorStats}).
 *
 * @example
 * ```ts
 * import type { Informer, InformerStats, Pod } from "kubeloop";
 * declare const informer: Informer<Pod>;
 * const stats: InformerStats = informer.stats();
 * console.log(stats.relists, stats.events, stats.errors);
 * ```
 */
export type InformerStats = ReflectorStats;

/**
 * A cache of one resource type kept in sync with the API server, with
 * change notifications.
 *
 * @example
 * ```ts
 * import { createInformer, KubeClient, ConfigMaps } from "kubeloop";
 * const client = new KubeClient({ server: "https://127.0.0.1:6443" });
 * const informer = createInformer(client, ConfigMaps, { namespace: "default" });
 * informer.addEventHandler({
 *   onAdd: (cm) => console.log("added", cm.metadata.name),
 *   onDelete: (cm, { finalStateUnknown }) => console.log("deleted", cm.metadata.name, finalStateUnknown),
 * });
 * const ac = new AbortController();
 * const done = informer.run(ac.signal);
 * await informer.waitForSync();
 * console.log(informer.store.keys());
 * ac.abort();
 * await done;
 * ```
 */
export interface Informer<T extends KubernetesObject> {
  /** The resource type watched. */
  readonly resourceType: ResourceType<T>;
  /** The cache (read-only view). */
  readonly store: StoreReader<T>;
  /**
   * Register handlers. A handler added after objects are cached gets a
   * synthetic `onAdd` for each of them, synchronously, before any later event.
   */
  addEventHandler(handler: EventHandler<T>): EventHandlerRegistration;
  /** Add an index to the cache (also after start: existing objects are indexed at once). */
  addIndexer(name: string, fn: IndexFunc<T>): void;
  /** Run until `signal` aborts; resolves once stopped, with no timer or request left behind. */
  run(signal: AbortSignal): Promise<void>;
  /** True once the initial list is stored and its adds dispatched. */
  hasSynced(): boolean;
  /** Resolves `true` on sync, `false` if `signal` aborts or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<boolean>;
  /** The resource version of the last list, event or bookmark applied. */
  lastSyncResourceVersion(): string | undefined;
  /**
   * The last failure (list, watch), or `undefined` once a later list or
   * watch event succeeded. Check it while `hasSynced()` is false to tell
   * "still syncing" from "failing" (a 403 from RBAC, a 404 for a missing CRD).
   */
  lastError(): unknown;
  /** Counters, a snapshot. */
  stats(): InformerStats;
  /**
   * The cache as a checkpoint: the resource version and the cached objects
   * (after the transform), or `undefined` before the informer has a complete
   * state. `options.pending` / `options.deleted` record what a consumer has
   * not finished with (restored as `pending` adds and as deletes).
   */
  snapshot(options?: SnapshotOptions<T>): InformerSnapshot<T> | undefined;
  /**
   * How long (ms) the open watch has delivered nothing since the server
   * accepted it or since its last event; `undefined` while not watching. A
   * connected watch that stays quiet has delivered all earlier changes.
   */
  quietMs(): number | undefined;
}

/**
 * Options of {@link Informer.snapshot}: what the consumer has not finished.
 *
 * @example
 * ```ts
 * import type { ConfigMap, Informer, SnapshotOptions } from "kubeloop";
 * declare const informer: Informer<ConfigMap>;
 * const options: SnapshotOptions<ConfigMap> = { pending: ["default/a"] };
 * const snapshot = informer.snapshot(options);
 * ```
 */
export interface SnapshotOptions<T> {
  /** Keys still to be handled (only cached ones are kept). */
  pending?: Iterable<string> | undefined;
  /** Last known states of deleted objects still to be handled. */
  deleted?: Iterable<T> | undefined;
  /**
   * When delayed keys (of `pending` or `deleted`) are due, epoch ms by key;
   * kept for the keys the snapshot keeps (its `pendingDueAt`).
   */
  pendingDueAt?: ReadonlyMap<string, number> | Record<string, number> | undefined;
  /**
   * How many times failing keys (of `pending` or `deleted`) have failed,
   * by key; kept for the keys the snapshot keeps (its `pendingAttempts`).
   */
  pendingAttempts?: ReadonlyMap<string, number> | Record<string, number> | undefined;
}

/**
 * Options of {@link createInformer}.
 *
 * @example
 * ```ts
 * import { createInformer, Pods, type InformerOptions, type KubeClient, type Pod } from "kubeloop";
 * declare const client: KubeClient;
 * const options: InformerOptions<Pod> = {
 *   namespace: "default",
 *   labelSelector: "app=web",
 *   resyncPeriodMs: 10 * 60_000,
 *   indexers: { byNode: (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []) },
 *   onError: (err, info) => console.error(info.phase, info.kind, err),
 * };
 * const informer = createInformer(client, Pods, options);
 * ```
 */
export interface InformerOptions<T extends KubernetesObject> {
  /** Only this namespace (namespaced types); default all namespaces. */
  namespace?: string | undefined;
  /** Only objects matching this label selector. */
  labelSelector?: string | undefined;
  /** Only objects matching this field selector. */
  fieldSelector?: string | undefined;
  /** Re-deliver `onUpdate(obj, obj)` for every cached object this often (ms); default off. */
  resyncPeriodMs?: number | undefined;
  /** Clock for backoff, idle deadlines and resync (default: real clock). */
  clock?: Clock | undefined;
  /** Logger for failures and lifecycle messages (default: `defaultLogger`, warnings and errors to the console). */
  logger?: Logger | undefined;
  /** Called for every failure (list, watch, invalid object, transform, handler); the informer keeps going. */
  onError?: ((err: unknown, info: ReflectorErrorInfo) => void) | undefined;
  /** Runs on each valid object before it is stored (default: drop `metadata.managedFields`). */
  transform?: ((obj: T) => T) | undefined;
  /** Watch `PartialObjectMetadata` only. */
  metadataOnly?: boolean | undefined;
  /** Use a streaming list, falling back to list + watch (default false). */
  streamingList?: boolean | undefined;
  /** Inactivity (ms) after which a streaming list without its end bookmark is abandoned (default 30 000). */
  streamingListTimeoutMs?: number | undefined;
  /** List page size (default 500). */
  pageSize?: number | undefined;
  /**
   * Ask for the next list page while the current one is validated and
   * stored (default true). At most one page is in flight ahead, so a list
   * holds at most two pages of raw objects at a time.
   */
  prefetchPages?: boolean | undefined;
  /**
   * Abort and resume a watch silent for this long (ms; 0 disables). Default:
   * derived per watch from its `timeoutSeconds` (plus 10 %, at least 5 s) and
   * the silences observed on healthy watches (`watchIdleDeadlineMs`), so a
   * quiet watch is never taken for a stalled one.
   */
  idleTimeoutMs?: number | undefined;
  /** Server-side watch timeout range in seconds (default 300–600). */
  watchTimeoutSeconds?: { min: number; max: number } | undefined;
  /** Random source in [0, 1) (default `Math.random`). */
  random?: (() => number) | undefined;
  /** Reconnect backoff options. */
  backoff?: BackoffOptions | undefined;
  /** Validate objects with the type's schema (default true). Turning it off trusts the server. */
  validate?: boolean | undefined;
  /** Deep-freeze cached objects (default false; cheap insurance in development). */
  freeze?: boolean | undefined;
  /** Extra indexes, by name. */
  indexers?: Record<string, IndexFunc<T>> | undefined;
  /**
   * Start from a checkpoint ({@link Informer.snapshot}, for example read with
   * `loadSnapshot`): its objects fill the cache (handlers get them as adds
   * with `fromCheckpoint`), the informer counts as synced, and the watch
   * resumes from its resource version without a list. A 410 then relists and
   * delivers what vanished as deletes. A snapshot of another namespace or
   * selector is loaded and relisted at once (out-of-scope objects become
   * deletes); one of another format or kind is ignored. Either way the
   * rejection is reported to `onError` (phase `checkpoint`).
   */
  initialState?: InformerSnapshot<T> | undefined;
}

interface HandlerEntry<T> {
  handler: EventHandler<T>;
}

const LIVE_ADD: AddInfo = Object.freeze({ fromCheckpoint: false });
const RESTORED_ADD: AddInfo = Object.freeze({ fromCheckpoint: true, pending: false });
const RESTORED_PENDING_ADD: AddInfo = Object.freeze({ fromCheckpoint: true, pending: true });
const RESTORED_DELETE: DeleteInfo = Object.freeze({
  finalStateUnknown: true,
  fromCheckpoint: true,
});

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * The {@link Informer} implementation. One instance runs once: create another
 * to start again.
 *
 * @example
 * ```ts
 * import { SharedInformer, KubeClient, Pods } from "kubeloop";
 * const informer = new SharedInformer(new KubeClient({ server: "https://127.0.0.1:6443" }), Pods, {
 *   labelSelector: "app=web",
 * });
 * ```
 */
export class SharedInformer<T extends KubernetesObject> implements Informer<T> {
  readonly resourceType: ResourceType<T>;
  readonly #store: Store<T>;
  readonly #reflector: Reflector<T>;
  readonly #opts: InformerOptions<T>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #stats: ReflectorStats = emptyStats();
  #handlers: HandlerEntry<T>[] = [];
  #synced = false;
  #started = false;
  #stopped = false;
  #syncWaiters = new Set<(ok: boolean) => void>();
  #resyncTimer: Timer | undefined;
  readonly #scope: SnapshotScope;
  /** Objects as restored from the checkpoint (until replaced). */
  readonly #restored = new WeakSet<object>();
  /** Keys the checkpoint marked pending. */
  #pending: ReadonlySet<string> = new Set();
  /** When the checkpoint's delayed keys are due (its `pendingDueAt`). */
  #dueAt: ReadonlyMap<string, number> = new Map();
  /** How often the checkpoint's failing keys had failed (its `pendingAttempts`). */
  #attempts: ReadonlyMap<string, number> = new Map();
  /** Deletes the checkpoint recorded as unfinished, by key. */
  #restoredDeletes = new Map<string, T>();

  /** Create an informer (not started: call {@link SharedInformer.run}); {@link createInformer} or an `InformerFactory` is the usual way. Throws `PathSegmentError` for a `namespace` such as `..`. */
  constructor(client: ListWatchClient, type: ResourceType<T>, options: InformerOptions<T> = {}) {
    // a namespace such as ".." would list the whole cluster: refuse it before anything runs
    checkPathSegment(options.namespace, "namespace", { kind: type.kind });
    this.resourceType = type;
    this.#opts = options;
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger ?? defaultLogger;
    this.#store = new Store<T>({
      freeze: options.freeze,
      indexers: options.indexers,
      onIndexError: (name, obj, err) =>
        this.#logger.error("index function threw", {
          kind: type.kind,
          index: name,
          key: this.#store.keyOf(obj),
          error: describe(err),
        }),
    });
    const sink: ReflectorSink<T> = {
      replace: (objects, rv, invalidKeys) => this.#replace(objects, rv, invalidKeys),
      apply: (evType, obj) => this.#apply(evType, obj),
      deleteKey: (key) => {
        const old = this.#store.delete(key);
        if (old !== undefined) this.#dispatchDelete(old, false);
      },
      bookmark: (rv) => this.#store.setResourceVersion(rv),
    };
    this.#scope = snapshotScope(type, options);
    const resumeFrom =
      options.initialState !== undefined ? this.#restore(options.initialState) : undefined;
    this.#reflector = new Reflector<T>(client, type, sink, {
      namespace: options.namespace,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      pageSize: options.pageSize,
      prefetchPages: options.prefetchPages,
      metadataOnly: options.metadataOnly,
      streamingList: options.streamingList,
      streamingListTimeoutMs: options.streamingListTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
      watchTimeoutSeconds: options.watchTimeoutSeconds,
      validate: options.validate,
      transform: options.transform,
      clock: this.#clock,
      random: options.random,
      backoff: options.backoff,
      logger: this.#logger,
      onError: options.onError,
      stats: this.#stats,
      resumeFrom,
    });
  }

  get store(): StoreReader<T> {
    return this.#store;
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.#store.addIndexer(name, fn);
  }

  addEventHandler(handler: EventHandler<T>): EventHandlerRegistration {
    const entry: HandlerEntry<T> = { handler };
    // synthetic adds for what is cached: synchronous, so no event can slip in between
    if (handler.onAdd && this.#store.size > 0) {
      for (const obj of this.#store.list()) {
        this.#call(entry, "onAdd", obj, undefined, false, this.#addInfo(obj));
      }
    }
    if (handler.onDelete && this.#restoredDeletes.size > 0) {
      for (const [key, obj] of this.#restoredDeletes) {
        if (!this.#store.has(key)) {
          const dueAt = this.#dueAt.get(key);
          const attempts = this.#attempts.get(key);
          const info =
            dueAt === undefined && attempts === undefined
              ? RESTORED_DELETE
              : Object.freeze({
                  ...RESTORED_DELETE,
                  ...(dueAt !== undefined ? { dueAt } : {}),
                  ...(attempts !== undefined ? { attempts } : {}),
                });
          this.#call(entry, "onDelete", obj, undefined, true, info);
        }
      }
    }
    this.#handlers = [...this.#handlers, entry];
    return {
      remove: () => {
        this.#handlers = this.#handlers.filter((e) => e !== entry);
      },
    };
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (this.#stopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        this.#syncWaiters.delete(done);
        signal?.removeEventListener("abort", onAbort);
        resolve(ok);
      };
      const onAbort = (): void => done(false);
      this.#syncWaiters.add(done);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  lastSyncResourceVersion(): string | undefined {
    return this.#reflector.lastSyncResourceVersion();
  }

  lastError(): unknown {
    return this.#reflector.lastError();
  }

  stats(): InformerStats {
    return { ...this.#stats };
  }

  snapshot(options: SnapshotOptions<T> = {}): InformerSnapshot<T> | undefined {
    if (!this.#synced) return undefined;
    const resourceVersion = this.#reflector.lastSyncResourceVersion();
    if (!resourceVersion) return undefined;
    const snapshot: InformerSnapshot<T> = {
      format: INFORMER_SNAPSHOT_FORMAT,
      ...this.#scope,
      resourceVersion,
      objects: this.#store.list(),
    };
    const schema = this.#validatedWith();
    if (schema !== undefined) snapshot.schema = schema;
    const kept: string[] = [];
    if (options.pending !== undefined) {
      const pending = [...new Set(options.pending)].filter((k) => this.#store.has(k));
      if (pending.length > 0) snapshot.pending = pending;
      kept.push(...pending);
    }
    if (options.deleted !== undefined) {
      const deleted = [...options.deleted].filter((o) => !this.#store.has(this.#store.keyOf(o)));
      if (deleted.length > 0) snapshot.deleted = deleted;
      kept.push(...deleted.map((o) => this.#store.keyOf(o)));
    }
    const pendingDueAt = keptEntries(options.pendingDueAt, kept, Number.isFinite);
    if (pendingDueAt !== undefined) snapshot.pendingDueAt = pendingDueAt;
    const pendingAttempts = keptEntries(
      options.pendingAttempts,
      kept,
      (n) => Number.isSafeInteger(n) && n > 0,
    );
    if (pendingAttempts !== undefined) snapshot.pendingAttempts = pendingAttempts;
    return snapshot;
  }

  quietMs(): number | undefined {
    return this.#reflector.quietMs();
  }

  /**
   * Fill the cache from a checkpoint. Returns the resource version to resume
   * the watch from, or `undefined` when the informer must list (nothing
   * usable, or objects it cannot trust to be current).
   */
  #restore(snapshot: InformerSnapshot<T>): string | undefined {
    const kind = this.resourceType.kind;
    const verdict = checkSnapshot(snapshot, this.#scope);
    if (!verdict.ok && verdict.reason !== "scope") {
      this.#rejectCheckpoint(new CheckpointRejectedError(verdict.reason, verdict.message));
      return undefined;
    }
    const objects: T[] = [];
    let invalid = 0;
    // objects cached under the same schema passed it then: no need to validate them again
    const schema = this.#validatedWith();
    const trusted = schema !== undefined && snapshot.schema === schema;
    for (const raw of snapshot.objects) {
      const obj = this.#restoredObject(raw, trusted);
      if (obj === undefined) invalid++;
      else objects.push(obj);
    }
    const deleted = new Map<string, T>();
    for (const raw of snapshot.deleted ?? []) {
      const obj = this.#restoredObject(raw, trusted);
      if (obj === undefined) invalid++;
      else deleted.set(objectKey(obj), obj);
    }
    this.#store.replace(objects, snapshot.resourceVersion);
    for (const obj of this.#store.list()) this.#restored.add(obj);
    this.#pending = new Set(snapshot.pending ?? []);
    this.#dueAt = new Map(Object.entries(snapshot.pendingDueAt ?? {}));
    this.#attempts = new Map(Object.entries(snapshot.pendingAttempts ?? {}));
    this.#restoredDeletes = deleted;
    if (!verdict.ok) {
      this.#rejectCheckpoint(new CheckpointRejectedError(verdict.reason, verdict.message));
      return undefined;
    }
    if (invalid > 0) {
      this.#rejectCheckpoint(
        new CheckpointRejectedError("objects", `${invalid} object(s) failed validation or scope`),
      );
      return undefined;
    }
    this.#synced = true;
    this.#logger.info("informer restored from checkpoint", {
      kind,
      objects: this.#store.size,
      resourceVersion: snapshot.resourceVersion,
    });
    return snapshot.resourceVersion;
  }

  /** The fingerprint of the schema this informer validates with (`undefined`: it does not, or it has none). */
  #validatedWith(): string | undefined {
    if (this.#opts.validate === false || this.#opts.metadataOnly) return undefined;
    return schemaFingerprint(this.resourceType.schema);
  }

  /**
   * A restored object, if it is one this informer could hold; `undefined`
   * otherwise. `trusted`: it was validated with this informer's schema when
   * it was cached, so only its key and namespace are checked.
   */
  #restoredObject(raw: unknown, trusted: boolean): T | undefined {
    const meta = (raw as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
    if (typeof meta?.name !== "string" || meta.name === "") return undefined;
    const ns = this.#scope.namespace;
    if (ns !== undefined && meta.namespace !== ns) return undefined;
    if (trusted || this.#opts.validate === false || this.#opts.metadataOnly) return raw as T;
    const r = validate(this.resourceType.schema, raw);
    return r.success ? r.data : undefined;
  }

  #rejectCheckpoint(err: CheckpointRejectedError): void {
    this.#stats.errors++;
    this.#logger.warn("checkpoint not resumed from; listing", {
      kind: this.resourceType.kind,
      reason: err.reason,
      error: err.message,
    });
    try {
      this.#opts.onError?.(err, { phase: "checkpoint", kind: this.resourceType.kind });
    } catch (hookErr) {
      this.#logger.error("onError hook threw", {
        kind: this.resourceType.kind,
        error: describe(hookErr),
      });
    }
  }

  #addInfo(obj: T): AddInfo {
    if (!this.#restored.has(obj)) return LIVE_ADD;
    const key = this.#store.keyOf(obj);
    if (!this.#pending.has(key)) return RESTORED_ADD;
    const dueAt = this.#dueAt.get(key);
    const attempts = this.#attempts.get(key);
    if (dueAt === undefined && attempts === undefined) return RESTORED_PENDING_ADD;
    return {
      ...RESTORED_PENDING_ADD,
      ...(dueAt !== undefined ? { dueAt } : {}),
      ...(attempts !== undefined ? { attempts } : {}),
    };
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.#started)
      throw new Error(`informer for ${this.resourceType.kind} was already started`);
    this.#started = true;
    const period = this.#opts.resyncPeriodMs;
    const onAbort = (): void => {
      this.#resyncTimer?.cancel();
      this.#resyncTimer = undefined;
    };
    signal.addEventListener("abort", onAbort, { once: true });
    if (period !== undefined && period > 0 && !signal.aborted) this.#scheduleResync(period);
    try {
      await this.#reflector.run(signal);
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#resyncTimer?.cancel();
      this.#resyncTimer = undefined;
      this.#stopped = true;
      for (const w of [...this.#syncWaiters]) w(this.#synced);
    }
  }

  #scheduleResync(period: number): void {
    this.#resyncTimer = this.#clock.setTimer(() => {
      this.#resyncTimer = undefined;
      if (this.#stopped) return;
      if (this.#synced) {
        this.#stats.resyncs++;
        for (const obj of this.#store.list()) this.#dispatch("onUpdate", obj, obj);
      }
      this.#scheduleResync(period);
    }, period);
  }

  #replace(objects: T[], rv: string | undefined, invalidKeys: ReadonlySet<string>): void {
    if (invalidKeys.size > 0) {
      // keep the last valid version of objects that exist but now fail validation
      for (const key of invalidKeys) {
        const cached = this.#store.get(key);
        if (cached !== undefined) objects.push(cached);
      }
    }
    const result = this.#store.replace(objects, rv);
    if (this.#handlers.length > 0) {
      for (const obj of result.added) this.#dispatch("onAdd", obj);
      for (const u of result.updated) {
        if (isRecreated(u.oldObj, u.newObj)) {
          // deleted and recreated while we were not watching: the handlers saw
          // the old object, so it goes as a delete (final state unknown), then an add
          this.#dispatchDelete(u.oldObj, true);
          this.#dispatch("onAdd", u.newObj);
        } else this.#dispatch("onUpdate", u.oldObj, u.newObj);
      }
      for (const d of result.deleted) this.#dispatchDelete(d.object, true);
    }
    if (!this.#synced) {
      this.#synced = true;
      this.#logger.info("informer synced", {
        kind: this.resourceType.kind,
        objects: this.#store.size,
        resourceVersion: rv,
      });
      for (const w of [...this.#syncWaiters]) w(true);
    } else if (result.deleted.length > 0) {
      this.#logger.info("relist removed objects that vanished meanwhile", {
        kind: this.resourceType.kind,
        deleted: result.deleted.length,
      });
    }
  }

  #apply(type: "ADDED" | "MODIFIED" | "DELETED", obj: T): void {
    if (type === "DELETED") {
      this.#store.delete(obj);
      this.#dispatchDelete(obj, false);
      return;
    }
    const old = this.#store.update(obj);
    if (old === undefined) this.#dispatch("onAdd", obj);
    else this.#dispatch("onUpdate", old, obj);
  }

  #dispatch(method: "onAdd", obj: T): void;
  #dispatch(method: "onUpdate", oldObj: T, newObj: T): void;
  #dispatch(method: "onAdd" | "onUpdate", a: T, b?: T): void {
    for (const entry of this.#handlers) this.#call(entry, method, a, b, false, LIVE_ADD);
  }

  #dispatchDelete(obj: T, finalStateUnknown: boolean): void {
    for (const entry of this.#handlers)
      this.#call(entry, "onDelete", obj, undefined, finalStateUnknown);
  }

  #call(
    entry: HandlerEntry<T>,
    method: "onAdd" | "onUpdate" | "onDelete",
    a: T,
    b?: T,
    finalStateUnknown = false,
    info?: AddInfo | DeleteInfo,
  ): void {
    const h = entry.handler;
    try {
      if (method === "onAdd") h.onAdd?.(a, (info as AddInfo | undefined) ?? LIVE_ADD);
      else if (method === "onUpdate") h.onUpdate?.(a, b!);
      else h.onDelete?.(a, (info as DeleteInfo | undefined) ?? { finalStateUnknown });
    } catch (err) {
      const key = this.#store.keyOf(a);
      this.#stats.handlerErrors++;
      this.#stats.errors++;
      this.#logger.error(`event handler ${method} threw`, {
        kind: this.resourceType.kind,
        key,
        error: describe(err),
      });
      try {
        this.#opts.onError?.(err, { phase: "handler", kind: this.resourceType.kind, key });
      } catch (hookErr) {
        this.#logger.error("onError hook threw", {
          kind: this.resourceType.kind,
          error: describe(hookErr),
        });
      }
    }
  }
}

/**
 * Create an informer for one resource type (optionally one namespace and
 * selectors). Call `run(signal)` to start it.
 *
 * @example
 * ```ts
 * import { createInformer, KubeClient, Pods } from "kubeloop";
 * const informer = createInformer(new KubeClient({ server: "https://127.0.0.1:6443" }), Pods, {
 *   namespace: "default",
 *   resyncPeriodMs: 10 * 60_000,
 * });
 * ```
 */
export function createInformer<T extends KubernetesObject>(
  client: ListWatchClient,
  type: ResourceType<T>,
  options: InformerOptions<PartialObjectMetadata> & { metadataOnly: true },
): Informer<PartialObjectMetadata>;
/** Create an informer for one resource type; call `run(signal)` to start it. */
export function createInformer<T extends KubernetesObject>(
  client: ListWatchClient,
  type: ResourceType<T>,
  options?: InformerOptions<T>,
): Informer<T>;
export function createInformer<T extends KubernetesObject>(
  client: ListWatchClient,
  type: ResourceType<T>,
  options: InformerOptions<T> = {},
): Informer<T> {
  return new SharedInformer(client, type, options);
}

/** Both objects carry a `metadata.uid` and they differ: the name was deleted and recreated. */
function isRecreated(oldObj: KubernetesObject, newObj: KubernetesObject): boolean {
  const a = oldObj.metadata.uid;
  const b = newObj.metadata.uid;
  return a !== undefined && b !== undefined && a !== b;
}

/** The entries of `values` (a map or record) for `keys` that pass `valid`, or `undefined` if none. */
function keptEntries(
  values: ReadonlyMap<string, number> | Record<string, number> | undefined,
  keys: readonly string[],
  valid: (n: number) => boolean,
): Record<string, number> | undefined {
  if (values === undefined || keys.length === 0) return undefined;
  const entryOf = (k: string): number | undefined =>
    values instanceof Map
      ? values.get(k)
      : Object.hasOwn(values, k)
        ? (values as Record<string, number>)[k]
        : undefined;
  const out: Record<string, number> = {};
  let any = false;
  for (const k of keys) {
    const v = entryOf(k);
    if (typeof v === "number" && valid(v)) {
      out[k] = v;
      any = true;
    }
  }
  return any ? out : undefined;
}
