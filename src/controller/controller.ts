/**
 * The controller loop: informer events → rate-limited work queue keyed by
 * object key → the resource's `upsert` / `delete` callbacks.
 *
 * @module
 */

import { saveSnapshot } from "../cache/checkpoint.ts";
import type { InformerFactory } from "../cache/factory.ts";
import type { WorkQueueMetrics } from "../queue/metrics.ts";
import { defaultControllerRateLimiter, type RateLimiter } from "../queue/rate-limiters.ts";
import { RateLimitingQueue } from "../queue/rate-limiting.ts";
import { type KubernetesObject, objectKey } from "../resources/meta.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { defaultLogger, type Logger } from "../util/logger.ts";
import type { ControllerFilter } from "./filter.ts";
import type { ReconcileMetrics } from "./metrics.ts";
import {
  type ControllerInformer,
  isBackgrounder,
  type ReconcileContext,
  type ReconcileResult,
  type Resource,
} from "./resource.ts";
import {
  IdleTracker,
  type RunObserver,
  type RunUntilIdleOptions,
  type RunUntilIdleSummary,
} from "./run-until-idle.ts";
import { isInformerSource, type Trigger, type TriggerContext } from "./trigger.ts";

/**
 * What {@link ControllerOptions.onError} is told about a failed callback.
 *
 * @example
 * ```ts
 * import type { ControllerErrorInfo } from "kubeloop";
 * const onError = (err: unknown, { key, attempt, dropped }: ControllerErrorInfo) => {
 *   if (dropped) console.error(`giving up on ${key} after ${attempt} attempts`, err);
 * };
 * ```
 */
export interface ControllerErrorInfo {
  /** The object key whose callback threw. */
  key: string;
  /** Which attempt failed: 1 for the first try. */
  attempt: number;
  /** `true` when the key was given up on (retries exhausted); `false` when it will be retried. */
  dropped: boolean;
}

/**
 * Options for {@link Controller}.
 *
 * @example
 * ```ts
 * import {
 *   type ConfigMap, type ControllerOptions, consoleLogger, ItemExponentialRateLimiter, type Resource,
 * } from "kubeloop";
 * declare const resource: Resource<ConfigMap>;
 * const options: ControllerOptions<ConfigMap> = {
 *   resource,
 *   workers: 4,
 *   maxRetries: 10,
 *   rateLimiter: new ItemExponentialRateLimiter(100, 60_000),
 *   logger: consoleLogger("info"),
 *   onError: (err, info) => console.warn("reconcile failed", info, err),
 * };
 * ```
 */
export interface ControllerOptions<T extends KubernetesObject> {
  /** The informer and callbacks to run. */
  resource: Resource<T>;
  /** Where to log (default: `defaultLogger`, warnings and errors to the console). Lines carry `controller`, `key`, `attempt`, `durationMs`. */
  logger?: Logger | undefined;
  /** How many keys are reconciled concurrently (default 1). One key is never processed twice at once. */
  workers?: number | undefined;
  /**
   * How many times a failing key is retried before it is dropped (default 5, so at most 6 attempts;
   * events meanwhile do not reset the count). Once dropped, a later event for the key starts afresh.
   */
  maxRetries?: number | undefined;
  /** Delay between retries (default: {@link defaultControllerRateLimiter} on `clock`). */
  rateLimiter?: RateLimiter<string> | undefined;
  /** Clock for retry delays, `requeueAfter` and durations (default: the real clock). */
  clock?: Clock | undefined;
  /** Called when a callback throws, after the retry decision is made. Must not throw. */
  onError?: ((err: unknown, info: ControllerErrorInfo) => void) | undefined;
  /** Work-queue metrics hooks (default: none). */
  metrics?: WorkQueueMetrics | undefined;
  /** Reconcile metrics hooks (default: none). */
  reconcileMetrics?: ReconcileMetrics | undefined;
  /** Name used in log lines and metrics (default: the informer's resource plural, or `"controller"`). */
  name?: string | undefined;
  /**
   * Related kinds whose changes reconcile primary objects: {@link owns},
   * {@link watches}, or any {@link Trigger}. The primary resource is a
   * trigger too (each object maps to its own key).
   */
  triggers?: readonly Trigger[] | undefined;
  /**
   * Where triggers that name a kind get their informers. The factory runs
   * its informers; the controller only attaches handlers and waits for
   * their sync (start the factory yourself, or let a `Manager` do it).
   * Informers the controller was handed that no factory owns, it runs itself.
   */
  factory?: InformerFactory | undefined;
  /** Which primary keys to process (see {@link ControllerFilter}); a plain function works too. */
  filter?: ControllerFilter | ((key: string) => boolean) | undefined;
  /**
   * Reconcile every object an informer restored from a checkpoint (default
   * false: a checkpoint records work that was done, so only the keys it marks
   * pending are reconciled, plus whatever changed since).
   */
  reconcileRestored?: boolean | undefined;
}

