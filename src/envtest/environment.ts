/**
 * Layer 3 of envtest: {@link startTestCluster}. One options object; binaries
 * from the documented lookup; environment variables read in one place
 * (`settings.ts`); an existing-cluster switch; and a `stop()` that, like
 * process exit or SIGINT/SIGTERM, kills exactly the processes it started and
 * removes its temporary directories.
 *
 * @module
 */
import { type ClusterConfig, protectConfig } from "../client/config.ts";
import { loadKubeconfigFile } from "../client/kubeconfig.ts";
import { loadRuntime } from "../runtime/mod.ts";
import { loadProcessHost, type ProcessHost } from "../runtime/processes.ts";
import type { Runtime } from "../runtime/types.ts";
import type { Clock } from "../util/clock.ts";
import type { TokenUser } from "./apiserver.ts";
import { type BinaryOptions, type FoundBinaries, findBinaries } from "./binaries.ts";
import { ControlPlane } from "./control-plane.ts";
import { EnvtestError, ExistingClusterError } from "./errors.ts";
import { configFetch } from "./http.ts";
import { kubeconfigText } from "./kubeconfig.ts";
import { randomToken } from "./pki.ts";
import { ENVTEST_ENV, type EnvSource, secondsFromEnv } from "./settings.ts";

/**
 * The two users every test cluster has.
 *
 * @example
 * ```ts
 * import { startTestCluster, type TestUser } from "kubeloop/envtest";
 * const cluster = await startTestCluster();
 * const who: TestUser = "unprivileged";
 * console.log(cluster.kubeconfig(who));
 * ```
 */
export type TestUser = "admin" | "unprivileged";

/** User names in the token file. */
const USER_NAMES: Record<TestUser, string> = {
  admin: "kubeloop-envtest-admin",
  unprivileged: "kubeloop-envtest-unprivileged",
};

/**
 * What `GET /version` says.
 *
 * @example
 * ```ts
 * import { startTestCluster, type ServerVersion } from "kubeloop/envtest";
 * const cluster = await startTestCluster();
 * const v: ServerVersion = cluster.version;
 * console.log(v.gitVersion); // e.g. "v1.20.2"
 * ```
 */
export interface ServerVersion {
  /** e.g. `"1"`. */
  major: string;
  /** e.g. `"20"` (managed clusters may add a `+`). */
  minor: string;
  /** e.g. `"v1.20.2"`. */
  gitVersion: string;
  /** Everything else the server sent (`gitCommit`, `goVersion`, `platform`, ...). */
  [field: string]: unknown;
}

/**
 * An existing cluster to use instead of starting one.
 *
 * @example
 * ```ts
 * import { startTestCluster, type ExistingClusterOptions } from "kubeloop/envtest";
 * const existing: ExistingClusterOptions = { kubeconfig: "/home/me/.kube/config" };
 * const cluster = await startTestCluster({ existingCluster: existing });
 * ```
 */
export interface ExistingClusterOptions {
  /** Kubeconfig of an administrator (current context). */
  kubeconfig: string;
  /**
   * Kubeconfig of a user without RBAC bindings. Default: the administrator
   * impersonating `kubeloop-envtest-unprivileged` (`Impersonate-User`).
   */
  unprivilegedKubeconfig?: string | undefined;
}

/**
 * Options of {@link startTestCluster}. Options win over environment variables.
 *
 * @example
 * ```ts
 * import { startTestCluster, type TestClusterOptions } from "kubeloop/envtest";
 * const options: TestClusterOptions = {
 *   binaries: { dir: "/opt/envtest/1.20.2" },
 *   startTimeoutMs: 120_000,
 *   apiServerArgs: ["--feature-gates=ServerSideApply=true"],
 * };
 * const cluster = await startTestCluster(options);
 * ```
 */
