/**
 * `coordination.k8s.io/v1` Lease, the kind leader election is built on.
 *
 * @module
 */
import { z } from "zod";
import { objectBase } from "./common.ts";
import type { KubernetesObject } from "./meta.ts";
import { defineResource, type ResourceType } from "./resource.ts";

/**
 * The spec of a {@link Lease}. Times are RFC 3339 micro-time strings.
 *
 * @example
 * ```ts
 * import type { LeaseSpec } from "kubeloop";
 * const spec: LeaseSpec = {
 *   holderIdentity: "controller-7f9c-0",
 *   leaseDurationSeconds: 15,
 *   acquireTime: "2024-01-01T00:00:00.000000Z",
 *   renewTime: "2024-01-01T00:00:10.000000Z",
 *   leaseTransitions: 0,
 * };
 * ```
 */
export interface LeaseSpec {
  /** Identity of the current holder of the lease. */
  holderIdentity?: string | null | undefined;
  /** Seconds a candidate must wait before it may take the lease over. */
  leaseDurationSeconds?: number | null | undefined;
  /** RFC 3339 micro-time the current holder acquired the lease. */
  acquireTime?: string | null | undefined;
  /** RFC 3339 micro-time the current holder last renewed the lease. */
  renewTime?: string | null | undefined;
  /** Number of times the lease changed holders. */
  leaseTransitions?: number | null | undefined;
  /** Coordinated leader election strategy, e.g. `OldestEmulationVersion`. */
  strategy?: string | undefined;
  /** Identity of the holder that should take the lease next (coordinated election). */
  preferredHolder?: string | undefined;
  /** Fields not modelled here, kept as received. */
  [key: string]: unknown;
}

/**
 * A Lease.
 *
 * @example
 * ```ts
 * import type { Lease } from "kubeloop";
 * const lease: Lease = {
 *   metadata: { name: "my-controller", namespace: "kube-system" },
 *   spec: { holderIdentity: "controller-7f9c-0", leaseDurationSeconds: 15 },
 * };
 * ```
 */
export interface Lease extends KubernetesObject {
  /** Holder, duration and renewal times of the lease. */
  spec?: LeaseSpec | undefined;
}

/**
 * Schema for {@link Lease}.
 *
 * @example
 * ```ts
 * import { LeaseSchema } from "kubeloop";
 * declare const json: unknown;
 * const r = LeaseSchema.safeParse(json);
 * if (r.success) console.log(r.data.spec?.holderIdentity, r.data.spec?.renewTime);
 * ```
 */
export const LeaseSchema: ResourceType<Lease>["schema"] = z.looseObject({
  ...objectBase,
  spec: z
    .looseObject({
      holderIdentity: z.string().nullable().optional(),
      leaseDurationSeconds: z.number().nullable().optional(),
      acquireTime: z.string().nullable().optional(),
      renewTime: z.string().nullable().optional(),
      leaseTransitions: z.number().nullable().optional(),
      strategy: z.string().optional(),
      preferredHolder: z.string().optional(),
    })
    .optional(),
});

/**
 * `coordination.k8s.io/v1` Leases.
 *
 * @example
 * ```ts
 * import { type KubeClient, Leases } from "kubeloop";
 * declare const client: KubeClient;
 * const lease = await client.get(Leases, "my-controller", { namespace: "kube-system" });
 * console.log("leader:", lease.spec?.holderIdentity);
 * ```
 */
export const Leases: ResourceType<Lease> = defineResource({
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
  schema: LeaseSchema,
});