/**
 * `run` was called while a previous `run` of the same controller had not
 * finished yet.
 *
 * @example
 * ```ts
 * import { ControllerAlreadyRunningError, type Controller, type ConfigMap } from "kubeloop";
 * declare const controller: Controller<ConfigMap>;
 * try {
 *   await controller.run(AbortSignal.timeout(60_000));
 * } catch (err) {
 *   if (err instanceof ControllerAlreadyRunningError) console.log("already running");
 * }
 * ```
 */
export class ControllerAlreadyRunningError extends Error {
  /** Always `"ControllerAlreadyRunningError"`. */
  override readonly name = "ControllerAlreadyRunningError";
  /**
   * Create the error.
   *
   * @param controller the controller's name, used in the message.
   */
  constructor(controller: string) {
    super(`controller ${controller} is already running`);
  }
}

/**
 * The informer's `run` ended (or failed) while the controller had not been
 * asked to stop; the controller shut down and `run` rejects with this error.
 * `cause` holds the informer's error, if it failed.
 *
 * @example
 * ```ts
 * import { InformerStoppedError, type Controller, type ConfigMap } from "kubeloop";
 * declare const controller: Controller<ConfigMap>;
 * const stop = new AbortController();
 * try {
 *   await controller.run(stop.signal);
 * } catch (err) {
 *   if (err instanceof InformerStoppedError) console.error("informer died", err.cause);
 * }
 * ```
 */
