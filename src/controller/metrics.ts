/**
 * Metrics hooks of a controller: what each reconcile ended with and how long
 * it took, and how many workers are busy. Plain callbacks (the contract);
 * `PrometheusRegistry.controllerMetrics` is one implementation.
 *
 * @module
 */

/**
 * How a reconcile ended, with controller-runtime's label values:
 * `success`, `error`, `requeue` (`requeueAfter: 0`) or `requeue_after`.
 *
 * @example
 * ```ts
 * import type { ReconcileOutcome } from "kubeloop";
 * const outcome: ReconcileOutcome = "requeue_after";
 * ```
 */
export type ReconcileOutcome = "success" | "error" | "requeue" | "requeue_after";

/**
 * What a controller reports about its reconciles. Every method must be cheap
 * and must not throw.
 *
 * @example
 * ```ts
 * import type { ReconcileMetrics, ReconcileOutcome } from "kubeloop";
 * const totals = new Map<ReconcileOutcome, number>();
 * const metrics: ReconcileMetrics = {
 *   reconcile: (outcome) => totals.set(outcome, (totals.get(outcome) ?? 0) + 1),
 *   dropped: () => {},
 *   activeWorkers: () => {},
 * };
 * ```
 */
export interface ReconcileMetrics {
  /** An `upsert` or `delete` call ended with `outcome` after `durationMs` (on the controller's clock). */
  reconcile(outcome: ReconcileOutcome, durationMs: number): void;
  /** A key was given up on after its retries ran out. */
  dropped(): void;
  /** The number of workers inside a callback changed to `n`. */
  activeWorkers(n: number): void;
}
