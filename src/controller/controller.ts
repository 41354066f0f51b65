/**
 * The controller loop: informer events → rate-limited work queue keyed by
 * object key → the resource's `upsert` / `delete` callbacks.
 *
 * @module
 */

import type { WorkQueueMetrics } from "../queue/metrics.ts";
import { defaultControllerRateLimiter, type RateLimiter } from "../queue/rate-limiters.ts";
import { RateLimitingQueue } from "../queue/rate-limiting.ts";
import { type KubernetesObject, objectKey } from "../resources/meta.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { type Logger, silentLogger } from "../util/logger.ts";
import {
  type ControllerInformer,
  isBackgrounder,
  type ReconcileContext,
  type ReconcileResult,
  type Resource,
} from "./resource.ts";

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
  /** Where to log (default: silent). Lines carry `controller`, `key`, `attempt`, `durationMs`. */
  logger?: Logger | undefined;
  /** How many keys are reconciled concurrently (default 1). One key is never processed twice at once. */
  workers?: number | undefined;
  /**
   * How many times a failing key is retried before it is dropped (default 5,
   * so at most 6 attempts). A later event for the key starts afresh.
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
  /** Name used in log lines (default: the informer's resource plural, or `"controller"`). */
  name?: string | undefined;
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

/**
 * Runs a {@link Resource}: watches its informer, queues changed keys, and
 * calls `upsert(key, latest)` while the object exists in the informer's cache
 * or `delete(key, lastKnown)` once it is gone.
 *
 * - The queue is keyed by the object key, so a burst of events for one
 *   object results in one reconcile of its latest state.
 * - Deleted objects: the delete event's object (unwrapped from a
 *   final-state-unknown tombstone) is kept beside the queue until the key is
 *   processed, so `delete` gets the last known state.
 * - Processing starts once the informer has synced.
 * - A throwing callback is retried through the rate limiter up to
 *   `maxRetries` times, then dropped (logged at error level and reported to
 *   `onError` with `dropped: true`). Success resets the key's backoff. A
 *   callback may return `{ requeueAfter: ms }` to be called again later.
 * - `run(signal)` resolves once `signal` aborts and the informer, all
 *   in-flight callbacks and the resource's backgrounder (if it implements
 *   {@link Backgrounder}) have finished. If the informer stops on its own,
 *   the controller shuts down the same way and `run` rejects with
 *   {@link InformerStoppedError}.
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
  readonly #name: string | undefined;
  #informer: ControllerInformer<T> | undefined;
  #running = false;

  /**
   * Create a controller (it does nothing until {@link Controller.run}).
   *
   * @throws {RangeError} if `workers` is not a positive integer or `maxRetries`
   *   is not a non-negative integer.
   */
  constructor(options: ControllerOptions<T>) {
    this.#resource = options.resource;
    this.#logger = options.logger ?? silentLogger;
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
    this.#name = options.name;
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

  /** Whether the informer has synced (its initial list is in the cache). */
  hasSynced(): boolean {
    return this.informer.hasSynced();
  }

  /** The informer's last synced resource version. */
  lastSyncResourceVersion(): string | undefined {
    return this.informer.lastSyncResourceVersion();
  }

  /**
   * Run until `signal` aborts. Resolves once the informer, the workers (with
   * their in-flight callbacks) and the backgrounder have stopped. Rejects
   * with {@link ControllerAlreadyRunningError} if already running, or with
   * {@link InformerStoppedError} (after the same orderly shutdown) if the
   * informer stopped while `signal` was not aborted.
   *
   * Each run calls `resource.informer()` once and runs that informer. A
   * `SharedInformer` runs only once, so to run a controller again after it
   * stopped, its resource must hand out a new informer.
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

  async #run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    // Once per run: a resource may hand out a fresh informer for each run
    // (a SharedInformer runs only once).
    const informer = this.#resource.informer();
    this.#informer = informer;
    const name = this.name;
    const log = this.#logger;
    const queue = new RateLimitingQueue<string>({
      clock: this.#clock,
      rateLimiter: this.#rateLimiter ?? defaultControllerRateLimiter<string>(this.#clock),
      metrics: this.#metrics,
    });
    const tombstones = new Map<string, T>();
    const inner = new AbortController();
    const stopped = new Promise<void>((resolve) =>
      inner.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    const registration = informer.addEventHandler({
      onAdd: (obj) => {
        const key = objectKey(obj);
        tombstones.delete(key);
        queue.add(key);
      },
      onUpdate: (_old, obj) => {
        const key = objectKey(obj);
        tombstones.delete(key);
        queue.add(key);
      },
      onDelete: (deleted, info) => {
        // kubeloop's informer hands over the last known object itself (with
        // info.finalStateUnknown); unwrap client-go style tombstones
        // ({ key, obj }) from other informers too.
        const { key, obj } = unwrapDeleted(deleted);
        if (info?.finalStateUnknown) {
          log.debug("delete with unknown final state", { controller: name, key });
        }
        tombstones.set(key, obj);
        queue.add(key);
      },
    });
    const onAbort = (): void => inner.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });

    let informerFailed = false;
    let informerError: unknown;
    const informerDone = (async () => {
      try {
        await informer.run(inner.signal);
      } catch (err) {
        informerError = err;
      }
      if (!inner.signal.aborted) {
        informerFailed = true;
        log.error("informer stopped; shutting the controller down", {
          controller: name,
          error: informerError,
        });
        inner.abort(new InformerStoppedError(name, informerError));
      }
    })();

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

    log.info("controller starting", { controller: name, workers: this.#workers });
    let synced = false;
    try {
      synced = await Promise.race([
        informer.waitForSync(inner.signal).catch(() => false),
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
        failures: new Map(),
        signal: inner.signal,
      };
      for (let i = 0; i < this.#workers; i++) workers.push(this.#worker(state));
    }

    await stopped;
    log.info("controller stopping", { controller: name });
    queue.shutDown();
    await Promise.all(workers);
    await informerDone;
    await backgrounderDone;
    registration.remove();
    signal.removeEventListener("abort", onAbort);
    log.info("controller stopped", { controller: name });
    if (informerFailed) throw new InformerStoppedError(name, informerError);
  }

  async #worker(state: RunState<T>): Promise<void> {
    const { queue } = state;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await this.#process(key, state);
      } finally {
        queue.done(key);
      }
    }
  }

  async #process(key: string, state: RunState<T>): Promise<void> {
    const { queue, informer, tombstones, failures } = state;
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
          return;
        }
        op = "delete";
        await this.#resource.delete(key, lastKnown, ctx);
      }
      if (lastKnown !== undefined && tombstones.get(key) === lastKnown) tombstones.delete(key);
      failures.delete(key);
      queue.forget(key);
      const requeueAfter = result?.requeueAfter;
      this.#logger.debug(`${op} done`, {
        controller: this.name,
        key,
        attempt,
        durationMs: this.#clock.now() - start,
        ...(requeueAfter !== undefined ? { requeueAfter } : {}),
      });
      if (typeof requeueAfter === "number" && requeueAfter >= 0) queue.addAfter(key, requeueAfter);
    } catch (err) {
      const durationMs = this.#clock.now() - start;
      const dropped = attempt > this.#maxRetries;
      if (dropped) {
        failures.delete(key);
        queue.forget(key);
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
        queue.addRateLimited(key);
        this.#logger.warn(`${op} failed; will retry`, {
          controller: this.name,
          key,
          attempt,
          durationMs,
          error: err,
        });
      }
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
