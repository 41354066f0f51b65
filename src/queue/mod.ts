/**
 * Work queues: de-duplicating FIFO, delayed adds on the injected clock,
 * rate-limited retries, and metrics hooks.
 *
 * @module
 */
export { DelayingQueue } from "./delaying.ts";
export { InMemoryQueueMetrics, noopQueueMetrics, type WorkQueueMetrics } from "./metrics.ts";
export {
  BucketRateLimiter,
  type BucketRateLimiterOptions,
  defaultControllerRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
} from "./rate-limiters.ts";
export { RateLimitingQueue, type RateLimitingQueueOptions } from "./rate-limiting.ts";
export { WorkQueue, type WorkQueueOptions } from "./workqueue.ts";
