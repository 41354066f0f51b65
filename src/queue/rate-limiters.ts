/**
 * Rate limiters for {@link RateLimitingQueue}: per-item exponential backoff,
 * an overall token bucket, the maximum of several, and client-go's default
 * controller limiter (the maximum of the first two).
 *
 * @module
 */
import { type Clock, realClock } from "../util/clock.ts";

/**
 * Decides how long an item waits before it is retried.
 *
 * @example
 * ```ts
 * import type { RateLimiter } from "kubeloop";
 * // A limiter that always waits one second and counts retries.
 * class FixedRateLimiter implements RateLimiter<string> {
 *   #counts = new Map<string, number>();
 *   when(item: string): number {
 *     this.#counts.set(item, (this.#counts.get(item) ?? 0) + 1);
 *     return 1000;
 *   }
 *   forget(item: string): void { this.#counts.delete(item); }
 *   numRequeues(item: string): number { return this.#counts.get(item) ?? 0; }
 * }
 * ```
 */
export interface RateLimiter<K> {
  /** Record a retry of `item` and return how long (ms) it should wait. */
  when(item: K): number;
  /** Stop tracking `item` (it succeeded, or was given up on). */
  forget(item: K): void;
  /** How many times `item` has been retried since it was last forgotten. */
  numRequeues(item: K): number;
  /**
   * Optional: set `item`'s retry count to `requeues`, as if it had been
   * retried that many times (0 forgets it), so the next `when(item)` continues
   * its backoff. A controller resuming from a checkpoint calls it with the
   * failed attempts the checkpoint kept. Limiters that keep no per-item count
   * leave it out.
   */
  restoreRequeues?(item: K, requeues: number): void;
}

/**
 * Per-item exponential backoff: `baseMs * 2^failures`, capped at `maxMs`
 * (defaults 5 ms and 1000 s, as client-go).
 *
 * @example
 * ```ts
 * import { ItemExponentialRateLimiter } from "kubeloop";
 * const limiter = new ItemExponentialRateLimiter<string>();
 * limiter.when("a"); // 5
 * limiter.when("a"); // 10
 * limiter.when("b"); // 5
 * limiter.forget("a");
 * limiter.when("a"); // 5
 * ```
 */
export class ItemExponentialRateLimiter<K> implements RateLimiter<K> {
  /** Delay in ms for an item's first failure. */
  readonly baseMs: number;
  /** Upper bound on any delay in ms. */
  readonly maxMs: number;
  readonly #failures = new Map<K, number>();

  /**
   * Create a limiter with the given base and cap (ms).
   *
   * @throws {RangeError} if `baseMs` or `maxMs` is negative (or NaN).
   */
  constructor(baseMs = 5, maxMs = 1_000_000) {
    if (!(baseMs >= 0) || !(maxMs >= 0)) {
      throw new RangeError(`invalid exponential limiter: baseMs=${baseMs} maxMs=${maxMs}`);
    }
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }

  when(item: K): number {
    const failures = this.#failures.get(item) ?? 0;
    this.#failures.set(item, failures + 1);
    const delay = this.baseMs * 2 ** failures;
    return Number.isFinite(delay) && delay < this.maxMs ? delay : this.maxMs;
  }

  forget(item: K): void {
    this.#failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.#failures.get(item) ?? 0;
  }

  /**
   * Set `item`'s failure count to `requeues` (0 forgets it): the next
   * `when(item)` returns `baseMs * 2^requeues` (capped), as if it had failed
   * that many times in this process. Used to resume backoff from a checkpoint.
   *
   * @throws {RangeError} if `requeues` is not a non-negative integer.
   *
   * @example
   * ```ts
   * import { ItemExponentialRateLimiter } from "kubeloop";
   * const limiter = new ItemExponentialRateLimiter<string>();
   * limiter.restoreRequeues("a", 3); // failed three times before a restart
   * limiter.when("a"); // 40 (5 * 2^3), not 5
   * ```
   */
  restoreRequeues(item: K, requeues: number): void {
    if (!Number.isInteger(requeues) || requeues < 0) {
      throw new RangeError(`requeues must be a non-negative integer (got ${requeues})`);
    }
    if (requeues === 0) this.#failures.delete(item);
    else this.#failures.set(item, requeues);
  }
}

/**
 * Options for {@link BucketRateLimiter}.
 *
 * @example
 * ```ts
 * import { BucketRateLimiter, type BucketRateLimiterOptions } from "kubeloop";
 * const options: BucketRateLimiterOptions = { qps: 50, burst: 300 };
 * const limiter = new BucketRateLimiter<string>(options);
 * ```
 */
export interface BucketRateLimiterOptions {
  /** Tokens added per second (default 10). */
  qps?: number | undefined;
  /** Bucket size: how many items may pass without waiting (default 100). */
  burst?: number | undefined;
  /** Clock the bucket refills on (default: the real clock). */
  clock?: Clock | undefined;
}

