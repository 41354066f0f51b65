/**
 * The basic work queue: FIFO, de-duplicating, never handing one item to two
 * workers at once (client-go's `workqueue.Typed`).
 *
 * @module
 */
import { type Clock, realClock, type Timer } from "../util/clock.ts";
import { noopQueueMetrics, type WorkQueueMetrics } from "./metrics.ts";

/**
 * Options shared by every queue.
 *
 * @example
 * ```ts
 * import { FakeClock, InMemoryQueueMetrics, WorkQueue, type WorkQueueOptions } from "kubeloop";
 * const options: WorkQueueOptions = {
 *   clock: new FakeClock(),
 *   metrics: new InMemoryQueueMetrics(),
 *   unfinishedWorkUpdateMs: 1000,
 * };
 * const queue = new WorkQueue<string>(options);
 * queue.shutDown();
 * ```
 */
export interface WorkQueueOptions {
  /** Clock for delays and metrics timing (default: the real clock). */
  clock?: Clock | undefined;
  /** Metrics hooks (default: {@link noopQueueMetrics}, which costs nothing). */
  metrics?: WorkQueueMetrics | undefined;
  /**
   * How often (ms, on the clock) to report unfinished work to `metrics`
   * (default 500; 0 disables). Only used when `metrics` is given.
   */
  unfinishedWorkUpdateMs?: number | undefined;
}

// Per-item state bits. An item with no entry in the state map is unknown.
/**
 * Known but neither waiting nor processing. `done` leaves finished items in the
 * map as IDLE instead of deleting them: a key that comes back soon (the common
 * case for controllers) then costs a cheap in-place update instead of a Map
 * delete + insert, which is several times slower on large maps. Idle entries
 * are swept once they outnumber the live ones (amortised O(1)).
 */
const IDLE = 0;
/** Waiting to be handed out (in the FIFO), or marked dirty while being processed. */
const QUEUED = 1;
/** Handed to a worker and not yet `done`. */
const PROCESSING = 2;

const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);

/** A growable ring buffer: O(1) push and shift, no per-operation allocation. */
class Fifo<K> {
  #buf: (K | undefined)[] = new Array(16).fill(undefined);
  #mask = 15;
  #head = 0;
  size = 0;

  push(item: K): void {
    if (this.size === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.size) & this.#mask] = item;
    this.size++;
  }

  shift(): K {
    const item = this.#buf[this.#head] as K;
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.size--;
    return item;
  }

  clear(): void {
    this.#buf = new Array(16).fill(undefined);
    this.#mask = 15;
    this.#head = 0;
    this.size = 0;
  }

  #grow(): void {
    const old = this.#buf;
    const next: (K | undefined)[] = new Array(old.length * 2).fill(undefined);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.#head + i) & this.#mask];
    this.#buf = next;
    this.#mask = next.length - 1;
    this.#head = 0;
  }
}

/**
 * A FIFO work queue with the guarantees controllers rely on:
 *
 * - **De-duplication**: adding an item that is already waiting does nothing
 *   (it keeps its place).
 * - **Exclusive processing**: an item handed out by {@link WorkQueue.get} is
 *   "processing" until {@link WorkQueue.done}; it is never handed to a second
 *   worker meanwhile.
 * - **Dirty re-queue**: adding an item while it is processing marks it dirty;
 *   `done` puts it back at the end of the queue, so the change is not lost.
 *
 * `get()` resolves to the next item, or to `undefined` once the queue is shut
 * down: `const key = await queue.get(); if (key === undefined) return;`.
 * Items must therefore not be `undefined` or `null` (the type parameter
 * excludes them). `tryGet()` is the synchronous, allocation-free variant.
 *
 * Shutdown differs from client-go in one respect: items still waiting when
 * {@link WorkQueue.shutDown} is called are discarded, not drained, so workers
 * stop after their current item. {@link WorkQueue.shutDownWithDrain}
 * additionally waits until every in-flight item is `done`.
 *
 * @example
 * ```ts
 * import { WorkQueue } from "kubeloop";
 * const queue = new WorkQueue<string>();
 * queue.add("default/web");
 * queue.add("default/web"); // de-duplicated
 * const key = await queue.get(); // "default/web"
 * try {
 *   // ... reconcile key ...
 * } finally {
 *   queue.done(key!);
 * }
 * queue.shutDown();
 * await queue.get(); // undefined
 * ```
 */
