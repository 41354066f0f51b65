/**
 * Typed errors of `kubeloop/envtest`. All extend {@link EnvtestError}.
 * Messages name the failed step; `cause` holds the inner error. They never
 * contain tokens or keys (log tails come from etcd and kube-apiserver, which
 * do not print the token file).
 *
 * @module
 */

/**
 * Base class of every envtest error.
 *
 * @example
 * ```ts
 * import { EnvtestError, startTestCluster } from "kubeloop/envtest";
 * try {
 *   await startTestCluster();
 * } catch (err) {
 *   if (err instanceof EnvtestError) console.error(`envtest: ${err.message}`);
 * }
 * ```
 */
export class EnvtestError extends Error {
  /** The concrete class name. */
  override readonly name: string = "EnvtestError";
}

/**
 * One place looked at for a binary, and why it did not do.
 *
 * @example
 * ```ts
 * import type { BinaryCandidate } from "kubeloop/envtest";
 * const c: BinaryCandidate = { source: "KUBEBUILDER_ASSETS", path: "/opt/assets/etcd", found: false };
 * ```
 */
export interface BinaryCandidate {
  /** Where the path came from (`options.binaries`, `KUBEBUILDER_ASSETS`, `PATH`, ...). */
  source: string;
  /** The path checked. */
  path: string;
  /** Whether an executable file was there. */
  found: boolean;
}

/**
 * `etcd` or `kube-apiserver` was found nowhere in the lookup order. The
 * message lists every place checked and how to install the binaries.
 *
 * @example
 * ```ts
 * import { BinaryNotFoundError, startTestCluster } from "kubeloop/envtest";
 * try {
 *   await startTestCluster();
 * } catch (err) {
 *   if (err instanceof BinaryNotFoundError) console.error(err.missing, err.message);
 * }
 * ```
 */
export class BinaryNotFoundError extends EnvtestError {
  /** Always `"BinaryNotFoundError"`. */
  override readonly name: string = "BinaryNotFoundError";
  /** The binaries not found (`"etcd"`, `"kube-apiserver"`). */
  readonly missing: readonly string[];
  /** Every place checked, in lookup order. */
  readonly checked: readonly BinaryCandidate[];
  /**
   * Create the error.
   *
   * @param missing the binaries not found.
   * @param checked every place checked.
   */
  constructor(missing: readonly string[], checked: readonly BinaryCandidate[]) {
    const lines = checked
      .filter((c) => missing.some((m) => c.path.endsWith(m)))
      .map((c) => `  - ${c.source}: ${c.path}`);
    super(
      `envtest: ${missing.join(" and ")} not found. Looked in:\n${lines.join("\n")}\n` +
        "Get them with `bash scripts/envtest/install.sh` (Debian 12: etcd from Debian, kube-apiserver 1.20.2 " +
        "built from Debian's source package, into ~/.cache/kubeloop/envtest), or point KUBEBUILDER_ASSETS at a " +
        "folder holding etcd and kube-apiserver (e.g. from `setup-envtest use -p path`), or pass " +
        "`binaries` to startTestCluster.",
    );
    this.missing = missing;
    this.checked = checked;
  }
}

/**
 * A process did not become ready: it exited early, or its readiness check
 * did not pass before the deadline. The message ends with the tail of its log.
 *
 * @example
 * ```ts
 * import { ProcessStartError, startTestCluster } from "kubeloop/envtest";
 * try {
 *   await startTestCluster({ startTimeoutMs: 5_000 });
 * } catch (err) {
 *   if (err instanceof ProcessStartError) console.error(err.process, err.logTail);
 * }
 * ```
 */
export class ProcessStartError extends EnvtestError {
  /** Always `"ProcessStartError"`. */
  override readonly name: string = "ProcessStartError";
  /** Which process (`"etcd"`, `"kube-apiserver"`). */
  readonly process: string;
  /** The last lines of the process's output. */
  readonly logTail: string;
  /** The exit code or signal, when it exited. */
  readonly exit: { code: number | null; signal: string | null } | undefined;
  /**
   * Create the error.
   *
   * @param process which process.
   * @param what what went wrong.
   * @param logTail the end of its log.
   * @param exit how it exited, if it did.
   * @param options `cause`.
   */
  constructor(
    process: string,
    what: string,
    logTail: string,
    exit?: { code: number | null; signal: string | null },
    options?: { cause?: unknown },
  ) {
    const tail = logTail.trim() ? `\n--- last lines of its output ---\n${logTail.trimEnd()}` : "";
    super(`envtest: ${process} ${what}${tail}`, options);
    this.process = process;
    this.logTail = logTail;
    this.exit = exit;
  }
}

/**
 * Stopping failed: a process would not die, or a temporary directory could
 * not be removed. `errors` holds every failure (stopping goes on after one).
 *
 * @example
 * ```ts
 * import { StopError, startTestCluster } from "kubeloop/envtest";
 * const cluster = await startTestCluster();
 * try {
 *   await cluster.stop();
 * } catch (err) {
 *   if (err instanceof StopError) for (const e of err.errors) console.error(e);
 * }
 * ```
 */
export class StopError extends EnvtestError {
  /** Always `"StopError"`. */
  override readonly name: string = "StopError";
  /** Every failure, in order. */
  readonly errors: readonly unknown[];
  /**
   * Create the error.
   *
   * @param errors every failure.
   */
  constructor(errors: readonly unknown[]) {
    const msgs = errors.map((e) => `  - ${(e as Error)?.message ?? String(e)}`);
    super(`envtest: stopping failed:\n${msgs.join("\n")}`, { cause: errors[0] });
    this.errors = errors;
  }
}

/**
 * An operation needs a control plane that this cluster does not have (it is
 * an existing cluster), or a kubeconfig that was not given.
 *
 * @example
 * ```ts
 * import { ExistingClusterError, startTestCluster } from "kubeloop/envtest";
 * const cluster = await startTestCluster();
 * try {
 *   await cluster.controlPlane?.restartApiServer();
 * } catch (err) {
 *   if (err instanceof ExistingClusterError) console.error(err.message);
 * }
 * ```
 */
export class ExistingClusterError extends EnvtestError {
  /** Always `"ExistingClusterError"`. */
  override readonly name: string = "ExistingClusterError";
}
