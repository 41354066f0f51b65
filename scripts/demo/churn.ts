// The churn phase both demos share: changes at a steady rate for a while, with planned faults
// injected on the way.
import { isConflict, isNotFound } from "../../src/mod.ts";

/** Resolves after `ms`, or at once when `signal` aborts. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/**
 * How far a churn phase has got (0 to 1), or `undefined` once it is over: it
 * lasts `churnMs` of wall time and, when `minChanges` is set, at least that
 * many changes (so a busy machine still makes the changes a test counts on).
 */
export function churnProgress(
  startedAt: number,
  churnMs: number,
  changes: number,
  minChanges = 0,
): number | undefined {
  const byTime = (Date.now() - startedAt) / churnMs;
  if (byTime >= 1 && changes >= minChanges) return undefined;
  return Math.min(1, Math.max(byTime, minChanges > 0 ? changes / minChanges : 0));
}

/** A fault to inject once the churn has got `at` (0 to 1) of the way. */
export interface PlannedFault {
  at: number;
  label: string;
  run: () => void;
}

/** What {@link churn} needs. */
export interface ChurnOptions {
  /** When the phase started (`Date.now()`). */
  startedAt: number;
  churnMs: number;
  minChanges?: number | undefined;
  opsPerSecond: number;
  random: () => number;
  signal: AbortSignal;
  /** Injected in order as the churn passes their `at`; their labels are added to `stats.faults`. */
  faults: PlannedFault[];
  stats: { changes: number; faults: string[] };
  /** One change; not-found and conflict errors are expected and ignored. */
  change: () => Promise<void>;
  /** Told each fault as it is injected. */
  onFault: (label: string) => void;
}

/** Make changes at about `opsPerSecond` (jittered) until {@link churnProgress} ends the phase. */
export async function churn(o: ChurnOptions): Promise<void> {
  const interval = 1000 / o.opsPerSecond;
  for (;;) {
    const progress = churnProgress(o.startedAt, o.churnMs, o.stats.changes, o.minChanges);
    if (o.signal.aborted || progress === undefined) return;
    while (o.faults[0] && o.faults[0].at <= progress) {
      const f = o.faults.shift()!;
      f.run();
      o.stats.faults.push(f.label);
      o.onFault(f.label);
    }
    try {
      await o.change();
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    await sleep(interval * (0.5 + o.random()), o.signal);
  }
}
