/**
 * kubeloop: Kubernetes controllers in TypeScript that run unchanged on Node,
 * Deno, Bun and Cloudflare workerd.
 *
 * Data flows one way: API server → {@link KubeClient} → {@link Reflector}
 * (list + watch) → zod validation → {@link Store} → {@link Informer} handlers →
 * rate-limited {@link WorkQueue} → {@link Controller} → your `upsert`/`delete`.
 *
 * @example
 * ```ts
 * import { ConfigMaps, Controller, createInformer, KubeClient, newResource } from "kubeloop";
 *
 * const client = new KubeClient({ server: "https://kubernetes.example:6443", token: "..." });
 * const informer = createInformer(client, ConfigMaps, { namespace: "default" });
 * const controller = new Controller({
 *   resource: newResource(
 *     informer,
 *     async (key, cm) => console.log("upsert", key, cm.data),
 *     async (key) => console.log("delete", key),
 *   ),
 * });
 * const ac = new AbortController();
 * await controller.run(ac.signal);
 * ```
 *
 * @module
 */
export * from "./cache/mod.ts";
export * from "./client/mod.ts";
// `Event` is the controller's `{ key, obj }` (the consul-k8s name); the core/v1 Event kind is `CoreEvent`.
export type { Event } from "./controller/mod.ts";
export * from "./controller/mod.ts";
export * from "./election/mod.ts";
export * from "./events/mod.ts";
export * from "./finalizer/mod.ts";
export type { Event as CoreEvent } from "./kinds/core/v1.ts";
export * from "./manager/mod.ts";
export * from "./metrics/mod.ts";
export * from "./queue/mod.ts";
export * from "./resources/mod.ts";
export {
  type CheckpointFiles,
  detectRuntime,
  type ExecOptions,
  type ExecResult,
  loadCheckpointFiles,
  loadRuntime,
  type Runtime,
  type RuntimeName,
  type TlsOptions,
  TransportUnsupportedError,
} from "./runtime/mod.ts";
export * from "./status/mod.ts";
export * from "./util/backoff.ts";
export * from "./util/clock.ts";
export * from "./util/logger.ts";
