/**
 * Catch up and stop: what `controller.runUntilIdle()` takes and returns, and
 * the tracker that decides when a run is idle (every watch connected and
 * quiet, nothing queued or in flight, only delayed retries left) and records
 * what it did.
 *
 * It is for cron-style and serverless runs (a Cloudflare Durable Object
 * alarm, a CLI, a CI job): resume from a checkpoint or sync, follow the
 * watches until they are current, reconcile until the queue is empty, then
 * checkpoint and return a summary.
 *
 * @module
 */
import type { CheckpointStore, InformerSnapshot } from "../cache/checkpoint.ts";
import type { RateLimitingQueue } from "../queue/rate-limiting.ts";
import type { KubernetesObject } from "../resources/meta.ts";
import type { Clock } from "../util/clock.ts";
import type { ControllerInformer } from "./resource.ts";

/**
 * Options of `controller.runUntilIdle()`.
 *
 * @example
 * ```ts
 * import { MemoryCheckpointStore, type RunUntilIdleOptions } from "kubeloop";
 * const options: RunUntilIdleOptions = {
 *   maxMs: 20_000,
 *   settleMs: 500,
 *   checkpoint: { store: new MemoryCheckpointStore(), key: "configmaps" },
 * };
 * ```
 */
export interface RunUntilIdleOptions {
  /** Stop early when this aborts (the summary then says `stoppedBy: "signal"`). */
  signal?: AbortSignal | undefined;
  /** Stop after this long (ms, on the controller's clock) even if not idle (default 60 000). */
  maxMs?: number | undefined;
  /**
   * How long every watch must have been connected and quiet, and the last
   * reconcile done, before the run counts as current (ms, default 1000). A
   * watch sends everything that happened before it started right away.
   */
  settleMs?: number | undefined;
  /** Write the primary informer's snapshot (with the unfinished keys) here at the end. */
  checkpoint?: { store: CheckpointStore; key: string } | undefined;
}

/**
 * A callback that failed during a run.
 *
 * @example
 * ```ts
 * import type { ReconcileFailure } from "kubeloop";
 * const line = (f: ReconcileFailure) => `${f.key} (attempt ${f.attempt}${f.dropped ? ", dropped" : ""})`;
 * ```
 */
export interface ReconcileFailure {
  /** The key. */
  key: string;
  /** Which attempt failed (1 for the first). */
  attempt: number;
  /** The key was given up on (retries exhausted). */
  dropped: boolean;
  /** What the callback threw. */
  error: unknown;
}

/**
 * What `controller.runUntilIdle()` did.
 *
 * @example
 * ```ts
 * import type { ConfigMap, Controller, RunUntilIdleSummary } from "kubeloop";
 * declare const controller: Controller<ConfigMap>;
 * const summary: RunUntilIdleSummary<ConfigMap> = await controller.runUntilIdle({ maxMs: 20_000 });
 * console.log(summary.stoppedBy, summary.reconciled, summary.pending, summary.resourceVersion);
 * ```
 */
export interface RunUntilIdleSummary<T> {
  /** `idle`: caught up and done; `timeout`: `maxMs` passed first; `signal`: aborted. */
  stoppedBy: "idle" | "timeout" | "signal";
  /** Every informer synced (or was restored) during the run. */
  synced: boolean;
  /** The primary informer started from a checkpoint and made no list request. */
  resumedWithoutList: boolean;
  /** Keys whose `upsert` or `delete` succeeded, in the order of their first success. */
  reconciled: string[];
  /** Callbacks that threw (each attempt). */
  failures: ReconcileFailure[];
  /** Keys not finished: waiting for a retry or a `requeueAfter`, or not reached. Kept in the checkpoint. */
  pending: string[];
  /**
   * When the earliest of `pending` is due (epoch ms on the controller's
   * clock): the soonest retry or `requeueAfter`, or the end of the run if a
   * pending key is due at once (not reached). `undefined` when nothing is
   * pending. A scheduler can sleep until then; the checkpoint keeps each
   * key's due time (`pendingDueAt`), so the next run queues it for then.
   */
  nextDueAt?: number | undefined;
  /** The primary informer's resource version at the end. */
  resourceVersion: string | undefined;
  /** The primary informer's snapshot at the end (with `pending` and unfinished deletes), if it has one. */
  snapshot: InformerSnapshot<T> | undefined;
  /** The snapshot was written to `options.checkpoint`. */
  checkpointed: boolean;
  /** Wall time of the run on the controller's clock (ms). */
  durationMs: number;
}