export class WorkQueue<K extends NonNullable<unknown> = string> {
  readonly #fifo = new Fifo<K>();
  readonly #state = new Map<K, number>();
  #waiters: ((item: K | undefined) => void)[] = [];
  #processing = 0;
  #idle = 0;
  #shuttingDown = false;
  #drainWaiters: (() => void)[] = [];
  /** The clock given in the options (or the real clock). */
  protected readonly clock: Clock;
  // Metrics: undefined when disabled, so the hot path pays one branch.
  readonly #metrics: WorkQueueMetrics | undefined;
  readonly #addedAt: Map<K, number> | undefined;
  readonly #startedAt: Map<K, number> | undefined;
  #metricsTimer: Timer | undefined;
  readonly #metricsPeriod: number;

  /**
   * Create an empty queue. When `options.metrics` is given (and is not the
   * no-op sink) a timer reports unfinished work every `unfinishedWorkUpdateMs`.
   */
  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? realClock;
    const metrics = options.metrics;
    if (metrics !== undefined && metrics !== noopQueueMetrics) {
      this.#metrics = metrics;
      this.#addedAt = new Map();
      this.#startedAt = new Map();
      this.#metricsPeriod = options.unfinishedWorkUpdateMs ?? 500;
      if (this.#metricsPeriod > 0) this.#scheduleMetrics();
    } else {
      this.#metricsPeriod = 0;
    }
  }

  /** Number of items waiting to be handed out (not counting items being processed). */
  get length(): number {
    return this.#fifo.size;
  }

  /** Number of items handed out and not yet `done`. */
  get processing(): number {
    return this.#processing;
  }

