/**
 * Metrics hooks for work queues: the same signals client-go's workqueue
 * exports (depth, adds, queue latency, work duration, retries, unfinished
 * work, longest running item), as plain callbacks so any metrics library can
 * sit behind them.
 *
 * @module
 */

/**
 * What a work queue reports. Durations are in milliseconds on the queue's
 * clock. Every method must be cheap: most are called on every queue operation.
 *
 * @example
 * ```ts
 * import { type WorkQueueMetrics, WorkQueue } from "kubeloop";
 * let adds = 0;
 * const metrics: WorkQueueMetrics = {
 *   depth() {},
 *   add() { adds++; },
 *   queueLatency() {},
 *   workDuration() {},
 *   retry() {},
 *   unfinishedWork() {},
 * };
 * const queue = new WorkQueue<string>({ metrics });
 * queue.add("default/web");
 * ```
 */
export interface WorkQueueMetrics {
  /** The number of items waiting to be handed out changed to `depth`. */
  depth(depth: number): void;
  /** An item was added (not counted when it was already waiting: de-duplicated adds are free). */
  add(): void;
  /** An item was handed to a worker `ms` after it was added. */
  queueLatency(ms: number): void;
  /** A worker finished an item (`done`) `ms` after it got it. */
  workDuration(ms: number): void;
  /** An item was re-added through the rate limiter (`addRateLimited`). */
  retry(): void;
  /**
   * Periodic report of work in progress: `totalMs` is the summed age of every
   * item currently being processed, `longestMs` the age of the oldest one
   * (0 when idle). A stuck worker shows as an ever-growing `longestMs`.
   */
  unfinishedWork(totalMs: number, longestMs: number): void;
}

/**
 * Metrics that record nothing: the default. A queue given this object skips
 * all metrics bookkeeping (no clock reads, no timestamps kept).
 *
 * @example
 * ```ts
 * import { noopQueueMetrics, WorkQueue } from "kubeloop";
 * const queue = new WorkQueue<string>({ metrics: noopQueueMetrics }); // same as the default
 * ```
 */
export const noopQueueMetrics: WorkQueueMetrics = Object.freeze({
  depth() {},
  add() {},
  queueLatency() {},
  workDuration() {},
  retry() {},
  unfinishedWork() {},
});

/**
 * Metrics kept in memory, for tests and debugging.
 *
 * @example
 * ```ts
 * import { InMemoryQueueMetrics, WorkQueue } from "kubeloop";
 * const metrics = new InMemoryQueueMetrics();
 * const queue = new WorkQueue<string>({ metrics });
 * queue.add("a");
 * queue.add("a");
 * metrics.adds; // 1
 * metrics.currentDepth; // 1
 * queue.shutDown();
 * ```
 */
export class InMemoryQueueMetrics implements WorkQueueMetrics {
  /** The last reported depth. */
  currentDepth = 0;
  /** Number of (non de-duplicated) adds. */
  adds = 0;
  /** Number of rate-limited re-adds. */
  retries = 0;
  /** Every observed queue latency, in order. */
  readonly queueLatencies: number[] = [];
  /** Every observed work duration, in order. */
  readonly workDurations: number[] = [];
  /** The last reported summed age of in-flight items. */
  unfinishedWorkMs = 0;
  /** The last reported age of the oldest in-flight item. */
  longestRunningMs = 0;

  depth(depth: number): void {
    this.currentDepth = depth;
  }
  add(): void {
    this.adds++;
  }
  queueLatency(ms: number): void {
    this.queueLatencies.push(ms);
  }
  workDuration(ms: number): void {
    this.workDurations.push(ms);
  }
  retry(): void {
    this.retries++;
  }
  unfinishedWork(totalMs: number, longestMs: number): void {
    this.unfinishedWorkMs = totalMs;
    this.longestRunningMs = longestMs;
  }
}
