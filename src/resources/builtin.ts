/**
 * The registry of built-in resource types kubeloop knows (used by the fake
 * API server's discovery and by lookups by kind).
 *
 * @module
 */
import { CustomResourceDefinitions } from "./apiextensions.ts";
import { DaemonSets, Deployments, ReplicaSets, StatefulSets } from "./apps.ts";
import { CronJobs, Jobs } from "./batch.ts";
import { Leases } from "./coordination.ts";
import {
  ConfigMaps,
  EndpointsResource,
  Events,
  Namespaces,
  Nodes,
  Pods,
  Secrets,
  ServiceAccounts,
  Services,
} from "./core.ts";
import { EndpointSlices } from "./discovery.ts";
import { EventsV1 } from "./events.ts";
import type { ResourceType } from "./resource.ts";

/**
 * Every built-in resource type kubeloop defines.
 *
 * @example
 * ```ts
 * import { builtinResources } from "kubeloop";
 * const pods = builtinResources.find((r) => r.apiVersion === "v1" && r.kind === "Pod");
 * ```
 */
export const builtinResources: readonly ResourceType[] = [
  Pods,
  ConfigMaps,
  Secrets,
  Services,
  EndpointsResource,
  Namespaces,
  Nodes,
  ServiceAccounts,
  Events,
  Deployments,
  ReplicaSets,
  StatefulSets,
  DaemonSets,
  Jobs,
  CronJobs,
  Leases,
  EndpointSlices,
  EventsV1,
  CustomResourceDefinitions,
] as readonly ResourceType[];

/**
 * Find a built-in resource type by `apiVersion` and `kind`.
 *
 * @example
 * ```ts
 * import { findBuiltinResource } from "kubeloop";
 * findBuiltinResource("apps/v1", "Deployment")?.plural; // "deployments"
 * ```
 */
export function findBuiltinResource(apiVersion: string, kind: string): ResourceType | undefined {
  return builtinResources.find((r) => r.apiVersion === apiVersion && r.kind === kind);
}
