/**
 * The queue controllers use: a {@link DelayingQueue} whose retries are spaced
 * by a {@link RateLimiter}.
 *
 * @module
 */
import { DelayingQueue } from "./delaying.ts";
import type { WorkQueueMetrics } from "./metrics.ts";
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiters.ts";
import type { WorkQueueOptions } from "./workqueue.ts";

/**
 * Options for {@link RateLimitingQueue}.
 *
 * @example
 * ```ts
 * import { ItemExponentialRateLimiter, RateLimitingQueue, type RateLimitingQueueOptions } from "kubeloop";
 * const options: RateLimitingQueueOptions<string> = {
 *   rateLimiter: new ItemExponentialRateLimiter(50, 30_000),
 * };
 * const queue = new RateLimitingQueue(options);
 * queue.shutDown();
 * ```
 */
export interface RateLimitingQueueOptions<K> extends WorkQueueOptions {
  /** How long retries wait (default: {@link defaultControllerRateLimiter} on the queue's clock). */
  rateLimiter?: RateLimiter<K> | undefined;
}

/**
 * A delaying work queue with rate-limited re-adds: `addRateLimited(item)`
 * waits as long as the rate limiter says; `forget(item)` resets the item's
 * history once it succeeded; `numRequeues(item)` counts its retries.
 *
 * @example
 * ```ts
 * import { RateLimitingQueue } from "kubeloop";
 * const queue = new RateLimitingQueue<string>();
 * queue.add("default/web");
 * const key = (await queue.get())!;
 * try {
 *   // reconcile ...
 *   queue.forget(key);
 * } catch {
 *   queue.addRateLimited(key); // retried after 5 ms, 10 ms, 20 ms, ...
 * } finally {
 *   queue.done(key);
 * }
 * queue.shutDown();
 * ```
 */
export class RateLimitingQueue<K extends NonNullable<unknown> = string> extends DelayingQueue<K> {
  /** The limiter deciding retry delays. */
  readonly rateLimiter: RateLimiter<K>;
  readonly #metrics: WorkQueueMetrics | undefined;

  /**
   * Create an empty queue. Without `options.rateLimiter` it uses
   * `defaultControllerRateLimiter` on the queue's clock.
   */
  constructor(options: RateLimitingQueueOptions<K> = {}) {
    super(options);
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
    this.#metrics = options.metrics;
  }

  /**
   * Add `item` after the delay the rate limiter gives it (counts as a retry).
   * Returns that delay in ms, so a caller can record when the item is due;
   * `undefined` when the queue is shutting down (nothing was added, and the
   * limiter was not asked).
   */
  addRateLimited(item: K): number | undefined {
    if (this.shuttingDown) return undefined;
    this.#metrics?.retry();
    const delay = this.rateLimiter.when(item);
    this.addAfter(item, delay);
    return delay;
  }

  /** Reset the rate limiter's history for `item` (call after it succeeded). */
  forget(item: K): void {
    this.rateLimiter.forget(item);
  }

  /**
   * Set `item`'s retry count to `requeues` (0 forgets it), so its next
   * `addRateLimited` continues the backoff: for resuming from a checkpoint
   * that kept how often the item had failed. Does nothing with a limiter
   * without `restoreRequeues`.
   *
   * @example
   * ```ts
   * import { RateLimitingQueue } from "kubeloop";
   * const queue = new RateLimitingQueue<string>();
   * queue.restoreRequeues("default/web", 3); // failed three times before a restart
   * queue.addRateLimited("default/web"); // 40 ms, not 5 ms
   * queue.shutDown();
   * ```
   */
  restoreRequeues(item: K, requeues: number): void {
    this.rateLimiter.restoreRequeues?.(item, requeues);
  }

  /** How many times `item` was re-added with {@link RateLimitingQueue.addRateLimited} since it was last forgotten. */
  numRequeues(item: K): number {
    return this.rateLimiter.numRequeues(item);
  }
}
