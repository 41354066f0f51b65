/**
 * Finalizers: run cleanup outside the cluster before an object goes away,
 * with guarded patches that never remove someone else's finalizer.
 *
 * @module
 */
export { FinalizerError, type FinalizerStep } from "./errors.ts";
export { type FinalizerOptions, hasFinalizer, withFinalizer } from "./finalizer.ts";
