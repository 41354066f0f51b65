/**
 * Exponential backoff with jitter and reset, as client-go's reflector and
 * kube-rs' watcher use between reconnects.
 *
 * @module
 */
import { type Clock, realClock } from "./clock.ts";

/**
 * Options for {@link Backoff}. Every field has the client-go reflector default.
 *
 * @example
 * ```ts
 * import { Backoff, FakeClock, type BackoffOptions } from "kubeloop";
 * const options: BackoffOptions = {
 *   initialMs: 100,
 *   maxMs: 5_000,
 *   factor: 2,
 *   jitter: 0,
 *   clock: new FakeClock(),
 * };
 * const backoff = new Backoff(options);
 * backoff.next(); // 100
 * ```
 */
export interface BackoffOptions {
  /** First delay in ms (default 800). */
  initialMs?: number;
  /** Largest delay in ms, jitter included (default 30 000). */
  maxMs?: number;
  /** Growth factor per failure (default 2). */
  factor?: number;
  /**
   * Jitter as a fraction of the delay: each delay is `base * (1 + jitter * random())`,
   * capped at `maxMs` (default 1.0, as client-go; 0 disables jitter).
   */
  jitter?: number;
  /**
   * If no delay was requested for this long (ms), the next one starts again
   * from `initialMs` (default 120 000: two minutes of health resets the backoff).
   */
  resetAfterMs?: number;
  /** Clock used for the reset window (default: the real clock). */
  clock?: Clock;
  /** Random source in [0, 1) (default `Math.random`); inject for deterministic tests. */
  random?: () => number;
}

/**
 * Computes successive reconnect delays.
 *
 * @example
 * ```ts
 * import { Backoff } from "kubeloop";
 * const backoff = new Backoff({ jitter: 0 });
 * backoff.next(); // 800
 * backoff.next(); // 1600
 * backoff.reset();
 * backoff.next(); // 800
 * ```
 */
export class Backoff {
  /** First delay in ms, before jitter (default 800). */
  readonly initialMs: number;
  /** Upper bound on any delay in ms, jitter included (default 30 000). */
  readonly maxMs: number;
  /** Multiplier applied to the base delay per attempt (default 2). */
  readonly factor: number;
  /** Jitter fraction: each delay is scaled by `1 + jitter * random()` (default 1). */
  readonly jitter: number;
  /** Idle time in ms after which the next delay starts again from `initialMs` (default 120 000). */
  readonly resetAfterMs: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  #attempt = 0;
  #lastAt: number | undefined;

  /**
   * Create a backoff; unset options take their defaults.
   *
   * @throws {RangeError} if `initialMs < 0`, `maxMs < initialMs` or `factor < 1`.
   */
  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 800;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 1.0;
    this.resetAfterMs = options.resetAfterMs ?? 120_000;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    if (!(this.initialMs >= 0) || !(this.maxMs >= this.initialMs) || !(this.factor >= 1)) {
      throw new RangeError(
        `invalid backoff: initialMs=${this.initialMs} maxMs=${this.maxMs} factor=${this.factor}`,
      );
    }
  }

  /** Number of delays handed out since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /**
   * The next delay in ms; grows each call until `maxMs`.
   *
   * `atLeastMs` is a wait the server asked for (`Retry-After`): the delay is
   * then the longer of the two, but never above `maxMs`. So a server that
   * asks for 34 days gets a retry after `maxMs` (30 s by default), not a
   * timer that overflows into a hot loop, nor an informer that sleeps for a
   * month.
   */
  next(atLeastMs?: number): number {
    const now = this.#clock.now();
    if (this.#lastAt !== undefined && now - this.#lastAt >= this.resetAfterMs) this.#attempt = 0;
    this.#lastAt = now;
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** this.#attempt);
    this.#attempt++;
    const jittered = Math.min(this.maxMs, Math.round(base * (1 + this.jitter * this.#random())));
    if (atLeastMs !== undefined && atLeastMs > jittered) {
      return Math.min(this.maxMs, Math.ceil(atLeastMs));
    }
    return jittered;
  }

  /** Start again from `initialMs` (call after a success). */
  reset(): void {
    this.#attempt = 0;
    this.#lastAt = undefined;
  }

  /** Wait for {@link Backoff.next} ms on the backoff's clock; rejects if `signal` aborts. */
  async wait(signal?: AbortSignal): Promise<number> {
    const ms = this.next();
    await this.#clock.sleep(ms, signal);
    return ms;
  }
}
