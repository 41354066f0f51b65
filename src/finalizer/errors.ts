/**
 * Errors of the finalizer helper.
 *
 * @module
 */

/**
 * Which step of {@link withFinalizer} failed: adding the finalizer, the
 * user's `apply`, the user's `cleanup`, or removing the finalizer.
 *
 * @example
 * ```ts
 * import type { FinalizerStep } from "kubeloop";
 * const step: FinalizerStep = "cleanup";
 * ```
 */
export type FinalizerStep = "add" | "apply" | "cleanup" | "remove";

/**
 * A step of {@link withFinalizer} failed; `cause` holds the inner error. The
 * controller retries the key with backoff (the finalizer stays until
 * `cleanup` succeeded and the guarded removal went through).
 *
 * @example
 * ```ts
 * import { FinalizerError } from "kubeloop";
 * const onError = (err: unknown) => {
 *   if (err instanceof FinalizerError && err.step === "cleanup") console.warn("cleanup will be retried", err.cause);
 * };
 * ```
 */
export class FinalizerError extends Error {
  /** Always `"FinalizerError"`. */
  override readonly name = "FinalizerError";
  /** The step that failed. */
  readonly step: FinalizerStep;
  /** The finalizer's name. */
  readonly finalizer: string;
  /** The object's key. */
  readonly key: string;
  /**
   * Create the error.
   *
   * @param step the step that failed.
   * @param finalizer the finalizer's name.
   * @param key the object's key.
   * @param cause the inner error.
   */
  constructor(step: FinalizerStep, finalizer: string, key: string, cause: unknown) {
    const what =
      step === "add"
        ? "adding the finalizer"
        : step === "remove"
          ? "removing the finalizer"
          : step === "apply"
            ? "apply"
            : "cleanup";
    super(
      `finalizer ${finalizer}: ${what} for ${key} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.step = step;
    this.finalizer = finalizer;
    this.key = key;
  }
}