export interface TestClusterOptions {
  /** Where to look for the binaries first (see {@link findBinaries} for the whole order). */
  binaries?: BinaryOptions | undefined;
  /**
   * Use an existing cluster instead of starting one. Default: the cluster in
   * `KUBELOOP_ENVTEST_KUBECONFIG` if set; `false` ignores that variable.
   */
  existingCluster?: ExistingClusterOptions | false | undefined;
  /** Readiness deadline per process (default: `KUBELOOP_ENVTEST_START_TIMEOUT` seconds, else 60 s). */
  startTimeoutMs?: number | undefined;
  /** SIGTERM → SIGKILL grace per process (default: `KUBELOOP_ENVTEST_STOP_TIMEOUT` seconds, else 20 s). */
  stopTimeoutMs?: number | undefined;
  /** Extra etcd flags (appended). */
  etcdArgs?: readonly string[] | undefined;
  /** Extra kube-apiserver flags (appended). */
  apiServerArgs?: readonly string[] | undefined;
  /** Parent folder of the temporary directories (default: the system's). */
  tempDir?: string | undefined;
  /** Where environment variables come from (default: the process environment). */
  env?: EnvSource | undefined;
  /** Clock for deadlines (default: the real clock). */
  clock?: Clock | undefined;
  /** The runtime (TLS transports). Default: detected. */
  runtime?: Runtime | undefined;
  /** Process support. Default: the runtime's ({@link loadProcessHost}). */
  processHost?: ProcessHost | undefined;
}

/**
 * Paths written by {@link TestCluster.writeKubeconfigs}.
 *
 * @example
 * ```ts
 * import { startTestCluster, type KubeconfigPaths } from "kubeloop/envtest";
 * declare const scratchDir: string; // an existing, private folder
 * const cluster = await startTestCluster();
 * const paths: KubeconfigPaths = await cluster.writeKubeconfigs(scratchDir);
 * ```
 */
export interface KubeconfigPaths {
  /** The administrator's kubeconfig. */
  admin: string;
  /** The unprivileged user's kubeconfig. */
  unprivileged: string;
}

/**
 * A running test cluster (or an existing one).
 *
 * @example
 * ```ts
 * import { ConfigMaps, KubeClient } from "kubeloop";
 * import { startTestCluster } from "kubeloop/envtest";
 * const cluster = await startTestCluster();
 * try {
 *   const client = new KubeClient(cluster.admin);
 *   await client.create(ConfigMaps, { metadata: { name: "x", namespace: "default" } });
 * } finally {
 *   await cluster.stop();
 * }
 * ```
 */
export interface TestCluster {
  /** The API server URL. */
  readonly server: string;
  /** Config of an administrator (`system:masters`). */
  readonly admin: ClusterConfig;
  /** Config of a user without RBAC bindings: most requests get 403. */
  readonly unprivileged: ClusterConfig;
  /** What the server's `/version` said. */
  readonly version: ServerVersion;
  /** Whether this is an existing cluster (then `stop()` leaves it alone). */
  readonly existing: boolean;
  /** The processes (absent for an existing cluster): restart kube-apiserver, stop etcd. */
  readonly controlPlane: ControlPlane | undefined;
  /** The binaries used (absent for an existing cluster). */
  readonly binaries: FoundBinaries | undefined;
  /** Kubeconfig text for a user (tokens inside: keep it private). */
  kubeconfig(user?: TestUser): string;
  /**
   * Write `admin.kubeconfig` and `unprivileged.kubeconfig` (mode 0600) into
   * `dir` (which must exist) and return their paths.
   */
  writeKubeconfigs(dir: string): Promise<KubeconfigPaths>;
  /**
   * Stop the processes this cluster started and remove its temporary
   * directories. Idempotent; throws {@link StopError} listing every failure.
   */
  stop(): Promise<void>;
}

function parseMinor(text: string): number | undefined {
  const m = /v?(\d+)\.(\d+)/.exec(text);
  return m ? Number(m[2]) : undefined;
}

