/**
 * Client-side rate limiting: a token bucket (client-go's default for REST
 * clients is 5 QPS, burst 10; kubeloop's is off unless configured).
 *
 * @module
 */
import { type Clock, realClock } from "../util/clock.ts";

/**
 * Token bucket settings.
 *
 * @example
 * ```ts
 * import { KubeClient, type RateLimitOptions } from "kubeloop";
 * const rateLimit: RateLimitOptions = { qps: 5, burst: 10 };
 * const client = new KubeClient({ server: "https://127.0.0.1:6443", rateLimit });
 * ```
 */
export interface RateLimitOptions {
  /** Tokens added per second. */
  qps: number;
  /** Bucket size (requests allowed at once after idling). */
  burst: number;
}

/**
 * A token bucket. {@link TokenBucket.take} waits (on the injected clock) until
 * a token is free; waiters are served in order.
 *
 * @example
 * ```ts
 * import { TokenBucket } from "kubeloop";
 * const bucket = new TokenBucket({ qps: 5, burst: 10 });
 * await bucket.take();
 * ```
 */
export class TokenBucket {
  /** Tokens added per second. */
  readonly qps: number;
  /** Bucket size: the most requests that may go at once; the bucket starts full. */
  readonly burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  #tail: Promise<void> = Promise.resolve();

  /** Throws `RangeError` unless `qps > 0` and `burst >= 1`. `clock` drives refills and waits (default: real clock). */
  constructor(options: RateLimitOptions, clock: Clock = realClock) {
    if (!(options.qps > 0) || !(options.burst >= 1)) {
      throw new RangeError(`invalid rate limit: qps=${options.qps} burst=${options.burst}`);
    }
    this.qps = options.qps;
    this.burst = options.burst;
    this.#clock = clock;
    this.#tokens = options.burst;
    this.#last = clock.now();
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.qps);
    this.#last = now;
  }

  /** Take a token now if one is free. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }

  /** Wait for a token. Rejects with `signal.reason` if `signal` aborts first. */
  take(signal?: AbortSignal): Promise<void> {
    const run = async (): Promise<void> => {
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        if (this.tryTake()) return;
        const waitMs = Math.ceil(((1 - this.#tokens) / this.qps) * 1000);
        await this.#clock.sleep(Math.max(1, waitMs), signal);
      }
    };
    const next = this.#tail.then(run, run);
    this.#tail = next.catch(() => {});
    return next;
  }
}
