/**
 * Client-side rate limiting: a token bucket, on by default in every
 * `KubeClient` ({@link DEFAULT_RATE_LIMIT}: 50 requests per second, bursts of
 * 100). client-go's REST client defaults to 5/10, kube-controller-manager to
 * 20/30 (as controller-runtime did until v0.21, which turned its client-side
 * limit off in favour of API Priority and Fairness), kube-scheduler to
 * 50/100. docs/reliability.md explains the choice and shows it does not slow
 * an informer's initial sync.
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
 * The default client-side rate limit of a `KubeClient`: 50 requests per
 * second, bursts of 100 (kube-scheduler's default). Set
 * `ClusterConfig.rateLimit` to change it, or to `false` to turn it off.
 *
 * @example
 * ```ts
 * import { DEFAULT_RATE_LIMIT, KubeClient } from "kubeloop";
 * // a bigger burst for a client that starts many informers at once
 * const client = new KubeClient({ server: "https://127.0.0.1:6443", rateLimit: { ...DEFAULT_RATE_LIMIT, burst: 300 } });
 * ```
 */
export const DEFAULT_RATE_LIMIT: Readonly<RateLimitOptions> = Object.freeze({
  qps: 50,
  burst: 100,
});

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