async function binaryMinor(runtime: Runtime, binary: string): Promise<number | undefined> {
  if (!runtime.exec) return undefined;
  try {
    const r = await runtime.exec(binary, ["--version"], { signal: AbortSignal.timeout(30_000) });
    return r.code === 0 ? parseMinor(r.stdout) : undefined;
  } catch {
    return undefined;
  }
}

async function fetchVersion(config: ClusterConfig, runtime: Runtime): Promise<ServerVersion> {
  const f = configFetch(config, runtime);
  const res = await f("/version", { signal: AbortSignal.timeout(30_000) });
  const body = (await res.json()) as ServerVersion;
  if (!res.ok || typeof body?.gitVersion !== "string") {
    throw new EnvtestError(`envtest: GET /version answered ${res.status}`);
  }
  return body;
}

/**
 * Start etcd and kube-apiserver on free 127.0.0.1 ports, each in its own
 * temporary directory, with a fresh CA, serving certificate,
 * service-account key pair and two token users: an administrator
 * (`system:masters`) and an unprivileged user (no RBAC bindings, for 403
 * tests). Resolves once the API server is ready and the `default` namespace
 * exists.
 *
 * With `KUBELOOP_ENVTEST_KUBECONFIG` set (or `options.existingCluster`), it
 * starts nothing and returns that cluster instead.
 *
 * Errors: {@link BinaryNotFoundError} (with install instructions),
 * {@link ProcessStartError} (with the end of the process's log). On any
 * failure nothing is left running and the temporary directories are gone.
 *
 * Remember that a lone API server runs no controllers: no garbage
 * collection, namespaces stay `Terminating`, no ServiceAccount tokens,
 * Deployments make no ReplicaSets.
 *
 * @example
 * ```ts
 * import { ConfigMaps, KubeClient } from "kubeloop";
 * import { startTestCluster } from "kubeloop/envtest";
 *
 * const cluster = await startTestCluster();
 * try {
 *   console.log(cluster.version.gitVersion);
 *   const admin = new KubeClient(cluster.admin);
 *   await admin.create(ConfigMaps, { metadata: { name: "demo", namespace: "default" } });
 *   await cluster.controlPlane?.restartApiServer(); // etcd's data is kept
 * } finally {
 *   await cluster.stop();
 * }
 * ```
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const host = options.processHost ?? (await loadProcessHost());
  const runtime = options.runtime ?? (await loadRuntime());
  const env: EnvSource = options.env ?? ((n) => host.env(n));

  const existing = existingFrom(options, env);
  if (existing) return useExistingCluster(existing, host, runtime);

  const binaries = await findBinaries({ binaries: options.binaries, env, host });
  const tokens: Record<TestUser, string> = {
    admin: randomToken(),
    unprivileged: randomToken(),
  };
  const users: TokenUser[] = [
    { name: USER_NAMES.admin, token: tokens.admin, groups: ["system:masters"] },
    { name: USER_NAMES.unprivileged, token: tokens.unprivileged },
  ];
  const plane = new ControlPlane(host, runtime, {
    binaries: { etcd: binaries.etcd.path, kubeApiserver: binaries.kubeApiserver.path },
    users,
    minorVersion: await binaryMinor(runtime, binaries.kubeApiserver.path),
    etcdArgs: options.etcdArgs,
    apiServerArgs: options.apiServerArgs,
    tempParent: options.tempDir,
    startTimeoutMs:
      options.startTimeoutMs ?? secondsFromEnv(env, ENVTEST_ENV.startTimeout) ?? 60_000,
    stopTimeoutMs: options.stopTimeoutMs ?? secondsFromEnv(env, ENVTEST_ENV.stopTimeout) ?? 20_000,
    clock: options.clock,
  });
  // Registered before anything starts: a test process that exits (or gets
  // SIGINT/SIGTERM) halfway through starting still cleans up.
  const unregister = host.onExit(() => plane.killAndRemoveSync());
  try {
    await plane.start();
  } catch (err) {
    unregister();
    throw err;
  }

  const server = plane.apiServer.url;
  const ca = plane.apiServer.caCertificate;
  const config = (user: TestUser): ClusterConfig =>
    protectConfig({
      server,
      token: tokens[user],
      caCertificate: ca,
      namespace: "default",
      runtime,
    });
  const admin = config("admin");
  let version: ServerVersion;
  try {
    version = await fetchVersion(admin, runtime);
  } catch (err) {
    unregister();
    await plane.stop().catch(() => {});
    throw err;
  }

  const kubeconfig = (user: TestUser = "admin"): string =>
    kubeconfigText({ server, caCertificate: ca, user: USER_NAMES[user], token: tokens[user] });
  let stopping: Promise<void> | undefined;
  return {
    server,
    admin,
    unprivileged: config("unprivileged"),
    version,
    existing: false,
    controlPlane: plane,
    binaries,
    kubeconfig,
    writeKubeconfigs: (dir) => writeKubeconfigs(host, dir, kubeconfig),
    stop(): Promise<void> {
      // On failure the exit hook stays: it tries again (SIGKILL, remove) when the process ends.
      stopping ??= plane.stop().then(unregister);
      return stopping;
    },
  };
}

async function writeKubeconfigs(
  host: ProcessHost,
  dir: string,
  text: (user: TestUser) => string,
): Promise<KubeconfigPaths> {
  const base = dir.replace(/[\\/]+$/, "");
  const paths: KubeconfigPaths = {
    admin: `${base}/admin.kubeconfig`,
    unprivileged: `${base}/unprivileged.kubeconfig`,
  };
  await host.writeFile(paths.admin, text("admin"), { mode: 0o600 });
  await host.writeFile(paths.unprivileged, text("unprivileged"), { mode: 0o600 });
  return paths;
}

function existingFrom(
  options: TestClusterOptions,
  env: EnvSource,
): ExistingClusterOptions | undefined {
  if (options.existingCluster === false) return undefined;
  if (options.existingCluster) return options.existingCluster;
  const kubeconfig = env(ENVTEST_ENV.kubeconfig);
  if (!kubeconfig) return undefined;
  const unpriv = env(ENVTEST_ENV.kubeconfigUnprivileged);
  return { kubeconfig, ...(unpriv ? { unprivilegedKubeconfig: unpriv } : {}) };
}

async function useExistingCluster(
  existing: ExistingClusterOptions,
  host: ProcessHost,
  runtime: Runtime,
): Promise<TestCluster> {
  const admin = await loadKubeconfigFile(existing.kubeconfig, { runtime });
  const adminText = await host.readTextFile(existing.kubeconfig);
  let unprivileged: ClusterConfig;
  let unprivText: string | undefined;
  if (existing.unprivilegedKubeconfig) {
    unprivileged = await loadKubeconfigFile(existing.unprivilegedKubeconfig, { runtime });
    unprivText = await host.readTextFile(existing.unprivilegedKubeconfig);
  } else {
    unprivileged = protectConfig({
      ...admin,
      headers: { ...(admin.headers ?? {}), "Impersonate-User": USER_NAMES.unprivileged },
    });
  }
  const version = await fetchVersion(admin, runtime);
  const kubeconfig = (user: TestUser = "admin"): string => {
    if (user === "admin") return adminText;
    if (unprivText !== undefined) return unprivText;
    throw new ExistingClusterError(
      `envtest: no kubeconfig for the unprivileged user of the existing cluster; set ${ENVTEST_ENV.kubeconfigUnprivileged} (or existingCluster.unprivilegedKubeconfig)`,
    );
  };
  return {
    server: admin.server,
    admin,
    unprivileged,
    version,
    existing: true,
    controlPlane: undefined,
    binaries: undefined,
    kubeconfig,
    writeKubeconfigs: (dir) => writeKubeconfigs(host, dir, kubeconfig),
    stop: () => Promise.resolve(),
  };
}
