/**
 * `coordination.k8s.io/v1` Lease, the kind leader election is built on.
 *
 * @module
 */
import { z } from "zod";
import { objectBase } from "./common.ts";
import type { KubernetesObject } from "./meta.ts";
import { defineResource, type ResourceType } from "./resource.ts";

/** The spec of a {@link Lease}. Times are RFC 3339 micro-time strings. */
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

/** A Lease. */
export interface Lease extends KubernetesObject {
  /** Holder, duration and renewal times of the lease. */
  spec?: LeaseSpec | undefined;
}

/** Schema for {@link Lease}. */
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

/** `coordination.k8s.io/v1` Leases. */
export const Leases: ResourceType<Lease> = defineResource({
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
  schema: LeaseSchema,
});