/** What a controller run tells the tracker. Due times are epoch ms on the controller's clock. */
export interface RunObserver {
  /**
   * A key was queued: at once, or (`dueAt`) delayed until then; `attempts`
   * when it was restored with failed attempts from a checkpoint.
   */
  enqueued(key: string, dueAt?: number, attempts?: number): void;
  /** A callback for `key` finished: `requeueDueAt` when it asked to run again then. */
  succeeded(key: string, requeueDueAt?: number): void;
  /** A callback for `key` threw: `retryDueAt` when its retry is due, unless dropped. */
  failed(key: string, attempt: number, dropped: boolean, error: unknown, retryDueAt?: number): void;
  /** `key` needs nothing (gone with no known object, or not this controller's). */
  skipped(key: string): void;
  /** Workers started; `stop` ends the run. */
  started(run: {
    queue: RateLimitingQueue<string>;
    informers: readonly ControllerInformer<KubernetesObject>[];
    tombstones: ReadonlyMap<string, KubernetesObject>;
    /** Aborts when the run ends. */
    signal: AbortSignal;
    stop: () => void;
  }): void;
}

/**
 * Records a run and stops it once idle. Not exported from the package:
 * `Controller.runUntilIdle` uses it.
 */
export class IdleTracker implements RunObserver {
  readonly reconciled: string[] = [];
  readonly failures: ReconcileFailure[] = [];
  /** Keys queued and not finished. */
  readonly unfinished = new Set<string>();
  /** When delayed unfinished keys are due (a key without an entry is due at once). */
  readonly dueAt = new Map<string, number>();
  /** Failed attempts of unfinished failing keys since their last success (kept in the checkpoint). */
  readonly attempts = new Map<string, number>();
  tombstones: ReadonlyMap<string, KubernetesObject> = new Map();
  idle = false;
  readonly #done = new Set<string>();
  readonly #clock: Clock;
  readonly #settleMs: number;
  #lastFinished: number;

  constructor(clock: Clock, settleMs: number) {
    this.#clock = clock;
    this.#settleMs = settleMs;
    this.#lastFinished = clock.now();
  }

  enqueued(key: string, dueAt?: number, attempts?: number): void {
    if (attempts !== undefined && !this.attempts.has(key)) this.attempts.set(key, attempts);
    // as in the queue: an immediate add wins over a delayed one, the earlier of two delays wins
    if (dueAt === undefined) this.dueAt.delete(key);
    else if (!this.unfinished.has(key) || (this.dueAt.get(key) ?? dueAt) > dueAt) {
      this.dueAt.set(key, dueAt);
    }
    this.unfinished.add(key);
  }

  succeeded(key: string, requeueDueAt?: number): void {
    this.#lastFinished = this.#clock.now();
    if (!this.#done.has(key)) {
      this.#done.add(key);
      this.reconciled.push(key);
    }
    this.attempts.delete(key); // a success starts the count afresh
    this.#settle(key, requeueDueAt);
  }

  failed(
    key: string,
    attempt: number,
    dropped: boolean,
    error: unknown,
    retryDueAt?: number,
  ): void {
    this.#lastFinished = this.#clock.now();
    this.failures.push({ key, attempt, dropped, error });
    if (dropped) this.#settle(key, undefined);
    else {
      this.attempts.set(key, attempt);
      if (retryDueAt !== undefined) this.#settle(key, retryDueAt);
    }
  }

  skipped(key: string): void {
    this.#settle(key, undefined);
  }

  /** After a callback: `key` is finished, or (`dueAt`) waits until then. */
  #settle(key: string, dueAt: number | undefined): void {
    if (dueAt === undefined) {
      this.unfinished.delete(key);
      this.dueAt.delete(key);
      this.attempts.delete(key);
    } else {
      this.unfinished.add(key);
      this.dueAt.set(key, dueAt);
    }
  }

  /** The earliest due time of the unfinished keys (`now` for one due at once), if any. */
  nextDueAt(now: number): number | undefined {
    let next: number | undefined;
    for (const key of this.unfinished) {
      const at = this.dueAt.get(key) ?? now;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  started(run: Parameters<RunObserver["started"]>[0]): void {
    this.tombstones = run.tombstones;
    void this.#watch(run);
  }

  /** Poll until idle (or the run ends), then stop the run. */
  async #watch(run: Parameters<RunObserver["started"]>[0]): Promise<void> {
    const pollMs = Math.max(1, Math.floor(this.#settleMs / 4));
    while (!run.signal.aborted) {
      try {
        await this.#clock.sleep(pollMs, run.signal);
      } catch {
        return; // the run ended
      }
      if (this.#isIdle(run)) {
        this.idle = true;
        run.stop();
        return;
      }
    }
  }

  #isIdle(run: Parameters<RunObserver["started"]>[0]): boolean {
    if (run.queue.length > 0 || run.queue.processing > 0) return false;
    if (this.#clock.now() - this.#lastFinished < this.#settleMs) return false;
    return run.informers.every((informer) => {
      if (!informer.hasSynced()) return false;
      if (informer.quietMs === undefined) return true; // no watch to ask: synced is all we know
      const quiet = informer.quietMs();
      return quiet !== undefined && quiet >= this.#settleMs;
    });
  }
}
