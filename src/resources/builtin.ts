/**
 * The registry of the generated built-in kinds (every kind is in
 * `kubeloop/kinds/<group>/<version>`) and lookups by `apiVersion` and `kind`.
 *
 * @module
 */
import { allBuiltinResources } from "../kinds/registry.ts";
import type { ResourceType } from "./resource.ts";

export { allBuiltinResources, builtinResources } from "../kinds/registry.ts";

/**
 * Find a built-in resource type by `apiVersion` and `kind`, in any version kubeloop generates.
 *
 * @example
 * ```ts
 * import { findBuiltinResource } from "kubeloop";
 * findBuiltinResource("apps/v1", "Deployment")?.plural; // "deployments"
 * findBuiltinResource("autoscaling/v2", "HorizontalPodAutoscaler")?.subresources; // ["status"]
 * ```
 */
export function findBuiltinResource(apiVersion: string, kind: string): ResourceType | undefined {
  return allBuiltinResources.find((r) => r.apiVersion === apiVersion && r.kind === kind);
}