  /** Whether {@link WorkQueue.shutDown} (or `shutDownWithDrain`) was called. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Add an item. Does nothing if it is already waiting or the queue is
   * shutting down; marks it dirty if it is being processed.
   */
  add(item: K): void {
    if (this.#shuttingDown) return;
    const state = this.#state.get(item);
    if (state === undefined || state === IDLE) {
      if (state === IDLE) this.#idle--;
      if (this.#metrics !== undefined) this.#recordAdd(item);
      this.#enqueue(item);
    } else if ((state & QUEUED) === 0) {
      if (this.#metrics !== undefined) this.#recordAdd(item);
      this.#state.set(item, state | QUEUED);
    }
  }

  /**
   * Take the next item without waiting: the item (now processing: call
   * {@link WorkQueue.done} when finished) or `undefined` if none is waiting or
   * the queue is shut down. Allocates nothing.
   */
  tryGet(): K | undefined {
    if (this.#fifo.size === 0) return undefined;
    const item = this.#fifo.shift();
    this.#state.set(item, PROCESSING);
    this.#processing++;
    if (this.#metrics !== undefined) this.#recordGet(item);
    return item;
  }

  /**
   * Wait for the next item. Resolves to the item (now processing: call
   * {@link WorkQueue.done} when finished), or to `undefined` once the queue is
   * shut down. Waiting callers are served in the order they called `get`.
   */
  get(): Promise<K | undefined> {
    if (this.#fifo.size !== 0) return Promise.resolve(this.tryGet());
    if (this.#shuttingDown) return RESOLVED_UNDEFINED;
    return new Promise<K | undefined>((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Mark an item as finished. If it was added again while processing, it goes
   * back to the end of the queue. Calling `done` for an item that is not
   * processing does nothing.
   */
  done(item: K): void {
    const state = this.#state.get(item);
    if (state === undefined || (state & PROCESSING) === 0) return;
    this.#processing--;
    if (this.#metrics !== undefined) this.#recordDone(item);
    if ((state & QUEUED) !== 0 && !this.#shuttingDown) {
      this.#enqueue(item);
    } else if (this.#shuttingDown) {
      this.#state.delete(item);
      this.#addedAt?.delete(item);
      this.#startedAt?.delete(item);
    } else {
      this.#state.set(item, IDLE);
      if (++this.#idle > 1024 && this.#idle * 2 > this.#state.size) this.#sweepIdle();
    }
    if (this.#processing === 0 && this.#drainWaiters.length !== 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  /**
   * Stop the queue: later adds are ignored, waiting items are discarded,
   * pending and future `get()` calls resolve to `undefined`. Items being
   * processed may still be passed to `done`.
   */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.#fifo.clear();
    this.#idle = 0;
    for (const [item, state] of this.#state) {
      if ((state & PROCESSING) === 0) {
        this.#state.delete(item);
        this.#addedAt?.delete(item);
      } else this.#state.set(item, PROCESSING);
    }
    this.#metricsTimer?.cancel();
    this.#metricsTimer = undefined;
    this.#metrics?.depth(0);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(undefined);
  }

  /**
   * {@link WorkQueue.shutDown}, then wait until every item being processed is
   * `done`.
   */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Report unfinished work to the metrics hooks now (also done periodically). */
  reportUnfinishedWork(): void {
    if (this.#metrics === undefined || this.#startedAt === undefined) return;
    const now = this.clock.now();
    let total = 0;
    let longest = 0;
    for (const start of this.#startedAt.values()) {
      if (start < 0) continue;
      const age = now - start;
      total += age;
      if (age > longest) longest = age;
    }
    this.#metrics.unfinishedWork(total, longest);
  }

  #sweepIdle(): void {
    for (const [item, state] of this.#state) {
      if (state !== IDLE) continue;
      this.#state.delete(item);
      this.#addedAt?.delete(item);
      this.#startedAt?.delete(item);
    }
    this.#idle = 0;
  }

  #enqueue(item: K): void {
    if (this.#waiters.length !== 0) {
      // Hand straight to the longest-waiting worker.
      this.#state.set(item, PROCESSING);
      this.#processing++;
      if (this.#metrics !== undefined) this.#recordGet(item);
      this.#waiters.shift()!(item);
      return;
    }
    this.#state.set(item, QUEUED);
    this.#fifo.push(item);
    this.#metrics?.depth(this.#fifo.size);
  }

  // Timestamps are reset to -1 rather than deleted (same reason as IDLE);
  // entries are dropped when their item leaves the state map.
  #recordAdd(item: K): void {
    this.#metrics!.add();
    const added = this.#addedAt!.get(item);
    if (added === undefined || added < 0) this.#addedAt!.set(item, this.clock.now());
  }

  #recordGet(item: K): void {
    const now = this.clock.now();
    const added = this.#addedAt!.get(item);
    if (added !== undefined && added >= 0) {
      this.#metrics!.queueLatency(now - added);
      this.#addedAt!.set(item, -1);
    }
    this.#startedAt!.set(item, now);
    this.#metrics!.depth(this.#fifo.size);
  }

  #recordDone(item: K): void {
    const started = this.#startedAt!.get(item);
    if (started !== undefined && started >= 0) {
      this.#metrics!.workDuration(this.clock.now() - started);
      this.#startedAt!.set(item, -1);
    }
  }

  #scheduleMetrics(): void {
    this.#metricsTimer = this.clock.setTimer(() => {
      this.#metricsTimer = undefined;
      if (this.#shuttingDown) return;
      this.reportUnfinishedWork();
      this.#scheduleMetrics();
    }, this.#metricsPeriod);
  }
}