export class InformerStoppedError extends Error {
  /** Always `"InformerStoppedError"`. */
  override readonly name = "InformerStoppedError";
  /**
   * Create the error.
   *
   * @param controller the controller's name, used in the message.
   * @param cause the informer's error, if it failed; kept as `cause`.
   */
  constructor(controller: string, cause?: unknown) {
    super(
      `informer of controller ${controller} stopped${
        cause === undefined ? "" : `: ${cause instanceof Error ? cause.message : String(cause)}`
      }`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/**
 * A trigger names a kind, but the controller has no `factory` to get an
 * informer for it from.
 *
 * @example
 * ```ts
 * import { Controller, Deployments, MissingFactoryError, newResource, owns, type ConfigMap, type ControllerInformer } from "kubeloop";
 * declare const informer: ControllerInformer<ConfigMap>;
 * try {
 *   new Controller({ resource: newResource(informer, () => {}, () => {}), triggers: [owns(Deployments)] });
 * } catch (err) {
 *   if (err instanceof MissingFactoryError) console.log("pass factory: ... (or use a Manager)");
 * }
 * ```
 */
export class MissingFactoryError extends TypeError {
  /** Always `"MissingFactoryError"`. */
  override readonly name = "MissingFactoryError";
  /**
   * Create the error.
   *
   * @param trigger the trigger's name, used in the message.
   */
  constructor(trigger: string) {
    super(
      `trigger "${trigger}" names a kind, but the controller has no factory: pass \`factory\` (a Manager does) or an informer`,
    );
  }
}

/** The key and object of a deleted object, unwrapping a `{ key, obj }` tombstone. */
function unwrapDeleted<T extends KubernetesObject>(deleted: T): { key: string; obj: T } {
  const d = deleted as unknown as { metadata?: unknown; key?: unknown; obj?: unknown };
  if (d.metadata === undefined && d.obj !== null && typeof d.obj === "object") {
    const obj = d.obj as T;
    return { key: typeof d.key === "string" ? d.key : objectKey(obj), obj };
  }
  return { key: objectKey(deleted), obj: deleted };
}

interface RunState<T> {
  readonly queue: RateLimitingQueue<string>;
  readonly informer: ControllerInformer<T & KubernetesObject>;
  /** Last known object of keys deleted and not yet processed. */
  readonly tombstones: Map<string, T>;
  /** Failed attempts per key since its last success (drives maxRetries). */
  readonly failures: Map<string, number>;
  readonly signal: AbortSignal;
}

/** One trigger, resolved for a run: its informer and map. */
interface Source {
  readonly name: string;
  readonly informer: ControllerInformer<KubernetesObject>;
  /** `undefined` for the primary resource (the object's own key). */
  readonly map: Trigger["map"] | undefined;
}

/**
 * Runs a {@link Resource}: watches its informer (and the informers of its
 * {@link Trigger}s), queues changed keys, and calls `upsert(key, latest)`
 * while the object exists in the informer's cache or `delete(key,
 * lastKnown)` once it is gone.
 *
 * - The queue is keyed by the object key, so a burst of events for one
 *   object results in one reconcile of its latest state.
 * - Related kinds enter as triggers ({@link owns}, {@link watches}): an
 *   informer plus a map from object to primary keys. The primary resource is
 *   the trigger that maps an object to its own key.
 * - Deleted objects: the delete event's object (unwrapped from a
 *   final-state-unknown tombstone) is kept beside the queue until the key is
 *   processed, so `delete` gets the last known state.
 * - Processing starts once every informer (primary and triggers) has synced.
 * - A `filter` decides which keys this controller processes (sharding uses it).
 * - One owner runs informers: informers of the `factory` are run by the
 *   factory; the controller runs only the informers it was handed that no
 *   factory owns.
 * - A throwing callback is retried through the rate limiter up to
 *   `maxRetries` times, then dropped (logged at error level and reported to
 *   `onError` with `dropped: true`). Success resets the key's backoff. A
 *   callback may return `{ requeueAfter: ms }` to be called again later.
 * - `run(signal)` resolves once `signal` aborts and the informers it runs,
 *   all in-flight callbacks and the resource's backgrounder (if it
 *   implements {@link Backgrounder}) have finished. If an informer it runs
 *   stops on its own, the controller shuts down the same way and `run`
 *   rejects with {@link InformerStoppedError}.
 *
 * @example
 * ```ts
 * import { Controller, newResource, type ConfigMap, type ControllerInformer } from "kubeloop";
 * declare const informer: ControllerInformer<ConfigMap>;
 * const controller = new Controller({
 *   resource: newResource(
 *     informer,
 *     async (key, cm) => { console.log("reconcile", key, cm.data); },
 *     async (key) => { console.log("cleanup", key); },
 *   ),
 *   workers: 4,
 * });
 * const stop = new AbortController();
 * const done = controller.run(stop.signal);
 * // ... later
 * stop.abort();
 * await done;
 * ```
 */
export class Controller<T extends KubernetesObject> {
  readonly #resource: Resource<T>;
  readonly #logger: Logger;
  readonly #workers: number;
  readonly #maxRetries: number;
  readonly #rateLimiter: RateLimiter<string> | undefined;
  readonly #clock: Clock;
  readonly #onError: ((err: unknown, info: ControllerErrorInfo) => void) | undefined;
  readonly #metrics: WorkQueueMetrics | undefined;
  readonly #reconcileMetrics: ReconcileMetrics | undefined;
  readonly #name: string | undefined;
  readonly #triggers: readonly Trigger[];
  readonly #factory: InformerFactory | undefined;
  readonly #filter: ControllerFilter | undefined;
  readonly #reconcileRestored: boolean;
  #informer: ControllerInformer<T> | undefined;
  #sources: Source[] | undefined;
  #running = false;
  #busy = 0;

  /**
   * Create a controller (it does nothing until {@link Controller.run}).
   *
   * @throws {RangeError} if `workers` is not a positive integer or `maxRetries`
   *   is not a non-negative integer.
   * @throws {MissingFactoryError} if a trigger names a kind and there is no `factory`.
   */
  constructor(options: ControllerOptions<T>) {
    this.#resource = options.resource;
    this.#logger = options.logger ?? defaultLogger;
    this.#workers = options.workers ?? 1;
    this.#maxRetries = options.maxRetries ?? 5;
    if (!Number.isInteger(this.#workers) || this.#workers < 1) {
      throw new RangeError(`workers must be a positive integer (got ${options.workers})`);
    }
    if (!Number.isInteger(this.#maxRetries) || this.#maxRetries < 0) {
      throw new RangeError(`maxRetries must be a non-negative integer (got ${options.maxRetries})`);
    }
    this.#rateLimiter = options.rateLimiter;
    this.#clock = options.clock ?? realClock;
    this.#onError = options.onError;
    this.#metrics = options.metrics;
    this.#reconcileMetrics = options.reconcileMetrics;
    this.#name = options.name;
    this.#triggers = [...(options.triggers ?? [])];
    this.#factory = options.factory;
    const filter = options.filter;
    this.#filter = typeof filter === "function" ? { accepts: filter } : filter;
    this.#reconcileRestored = options.reconcileRestored ?? false;
    for (const t of this.#triggers) {
      if (!isInformerSource(t.source) && this.#factory === undefined) {
        throw new MissingFactoryError(t.name);
      }
    }
  }

  /**
   * The resource's informer: obtained from `resource.informer()` at the start
   * of each `run` (or on first use before that).
   */
  get informer(): ControllerInformer<T> {
    this.#informer ??= this.#resource.informer();
    return this.#informer;
  }

  /** The name used in log lines. */
  get name(): string {
    return this.#name ?? this.informer.resourceType?.plural ?? "controller";
  }

  /** Whether a `run` is in progress. */
  get running(): boolean {
    return this.#running;
  }

  /** The triggers besides the primary resource, as configured. */
  get triggers(): readonly Trigger[] {
    return this.#triggers;
  }

  /**
   * Whether every informer has synced: the primary's and, once a run has
   * resolved them, the triggers'.
   */
  hasSynced(): boolean {
    const sources = this.#sources;
    if (sources === undefined) return this.informer.hasSynced();
    return sources.every((s) => s.informer.hasSynced());
  }

  /**
   * Resolve `true` once every informer of the current (or next) run has
   * synced, `false` if `signal` aborts or an informer stops first.
   */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const sources = this.#sources ?? this.#resolve(this.informer);
    const results = await Promise.all(sources.map((s) => s.informer.waitForSync(signal)));
    return results.every(Boolean);
  }

  /** The primary informer's last synced resource version. */
  lastSyncResourceVersion(): string | undefined {
    return this.informer.lastSyncResourceVersion();
  }

  /**
   * Run until `signal` aborts. Resolves once the informers it runs, the
   * workers (with their in-flight callbacks) and the backgrounder have
   * stopped. Rejects with {@link ControllerAlreadyRunningError} if already
   * running, or with {@link InformerStoppedError} (after the same orderly
   * shutdown) if an informer it runs stopped while `signal` was not aborted.
   *
   * Each run calls `resource.informer()` once and runs that informer (unless
   * the `factory` owns it). A `SharedInformer` runs only once, so to run a
   * controller again after it stopped, its resource must hand out a new
   * informer, or take it from a factory.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new ControllerAlreadyRunningError(this.name);
    this.#running = true;
    try {
      await this.#run(signal);
    } finally {
      this.#running = false;
    }
  }

  /** The primary source plus one source per trigger, informers resolved. */
  #resolve(primary: ControllerInformer<T>): Source[] {
    const sources: Source[] = [
      {
        name: "primary",
        informer: primary as unknown as ControllerInformer<KubernetesObject>,
        map: undefined,
      },
    ];
    for (const t of this.#triggers) {
      let informer: ControllerInformer<KubernetesObject>;
      if (isInformerSource(t.source)) informer = t.source;
      else {
        const factory = this.#factory;
        if (factory === undefined) throw new MissingFactoryError(t.name);
        informer = factory.informer(t.source.type, t.source.options ?? {});
      }
      sources.push({ name: t.name, informer, map: (obj, ctx) => t.map(obj, ctx) });
    }
    return sources;
  }

  /** Whether the controller's factory runs `informer` (then the controller must not). */
  #factoryRuns(informer: ControllerInformer<KubernetesObject>): boolean {
    const factory = this.#factory;
    return factory !== undefined && (factory.informers() as readonly object[]).includes(informer);
  }

  /**
   * Catch up and stop, for cron-style and serverless runs: start the
   * informers (resuming from a checkpoint when the primary informer was
   * created with `initialState`), follow the watches until every one is
   * connected and quiet for `settleMs`, and reconcile until nothing is
   * queued or in flight (delayed retries and `requeueAfter` keys may wait).
   * Then stop, checkpoint the primary informer (with the unfinished keys, so
   * the next run retries them) and return what happened.
   *
   * Objects restored from a checkpoint are not reconciled again unless it
   * marks them pending (or `reconcileRestored` is set). Like `run`, each call
   * needs an informer that has not run yet: create the controller (or have
   * the resource hand out a new informer) per call.
   *
   * @example
   * ```ts
   * import { Controller, createInformer, ConfigMaps, loadSnapshot, newResource, type CheckpointStore, type ConfigMap, type KubeClient } from "kubeloop";
   * declare const client: KubeClient;
   * declare const store: CheckpointStore;
   * const informer = createInformer(client, ConfigMaps, { initialState: await loadSnapshot<ConfigMap>(store, "cms") });
   * const controller = new Controller({
   *   resource: newResource(
   *     informer,
   *     async (key) => console.log("reconcile", key),
   *     async (key) => console.log("clean up", key),
   *   ),
   * });
   * const summary = await controller.runUntilIdle({ maxMs: 20_000, checkpoint: { store, key: "cms" } });
   * console.log(summary.stoppedBy, summary.reconciled, summary.pending);
   * ```
   */
  async runUntilIdle(options: RunUntilIdleOptions = {}): Promise<RunUntilIdleSummary<T>> {
    if (this.#running) throw new ControllerAlreadyRunningError(this.name);
    this.#running = true;
    const clock = this.#clock;
    const started = clock.now();
    const stop = new AbortController();
    const user = options.signal;
    let stoppedBy: RunUntilIdleSummary<T>["stoppedBy"] = "idle";
    const onUserAbort = (): void => {
      stoppedBy = "signal";
      stop.abort(user?.reason);
    };
    if (user?.aborted) onUserAbort();
    user?.addEventListener("abort", onUserAbort, { once: true });
    const timer = clock.setTimer(() => {
      stoppedBy = "timeout";
      stop.abort(new Error("runUntilIdle: maxMs passed"));
    }, options.maxMs ?? 60_000);
    const tracker = new IdleTracker(clock, options.settleMs ?? 1000);
    let restored = false;
    try {
      await this.#run(stop.signal, tracker, (informer) => {
        restored = informer.hasSynced();
      });
    } finally {
      timer.cancel();
      user?.removeEventListener("abort", onUserAbort);
      this.#running = false;
    }
    const informer = this.informer;
    const pending = [...tracker.unfinished];
    const deleted: T[] = [];
    for (const key of pending) {
      const obj = tracker.tombstones.get(key);
      if (obj !== undefined && informer.store.get(key) === undefined) deleted.push(obj as T);
    }
    const pendingDueAt = new Map<string, number>();
    for (const key of pending) {
      const at = tracker.dueAt.get(key);
      if (at !== undefined) pendingDueAt.set(key, at);
    }
    const pendingAttempts = new Map<string, number>();
    for (const key of pending) {
      const n = tracker.attempts.get(key);
      if (n !== undefined) pendingAttempts.set(key, n);
    }
    const snapshot = informer.snapshot?.({ pending, deleted, pendingDueAt, pendingAttempts });
    let checkpointed = false;
    if (snapshot !== undefined && options.checkpoint !== undefined) {
      await saveSnapshot(options.checkpoint.store, options.checkpoint.key, snapshot);
      checkpointed = true;
    }
    const lists = (informer as { stats?: () => { lists?: number } }).stats?.().lists;
    const summary: RunUntilIdleSummary<T> = {
      stoppedBy: tracker.idle ? "idle" : stoppedBy === "idle" ? "signal" : stoppedBy,
      synced: this.hasSynced(),
      resumedWithoutList: restored && lists === 0,
      reconciled: tracker.reconciled,
      failures: tracker.failures,
      pending,
      nextDueAt: tracker.nextDueAt(clock.now()),
      resourceVersion: informer.lastSyncResourceVersion(),
      snapshot,
      checkpointed,
      durationMs: clock.now() - started,
    };
    this.#logger.info("controller run until idle done", {
      controller: this.name,
      stoppedBy: summary.stoppedBy,
      reconciled: summary.reconciled.length,
      failures: summary.failures.length,
      pending: summary.pending.length,
      nextDueAt: summary.nextDueAt,
      resourceVersion: summary.resourceVersion,
    });
    return summary;
  }

  async #run(
    signal: AbortSignal,
    observer?: RunObserver,
    beforeStart?: (informer: ControllerInformer<T>) => void,
  ): Promise<void> {
    if (signal.aborted) return;
    // Once per run: a resource may hand out a fresh informer for each run
    // (a SharedInformer runs only once).
    const informer = this.#resource.informer();
    this.#informer = informer;
    beforeStart?.(informer);
    const sources = this.#resolve(informer);
    this.#sources = sources;
    const name = this.name;
    const log = this.#logger;
    const filter = this.#filter;
    const queue = new RateLimitingQueue<string>({
      clock: this.#clock,
      rateLimiter: this.#rateLimiter ?? defaultControllerRateLimiter<string>(this.#clock),
      metrics: this.#metrics,
    });
    const tombstones = new Map<string, T>();
    // Failed attempts per key since its last success; a checkpoint's counts seed it.
    const failures = new Map<string, number>();
    const inner = new AbortController();
    const stopped = new Promise<void>((resolve) =>
      inner.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    // Keys the filter accepted when last asked (only kept when it can change its mind).
    const accepted = filter?.subscribe ? new Set<string>() : undefined;
    /**
     * Queue `key` at once, or (`dueAt`, epoch ms: a restored delayed key) then.
     * `attempts`: a restored failing key's failed attempts, so its retries
     * continue (attempt numbers, backoff, maxRetries) instead of starting over.
     */
    const enqueue = (key: string, dueAt?: number, attempts?: number): void => {
      if (filter !== undefined) {
        let ok: boolean;
        try {
          ok = filter.accepts(key);
        } catch (err) {
          log.error("filter threw; key skipped", { controller: name, key, error: err });
          return;
        }
        if (!ok) {
          accepted?.delete(key);
          return;
        }
        accepted?.add(key);
      }
      if (attempts !== undefined && attempts > 0 && !failures.has(key)) {
        failures.set(key, attempts);
        queue.restoreRequeues(key, attempts);
      }
      const delay = dueAt === undefined ? 0 : dueAt - this.#clock.now();
      if (delay > 0) {
        observer?.enqueued(key, dueAt, attempts);
        queue.addAfter(key, delay);
      } else {
        observer?.enqueued(key, undefined, attempts);
        queue.add(key);
      }
    };
    // A checkpoint records work done: restored objects are reconciled only when it marks them pending.
    const skipRestored = (
      info: { fromCheckpoint: boolean; pending?: boolean | undefined } | undefined,
    ) => info?.fromCheckpoint === true && info.pending !== true && !this.#reconcileRestored;
    // A restored pending key that was waiting (requeueAfter, retry) keeps its due time.
    const restoredDueAt = (
      info: { pending?: boolean | undefined; dueAt?: number | undefined } | undefined,
    ): number | undefined => (info?.pending === true ? info.dueAt : undefined);
    // ... and how often it had failed.
    const restoredAttempts = (
      info: { pending?: boolean | undefined; attempts?: number | undefined } | undefined,
    ): number | undefined => (info?.pending === true ? info.attempts : undefined);
    const ctx: TriggerContext = {
      primary: informer.resourceType as TriggerContext["primary"],
    };
    const mapped = (source: Source, obj: KubernetesObject): readonly string[] => {
      try {
        return source.map!(obj, ctx);
      } catch (err) {
        log.error("trigger map threw; event skipped", {
          controller: name,
          trigger: source.name,
          error: err,
        });
        return [];
      }
    };
    const registrations = sources.map((source) => {
      if (source.map === undefined) {
        return source.informer.addEventHandler({
          onAdd: (obj, info) => {
            const key = objectKey(obj);
            tombstones.delete(key);
            if (skipRestored(info)) return;
            enqueue(key, restoredDueAt(info), restoredAttempts(info));
          },
          onUpdate: (_old, obj) => {
            const key = objectKey(obj);
            tombstones.delete(key);
            enqueue(key);
          },
          onDelete: (deleted, info) => {
            // kubeloop's informer hands over the last known object itself (with
            // info.finalStateUnknown); unwrap client-go style tombstones
            // ({ key, obj }) from other informers too.
            const { key, obj } = unwrapDeleted(deleted);
            if (info?.finalStateUnknown) {
              log.debug("delete with unknown final state", { controller: name, key });
            }
            tombstones.set(key, obj as unknown as T);
            accepted?.delete(key);
            enqueue(key, info?.dueAt, info?.attempts);
          },
        });
      }
      return source.informer.addEventHandler({
        onAdd: (obj, info) => {
          if (info?.fromCheckpoint === true && !this.#reconcileRestored) return;
          for (const key of mapped(source, obj)) enqueue(key);
        },
        onUpdate: (oldObj, obj) => {
          const keys = new Set([...mapped(source, oldObj), ...mapped(source, obj)]);
          for (const key of keys) enqueue(key);
        },
        onDelete: (deleted) => {
          for (const key of mapped(source, unwrapDeleted(deleted).obj)) enqueue(key);
        },
      });
    });
    // A filter that changes its mind: queue the cached primary keys it now accepts.
    const unsubscribe = filter?.subscribe?.(() => {
      if (accepted === undefined) return;
      for (const key of [...accepted]) {
        if (!safeAccepts(filter, key)) accepted.delete(key);
      }
      for (const key of informer.store.keys()) {
        if (accepted.has(key) || !safeAccepts(filter, key)) continue;
        accepted.add(key);
        observer?.enqueued(key);
        queue.add(key);
      }
    });
    const onAbort = (): void => inner.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });

    // One owner runs informers: the factory runs its own, the controller the rest (once each).
    const toRun = [...new Set(sources.map((s) => s.informer))].filter((i) => !this.#factoryRuns(i));
    let informerFailed = false;
    let informerError: unknown;
    const informersDone = Promise.all(
      toRun.map(async (i) => {
        let error: unknown;
        try {
          await i.run(inner.signal);
        } catch (err) {
          error = err;
        }
        if (!inner.signal.aborted) {
          informerFailed = true;
          informerError = error;
          log.error("informer stopped; shutting the controller down", {
            controller: name,
            kind: i.resourceType?.kind,
            error,
          });
          inner.abort(new InformerStoppedError(name, error));
        }
      }),
    );

    const resource = this.#resource;
    const backgrounderDone = isBackgrounder(resource)
      ? (async () => {
          try {
            await resource.run(inner.signal);
          } catch (err) {
            if (!inner.signal.aborted)
              log.error("backgrounder failed", { controller: name, error: err });
          }
        })()
      : Promise.resolve();

    log.info("controller starting", {
      controller: name,
      workers: this.#workers,
      ...(this.#triggers.length > 0 ? { triggers: this.#triggers.map((t) => t.name) } : {}),
    });
    let synced = false;
    try {
      synced = await Promise.race([
        Promise.all(sources.map((s) => s.informer.waitForSync(inner.signal)))
          .then((r) => r.every(Boolean))
          .catch(() => false),
        stopped.then(() => false),
      ]);
    } catch {
      synced = false;
    }

    const workers: Promise<void>[] = [];
    if (synced && !inner.signal.aborted) {
      log.info("controller synced; processing", {
        controller: name,
        resourceVersion: informer.lastSyncResourceVersion(),
      });
      const state: RunState<T> = {
        queue,
        informer,
        tombstones,
        failures,
        signal: inner.signal,
      };
      for (let i = 0; i < this.#workers; i++) workers.push(this.#worker(state, observer));
      observer?.started({
        queue,
        informers: sources.map((s) => s.informer),
        tombstones: tombstones as ReadonlyMap<string, KubernetesObject>,
        signal: inner.signal,
        stop: () => inner.abort(new Error("idle")),
      });
    }

    await stopped;
    log.info("controller stopping", { controller: name });
    queue.shutDown();
    await Promise.all(workers);
    await informersDone;
    await backgrounderDone;
    unsubscribe?.();
    for (const r of registrations) r.remove();
    signal.removeEventListener("abort", onAbort);
    log.info("controller stopped", { controller: name });
    if (informerFailed) throw new InformerStoppedError(name, informerError);
  }

  async #worker(state: RunState<T>, observer: RunObserver | undefined): Promise<void> {
    const { queue } = state;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      this.#reconcileMetrics?.activeWorkers(++this.#busy);
      try {
        await this.#process(key, state, observer);
      } finally {
        this.#reconcileMetrics?.activeWorkers(--this.#busy);
        queue.done(key);
      }
    }
  }

  async #process(key: string, state: RunState<T>, observer?: RunObserver): Promise<void> {
    const { queue, informer, tombstones, failures } = state;
    if (this.#filter !== undefined && !safeAccepts(this.#filter, key)) {
      observer?.skipped(key);
      // handed over to someone else while queued
      this.#logger.debug("key no longer accepted by the filter; skipped", {
        controller: this.name,
        key,
      });
      failures.delete(key);
      queue.forget(key);
      return;
    }
    const attempt = (failures.get(key) ?? 0) + 1;
    const ctx: ReconcileContext = { signal: state.signal, attempt };
    const start = this.#clock.now();
    let op: "upsert" | "delete" = "upsert";
    let lastKnown: T | undefined;
    try {
      const latest = informer.store.get(key);
      // biome-ignore lint/suspicious/noConfusingVoidType: what upsert may return
      let result: void | ReconcileResult | undefined;
      if (latest !== undefined) {
        result = await this.#resource.upsert(key, latest, ctx);
      } else {
        lastKnown = tombstones.get(key);
        if (lastKnown === undefined) {
          this.#logger.debug("key gone with no known object; nothing to do", {
            controller: this.name,
            key,
          });
          failures.delete(key);
          queue.forget(key);
          observer?.skipped(key);
          return;
        }
        op = "delete";
        await this.#resource.delete(key, lastKnown, ctx);
      }
      if (lastKnown !== undefined && tombstones.get(key) === lastKnown) tombstones.delete(key);
      failures.delete(key);
      queue.forget(key);
      const requeueAfter = result?.requeueAfter;
      const durationMs = this.#clock.now() - start;
      this.#logger.debug(`${op} done`, {
        controller: this.name,
        key,
        attempt,
        durationMs,
        ...(requeueAfter !== undefined ? { requeueAfter } : {}),
      });
      const requeue = typeof requeueAfter === "number" && requeueAfter >= 0;
      this.#reconcileMetrics?.reconcile(
        !requeue ? "success" : requeueAfter === 0 ? "requeue" : "requeue_after",
        durationMs,
      );
      if (requeue) queue.addAfter(key, requeueAfter);
      observer?.succeeded(key, requeue ? this.#clock.now() + requeueAfter : undefined);
    } catch (err) {
      if (state.signal.aborted) {
        // The run is stopping and `ctx.signal` cut the callback short: that is not a failure of the
        // key. It stays unfinished (a runUntilIdle checkpoint keeps it pending, with any earlier
        // attempts) and is reconciled by the next run.
        this.#logger.debug(`${op} interrupted by stop`, {
          controller: this.name,
          key,
          attempt,
          error: err,
        });
        return;
      }
      const durationMs = this.#clock.now() - start;
      this.#reconcileMetrics?.reconcile("error", durationMs);
      const dropped = attempt > this.#maxRetries;
      let retryDueAt: number | undefined;
      if (dropped) {
        failures.delete(key);
        queue.forget(key);
        this.#reconcileMetrics?.dropped();
        if (lastKnown !== undefined && tombstones.get(key) === lastKnown) tombstones.delete(key);
        this.#logger.error(`${op} failed; giving up on key`, {
          controller: this.name,
          key,
          attempt,
          durationMs,
          error: err,
        });
      } else {
        failures.set(key, attempt);
        const delay = queue.addRateLimited(key);
        if (delay !== undefined) retryDueAt = this.#clock.now() + delay;
        this.#logger.warn(`${op} failed; will retry`, {
          controller: this.name,
          key,
          attempt,
          durationMs,
          error: err,
        });
      }
      observer?.failed(key, attempt, dropped, err, retryDueAt);
      if (this.#onError !== undefined) {
        try {
          this.#onError(err, { key, attempt, dropped });
        } catch (hookErr) {
          this.#logger.error("onError hook threw", { controller: this.name, key, error: hookErr });
        }
      }
    }
  }
}

function safeAccepts(filter: ControllerFilter, key: string): boolean {
  try {
    return filter.accepts(key);
  } catch {
    return false;
  }
}
