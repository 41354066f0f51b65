/**
 * Internal abort-signal helpers for election and sharding (not exported from
 * the package).
 *
 * @module
 */
import type { Clock } from "../util/clock.ts";

/** A derived signal and the function that detaches it from its parents. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Abort the derived signal (idempotent). */
  abort(reason?: unknown): void;
  /** Detach from the parents and cancel timers; does not abort. */
  dispose(): void;
}

/**
 * A signal that aborts when any of `parents` aborts, when `abort()` is called,
 * or (with `timeoutMs`) after that long on `clock`.
 */
export function linkSignals(
  parents: readonly (AbortSignal | undefined)[],
  clock?: Clock,
  timeoutMs?: number,
  timeoutReason?: () => unknown,
): LinkedSignal {
  const ctl = new AbortController();
  const cleanups: (() => void)[] = [];
  const dispose = (): void => {
    for (const c of cleanups.splice(0)) c();
  };
  const abort = (reason?: unknown): void => {
    dispose();
    if (!ctl.signal.aborted) ctl.abort(reason);
  };
  for (const p of parents) {
    if (!p) continue;
    if (p.aborted) {
      abort(p.reason);
      return { signal: ctl.signal, abort, dispose };
    }
    const on = (): void => abort(p.reason);
    p.addEventListener("abort", on, { once: true });
    cleanups.push(() => p.removeEventListener("abort", on));
  }
  if (clock && timeoutMs !== undefined) {
    const timer = clock.setTimer(
      () =>
        abort(timeoutReason?.() ?? new DOMException("The operation timed out.", "TimeoutError")),
      timeoutMs,
    );
    cleanups.push(() => timer.cancel());
  }
  return { signal: ctl.signal, abort, dispose };
}

/** Sleep on `clock`; resolves `false` instead of rejecting when `signal` aborts. */
export async function sleepUnlessAborted(
  clock: Clock,
  ms: number,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await clock.sleep(ms, signal);
    return true;
  } catch {
    return false;
  }
}

/** The message of an unknown error value, for log fields. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
