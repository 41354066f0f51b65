/**
 * `kubeloop/testing`: an in-memory Kubernetes API server for tests, with
 * fault injection, usable in-process (`server.fetch`) or over HTTP
 * (`server.listen()`).
 *
 * @example
 * ```ts
 * import { ConfigMaps } from "kubeloop";
 * import { FakeApiServer } from "kubeloop/testing";
 *
 * const server = new FakeApiServer();
 * server.create(ConfigMaps, { metadata: { name: "a", namespace: "default" } });
 * const { url, close } = await server.listen();
 * // point a client (or kubectl --server) at `url`, or use `server.fetch` in-process
 * await close();
 * await server.close();
 * ```
 *
 * @module
 */

export {
  type FailOptions,
  type FailRule,
  FaultInjector,
  type FaultTarget,
  type RequestInfo,
  type RequestMatch,
  type Verb,
} from "./fake-apiserver/faults.ts";
export type { RequestLogEntry, StreamingListMode } from "./fake-apiserver/handler.ts";
export type { YamlCodec } from "./fake-apiserver/negotiation.ts";
export {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  type JsonPatchOperation,
  PatchError,
  type PatchType,
} from "./fake-apiserver/patch.ts";
export {
  type DirectListOptions,
  FakeApiServer,
  type FakeApiServerOptions,
  type Listener,
  type ListenOptions,
} from "./fake-apiserver/server.ts";
export { applyStrategicMergePatchWith } from "./fake-apiserver/smp.ts";
export { type StatusDetails, StatusError, type StatusReason } from "./fake-apiserver/status.ts";
export { seededRandom } from "./random.ts";
export { type TestControllerRunOptions, testControllerRun } from "./run.ts";
