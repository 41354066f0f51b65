/**
 * Where envtest finds `etcd` and `kube-apiserver`. Each binary is looked up
 * on its own, in this order; the first executable file wins:
 *
 * 1. `options.binaries.etcd` / `options.binaries.kubeApiserver` (a file),
 * 2. `options.binaries.dir` (a folder holding both),
 * 3. `$KUBEBUILDER_ASSETS` (setup-envtest's layout: a folder holding both),
 * 4. `$KUBELOOP_ENVTEST_DIR/bin`,
 * 5. the default cache folder's `bin/` (`$XDG_CACHE_HOME/kubeloop/envtest`,
 *    else `~/.cache/kubeloop/envtest`), which `scripts/envtest/install.sh` fills,
 * 6. every folder on `PATH`.
 *
 * @module
 */
import { loadProcessHost, type ProcessHost } from "../runtime/processes.ts";
import { type BinaryCandidate, BinaryNotFoundError } from "./errors.ts";
import { defaultCacheDir, ENVTEST_ENV, type EnvSource } from "./settings.ts";

/**
 * Where to look first (`options.binaries` of {@link startTestCluster}).
 *
 * @example
 * ```ts
 * import { startTestCluster, type BinaryOptions } from "kubeloop/envtest";
 * const binaries: BinaryOptions = { dir: "/opt/envtest/1.20.2" };
 * const cluster = await startTestCluster({ binaries });
 * ```
 */
export interface BinaryOptions {
  /** A folder holding `etcd` and `kube-apiserver`. */
  dir?: string | undefined;
  /** The `etcd` binary itself. */
  etcd?: string | undefined;
  /** The `kube-apiserver` binary itself. */
  kubeApiserver?: string | undefined;
}

/**
 * A binary and where it was found.
 *
 * @example
 * ```ts
 * import { findBinaries, type FoundBinary } from "kubeloop/envtest";
 * const found: FoundBinary = (await findBinaries()).etcd;
 * console.log(`${found.path} (from ${found.source})`);
 * ```
 */
export interface FoundBinary {
  /** Path of the executable. */
  path: string;
  /** Which step of the lookup found it (`KUBEBUILDER_ASSETS`, `PATH`, ...). */
  source: string;
}

/**
 * Both binaries.
 *
 * @example
 * ```ts
 * import { findBinaries, type FoundBinaries } from "kubeloop/envtest";
 * const found: FoundBinaries = await findBinaries();
 * console.log(found.kubeApiserver.path);
 * ```
 */
export interface FoundBinaries {
  /** `etcd`. */
  etcd: FoundBinary;
  /** `kube-apiserver`. */
  kubeApiserver: FoundBinary;
}

/**
 * Options of {@link findBinaries}.
 *
 * @example
 * ```ts
 * import { findBinaries, type FindBinariesOptions } from "kubeloop/envtest";
 * const options: FindBinariesOptions = { binaries: { dir: "/opt/envtest" } };
 * const found = await findBinaries(options);
 * ```
 */
export interface FindBinariesOptions {
  /** Explicit locations, checked first. */
  binaries?: BinaryOptions | undefined;
  /** Environment variables (default: the process's). */
  env?: EnvSource | undefined;
  /** File checks (default: the runtime's {@link ProcessHost}). */
  host?: Pick<ProcessHost, "isExecutable" | "env" | "pathDelimiter"> | undefined;
}

/**
 * The two binaries, by their option names.
 *
 * @example
 * ```ts
 * import type { BinaryName } from "kubeloop/envtest";
 * const which: BinaryName = "kubeApiserver";
 * ```
 */
export type BinaryName = "etcd" | "kubeApiserver";

const NAMES: Record<BinaryName, string> = { etcd: "etcd", kubeApiserver: "kube-apiserver" };

function join(dir: string, name: string): string {
  return `${dir.replace(/[\\/]+$/, "")}/${name}`;
}

/**
 * Every candidate path for `binary`, in lookup order.
 *
 * @example
 * ```ts
 * import { binaryCandidates } from "kubeloop/envtest";
 * const list = binaryCandidates("etcd", {}, (n) => ({ KUBEBUILDER_ASSETS: "/opt/a", PATH: "/usr/bin" })[n], ":");
 * // [{ source: "KUBEBUILDER_ASSETS", path: "/opt/a/etcd" }, ..., { source: "PATH", path: "/usr/bin/etcd" }]
 * ```
 */
export function binaryCandidates(
  binary: BinaryName,
  options: BinaryOptions,
  env: EnvSource,
  pathDelimiter: string,
): { source: string; path: string }[] {
  const name = NAMES[binary];
  const out: { source: string; path: string }[] = [];
  const explicit = options[binary];
  if (explicit) out.push({ source: `options.binaries.${binary}`, path: explicit });
  if (options.dir) out.push({ source: "options.binaries.dir", path: join(options.dir, name) });
  const assets = env(ENVTEST_ENV.assets);
  if (assets) out.push({ source: ENVTEST_ENV.assets, path: join(assets, name) });
  const dir = env(ENVTEST_ENV.dir);
  if (dir) out.push({ source: ENVTEST_ENV.dir, path: join(join(dir, "bin"), name) });
  const cache = defaultCacheDir(env);
  if (cache) {
    out.push({
      source: "default cache (scripts/envtest/install.sh)",
      path: join(join(cache, "bin"), name),
    });
  }
  for (const p of (env("PATH") ?? "").split(pathDelimiter)) {
    if (p) out.push({ source: "PATH", path: join(p, name) });
  }
  return out;
}

/**
 * Find `etcd` and `kube-apiserver` (see the module documentation for the
 * order). Throws {@link BinaryNotFoundError}, listing every place checked
 * and how to install them, when either is missing.
 *
 * @example
 * ```ts
 * import { BinaryNotFoundError, findBinaries } from "kubeloop/envtest";
 * try {
 *   const { etcd, kubeApiserver } = await findBinaries();
 *   console.log(etcd.path, kubeApiserver.path);
 * } catch (err) {
 *   if (err instanceof BinaryNotFoundError) console.log("no real API server here:", err.missing);
 * }
 * ```
 */
export async function findBinaries(options: FindBinariesOptions = {}): Promise<FoundBinaries> {
  const host = options.host ?? (await loadProcessHost());
  const env = options.env ?? ((n: string): string | undefined => host.env(n));
  const checked: BinaryCandidate[] = [];
  const missing: string[] = [];
  const found: Partial<FoundBinaries> = {};
  for (const binary of ["etcd", "kubeApiserver"] as const) {
    for (const c of binaryCandidates(binary, options.binaries ?? {}, env, host.pathDelimiter)) {
      const ok = await host.isExecutable(c.path);
      checked.push({ ...c, found: ok });
      if (ok) {
        found[binary] = c;
        break;
      }
    }
    if (!found[binary]) missing.push(NAMES[binary]);
  }
  if (missing.length) throw new BinaryNotFoundError(missing, checked);
  return found as FoundBinaries;
}