/**
 * An overall token bucket shared by all items (`qps` per second, `burst`
 * tokens), like Go's `rate.Limiter.Reserve().Delay()`: every call takes a
 * token, going into debt when the bucket is empty, and the returned delay is
 * the time until that token exists. It does not track items, so `forget` does
 * nothing and `numRequeues` is 0.
 *
 * @example
 * ```ts
 * import { BucketRateLimiter, FakeClock } from "kubeloop";
 * const limiter = new BucketRateLimiter({ qps: 10, burst: 2, clock: new FakeClock() });
 * limiter.when("a"); // 0
 * limiter.when("b"); // 0
 * limiter.when("c"); // 100
 * limiter.when("d"); // 200
 * ```
 */
export class BucketRateLimiter<K = unknown> implements RateLimiter<K> {
  /** Tokens added to the bucket per second. */
  readonly qps: number;
  /** Bucket capacity; the bucket starts full. */
  readonly burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  /**
   * Create a full bucket; unset options take their defaults.
   *
   * @throws {RangeError} if `qps <= 0` or `burst < 1`.
   */
  constructor(options: BucketRateLimiterOptions = {}) {
    this.qps = options.qps ?? 10;
    this.burst = options.burst ?? 100;
    if (!(this.qps > 0) || !(this.burst >= 1)) {
      throw new RangeError(`invalid bucket limiter: qps=${this.qps} burst=${this.burst}`);
    }
    this.#clock = options.clock ?? realClock;
    this.#tokens = this.burst;
    this.#last = this.#clock.now();
  }

  when(_item: K): number {
    const now = this.#clock.now();
    if (now > this.#last) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.qps) / 1000);
      this.#last = now;
    }
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 0;
    // Round up to whole ms, ignoring float noise from fractional refills.
    return Math.ceil((-this.#tokens * 1000) / this.qps - 1e-6);
  }

  forget(_item: K): void {}

  numRequeues(_item: K): number {
    return 0;
  }
}

/**
 * The worst (longest) delay of several limiters. Every limiter sees every
 * call, so each keeps its own count.
 *
 * @example
 * ```ts
 * import { BucketRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter } from "kubeloop";
 * const limiter = new MaxOfRateLimiter<string>(
 *   new ItemExponentialRateLimiter(5, 60_000),
 *   new BucketRateLimiter({ qps: 50, burst: 300 }),
 * );
 * limiter.when("default/web"); // 5
 * ```
 */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  /** The combined limiters, in the order given. */
  readonly limiters: readonly RateLimiter<K>[];

  /**
   * Combine `limiters`; each call returns the largest of their delays.
   *
   * @throws {RangeError} if no limiter is given.
   */
  constructor(...limiters: RateLimiter<K>[]) {
    if (limiters.length === 0) throw new RangeError("MaxOfRateLimiter needs at least one limiter");
    this.limiters = limiters;
  }

  when(item: K): number {
    let max = 0;
    for (const l of this.limiters) {
      const d = l.when(item);
      if (d > max) max = d;
    }
    return max;
  }

  forget(item: K): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: K): number {
    let max = 0;
    for (const l of this.limiters) {
      const n = l.numRequeues(item);
      if (n > max) max = n;
    }
    return max;
  }

  /**
   * Set `item`'s retry count on every combined limiter that keeps one (see
   * {@link RateLimiter.restoreRequeues}).
   *
   * @example
   * ```ts
   * import { BucketRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter } from "kubeloop";
   * const limiter = new MaxOfRateLimiter<string>(
   *   new ItemExponentialRateLimiter(5, 60_000),
   *   new BucketRateLimiter({ qps: 50, burst: 300 }),
   * );
   * limiter.restoreRequeues("default/web", 2);
   * limiter.when("default/web"); // 20
   * ```
   */
  restoreRequeues(item: K, requeues: number): void {
    for (const l of this.limiters) l.restoreRequeues?.(item, requeues);
  }
}

/**
 * client-go's `DefaultControllerRateLimiter`: the maximum of a per-item
 * exponential backoff (5 ms base, 1000 s cap) and an overall token bucket
 * (10 per second, burst 100).
 *
 * @example
 * ```ts
 * import { defaultControllerRateLimiter, RateLimitingQueue } from "kubeloop";
 * const queue = new RateLimitingQueue<string>({ rateLimiter: defaultControllerRateLimiter() });
 * queue.shutDown();
 * ```
 */
export function defaultControllerRateLimiter<K>(clock: Clock = realClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialRateLimiter<K>(5, 1_000_000),
    new BucketRateLimiter<K>({ qps: 10, burst: 100, clock }),
  );
}
