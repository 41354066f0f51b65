/**
 * Injected time. Everything in kubeloop that waits (queue delays, backoff,
 * resync, idle deadlines, leader election) takes a {@link Clock}, so tests can
 * drive time with a {@link FakeClock} instead of sleeping.
 *
 * @module
 */

/**
 * A scheduled callback that can be cancelled.
 *
 * @example
 * ```ts
 * import { realClock, type Timer } from "kubeloop";
 * const timer: Timer = realClock.setTimer(() => console.log("resync"), 60_000);
 * timer.cancel(); // never fires
 * ```
 */
export interface Timer {
  /** Cancel the timer. Calling it after the timer fired, or twice, does nothing. */
  cancel(): void;
}

/**
 * A source of time and timers.
 *
 * @example
 * ```ts
 * import { realClock } from "kubeloop";
 * const start = realClock.now();
 * await realClock.sleep(10);
 * console.log(realClock.now() - start >= 10);
 * ```
 */
export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin, for fake clocks). */
  now(): number;
  /** Run `fn` once after `ms` milliseconds. */
  setTimer(fn: () => void, ms: number): Timer;
  /**
   * Resolve after `ms` milliseconds. Rejects with `signal.reason` as soon as
   * `signal` aborts, and cancels the timer so nothing is left behind.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

function sleepWith(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      timer.cancel();
      reject(abortReason(signal!));
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The longest delay `setTimeout` takes: 2^31 − 1 ms (about 24.8 days). Node,
 * Deno, Bun and browsers store the delay in a signed 32-bit integer; a longer
 * one is not an error there but becomes 1 ms (a timer meant to wait a month
 * fires at once).
 *
 * @example
 * ```ts
 * import { MAX_TIMER_DELAY_MS, realClock } from "kubeloop";
 * // realClock splits this wait into two runtime timers, neither above the limit
 * const timer = realClock.setTimer(() => console.log("a month later"), MAX_TIMER_DELAY_MS + 5 * 86_400_000);
 * timer.cancel();
 * ```
 */
export const MAX_TIMER_DELAY_MS: number = 2_147_483_647;

/**
 * The wall clock: `Date.now()` and the global `setTimeout`. Delays longer
 * than {@link MAX_TIMER_DELAY_MS} are split into several timers (none longer
 * than the limit), so a long wait stays long; a negative or `NaN` delay is 0,
 * `Infinity` never fires.
 *
 * @example
 * ```ts
 * import { Backoff, realClock } from "kubeloop";
 * const backoff = new Backoff({ clock: realClock });
 * const ac = new AbortController();
 * await realClock.sleep(backoff.next(), ac.signal);
 * ```
 */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(fn: () => void, ms: number): Timer {
    let remaining = Number.isNaN(ms) ? 0 : Math.max(ms, 0);
    let handle: ReturnType<typeof setTimeout>;
    const arm = (): void => {
      const step = Math.min(remaining, MAX_TIMER_DELAY_MS);
      remaining -= step;
      handle = setTimeout(remaining > 0 ? arm : fn, step);
    };
    arm();
    return { cancel: () => clearTimeout(handle) };
  },
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(realClock, ms, signal);
  },
};

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * Let pending promise callbacks and I/O run: one turn of the real event loop.
 *
 * @example
 * ```ts
 * import { FakeClock, flushMicrotasks } from "kubeloop";
 * const clock = new FakeClock();
 * let woke = false;
 * void clock.sleep(100).then(() => { woke = true; });
 * await clock.advance(100);
 * await flushMicrotasks(); // woke === true
 * ```
 */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A clock that only moves when told to. Timers fire in deadline order (ties in
 * creation order) during {@link FakeClock.advance}, with the event loop given a
 * turn after each, so code awaiting a timer runs before the next one fires.
 *
 * @example
 * ```ts
 * import { FakeClock } from "kubeloop";
 * const clock = new FakeClock();
 * let fired = false;
 * clock.setTimer(() => { fired = true; }, 1000);
 * await clock.advance(999); // fired === false
 * await clock.advance(1);   // fired === true
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 0;
  #timers: FakeTimer[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];

  /**
   * Create a fake clock stopped at `start`.
   *
   * @param start the initial value of {@link FakeClock.now} (default 0).
   */
  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): Timer {
    const timer: FakeTimer = {
      id: this.#nextId++,
      at: this.#now + Math.max(0, ms),
      fn,
      cancelled: false,
    };
    this.#timers.push(timer);
    this.#notifyWaiters();
    return {
      cancel: () => {
        timer.cancelled = true;
        this.#timers = this.#timers.filter((t) => t !== timer);
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  /** Number of timers scheduled and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** The deadline of the earliest pending timer, or `undefined`. */
  nextTimerAt(): number | undefined {
    let min: number | undefined;
    for (const t of this.#timers) if (min === undefined || t.at < min) min = t.at;
    return min;
  }

  /**
   * Move time forward by `ms`, firing every timer that falls due, in order.
   * Timers scheduled by fired callbacks also fire if they fall due within the
   * window.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + Math.max(0, ms);
    await flushMicrotasks();
    for (;;) {
      const next = this.#popDue(target);
      if (!next) break;
      this.#now = Math.max(this.#now, next.at);
      next.fn();
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  /** Advance to the next pending timer and fire it (and any due at the same time). */
  async runNext(): Promise<boolean> {
    const at = this.nextTimerAt();
    if (at === undefined) return false;
    await this.advance(at - this.#now);
    return true;
  }

  /** Resolve once at least `count` timers are pending (real-time wait, no timeout). */
  waitForTimers(count = 1, signal?: AbortSignal): Promise<void> {
    if (this.#timers.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { count, resolve };
      this.#waiters.push(waiter);
      signal?.addEventListener(
        "abort",
        () => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(abortReason(signal));
        },
        { once: true },
      );
    });
  }

  #popDue(target: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers) {
      if (t.at > target) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    }
    if (best) this.#timers = this.#timers.filter((t) => t !== best);
    return best;
  }

  #notifyWaiters(): void {
    const ready = this.#waiters.filter((w) => this.#timers.length >= w.count);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}
