/**
 * `kubeloop/envtest`: a real etcd and kube-apiserver for tests, the
 * TypeScript counterpart of controller-runtime's envtest. Node, Deno and Bun
 * only (it starts processes); not part of the edge build.
 *
 * Three layers: {@link ManagedProcess} (one process: spawn, readiness
 * deadline, early-exit detection, SIGTERM then SIGKILL, scratch cleanup),
 * {@link ControlPlane} (etcd then kube-apiserver; restart the API server with
 * etcd's data kept) and {@link startTestCluster} (one options object, binary
 * lookup, users, kubeconfigs, existing-cluster switch, cleanup on exit).
 *
 * @example
 * ```ts
 * import { ConfigMaps, KubeClient } from "kubeloop";
 * import { startTestCluster } from "kubeloop/envtest";
 *
 * const cluster = await startTestCluster();
 * try {
 *   const client = new KubeClient(cluster.admin);
 *   await client.create(ConfigMaps, { metadata: { name: "hello", namespace: "default" } });
 * } finally {
 *   await cluster.stop();
 * }
 * ```
 *
 * @module
 */
export {
  loadProcessHost,
  type ProcessExit,
  type ProcessHost,
  type ProcessSignal,
  type SpawnedProcess,
  type SpawnOptions,
} from "../runtime/processes.ts";
export { ApiServer, type ApiServerOptions, type TokenUser } from "./apiserver.ts";
export {
  type BinaryName,
  type BinaryOptions,
  binaryCandidates,
  type FindBinariesOptions,
  type FoundBinaries,
  type FoundBinary,
  findBinaries,
} from "./binaries.ts";
export { ControlPlane, type ControlPlaneOptions } from "./control-plane.ts";
export {
  type ExistingClusterOptions,
  type KubeconfigPaths,
  type ServerVersion,
  startTestCluster,
  type TestCluster,
  type TestClusterOptions,
  type TestUser,
} from "./environment.ts";
export {
  type BinaryCandidate,
  BinaryNotFoundError,
  EnvtestError,
  ExistingClusterError,
  ProcessStartError,
  StopError,
} from "./errors.ts";
export { Etcd, type EtcdOptions } from "./etcd.ts";
export {
  ManagedProcess,
  type ManagedProcessOptions,
  type ProcessSpec,
  readLogTail,
} from "./process-lifecycle.ts";
export {
  defaultCacheDir,
  ENVTEST_ENV,
  type EnvSource,
  envtestCacheDir,
  secondsFromEnv,
} from "./settings.ts";
