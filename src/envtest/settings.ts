/**
 * Every environment variable envtest reads, in one place, and the default
 * cache directory that `scripts/envtest/install.sh` fills.
 *
 * @module
 */

/**
 * The names of the environment variables envtest reads.
 *
 * | variable | meaning |
 * | --- | --- |
 * | `KUBEBUILDER_ASSETS` | a folder holding `etcd` and `kube-apiserver` (setup-envtest's layout) |
 * | `KUBELOOP_ENVTEST_DIR` | the installer's folder; binaries in its `bin/` (default `$XDG_CACHE_HOME/kubeloop/envtest`, else `~/.cache/kubeloop/envtest`) |
 * | `KUBELOOP_ENVTEST_KUBECONFIG` | use this existing cluster (admin kubeconfig) instead of starting one |
 * | `KUBELOOP_ENVTEST_KUBECONFIG_UNPRIV` | the existing cluster's user without RBAC bindings (default: the admin impersonating one) |
 * | `KUBELOOP_ENVTEST_START_TIMEOUT` | seconds each process may take to become ready (default 60) |
 * | `KUBELOOP_ENVTEST_STOP_TIMEOUT` | seconds between SIGTERM and SIGKILL (default 20) |
 * | `KUBELOOP_ENVTEST_REQUIRED` | `1`: kubeloop's own test runs fail instead of skipping when binaries are missing |
 *
 * @example
 * ```ts
 * import { ENVTEST_ENV } from "kubeloop/envtest";
 * console.log(`set ${ENVTEST_ENV.assets} to a folder holding etcd and kube-apiserver`);
 * ```
 */
export const ENVTEST_ENV: {
  readonly assets: "KUBEBUILDER_ASSETS";
  readonly dir: "KUBELOOP_ENVTEST_DIR";
  readonly kubeconfig: "KUBELOOP_ENVTEST_KUBECONFIG";
  readonly kubeconfigUnprivileged: "KUBELOOP_ENVTEST_KUBECONFIG_UNPRIV";
  readonly startTimeout: "KUBELOOP_ENVTEST_START_TIMEOUT";
  readonly stopTimeout: "KUBELOOP_ENVTEST_STOP_TIMEOUT";
  readonly required: "KUBELOOP_ENVTEST_REQUIRED";
} = {
  assets: "KUBEBUILDER_ASSETS",
  dir: "KUBELOOP_ENVTEST_DIR",
  kubeconfig: "KUBELOOP_ENVTEST_KUBECONFIG",
  kubeconfigUnprivileged: "KUBELOOP_ENVTEST_KUBECONFIG_UNPRIV",
  startTimeout: "KUBELOOP_ENVTEST_START_TIMEOUT",
  stopTimeout: "KUBELOOP_ENVTEST_STOP_TIMEOUT",
  required: "KUBELOOP_ENVTEST_REQUIRED",
};

/**
 * A source of environment variables (`undefined` when unset).
 *
 * @example
 * ```ts
 * import type { EnvSource } from "kubeloop/envtest";
 * const env: EnvSource = (name) => ({ KUBEBUILDER_ASSETS: "/opt/envtest/1.20.2" })[name];
 * ```
 */
export type EnvSource = (name: string) => string | undefined;

/**
 * The installer's folder: `KUBELOOP_ENVTEST_DIR`, else
 * `$XDG_CACHE_HOME/kubeloop/envtest`, else `$HOME/.cache/kubeloop/envtest`.
 * `undefined` when none of these variables is set.
 *
 * @example
 * ```ts
 * import { envtestCacheDir } from "kubeloop/envtest";
 * envtestCacheDir((n) => ({ HOME: "/home/me" })[n]); // "/home/me/.cache/kubeloop/envtest"
 * ```
 */
export function envtestCacheDir(env: EnvSource): string | undefined {
  const explicit = nonEmpty(env(ENVTEST_ENV.dir));
  if (explicit) return explicit;
  return defaultCacheDir(env);
}

/**
 * The default installer folder, ignoring `KUBELOOP_ENVTEST_DIR`.
 *
 * @example
 * ```ts
 * import { defaultCacheDir } from "kubeloop/envtest";
 * defaultCacheDir((n) => ({ XDG_CACHE_HOME: "/var/cache/me" })[n]); // "/var/cache/me/kubeloop/envtest"
 * ```
 */
export function defaultCacheDir(env: EnvSource): string | undefined {
  const xdg = nonEmpty(env("XDG_CACHE_HOME"));
  if (xdg) return `${trimSlash(xdg)}/kubeloop/envtest`;
  const home = nonEmpty(env("HOME")) ?? nonEmpty(env("USERPROFILE"));
  if (home) return `${trimSlash(home)}/.cache/kubeloop/envtest`;
  return undefined;
}

/**
 * A variable's value in seconds as milliseconds, or `undefined` when unset
 * or not a positive number.
 *
 * @example
 * ```ts
 * import { secondsFromEnv } from "kubeloop/envtest";
 * secondsFromEnv((n) => ({ KUBELOOP_ENVTEST_START_TIMEOUT: "90" })[n], "KUBELOOP_ENVTEST_START_TIMEOUT"); // 90000
 * ```
 */
export function secondsFromEnv(env: EnvSource, name: string): number | undefined {
  const v = nonEmpty(env(name));
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v;
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/[\\/]+$/, "") : p;
}
