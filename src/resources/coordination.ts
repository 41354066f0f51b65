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
  holderIdentity?: string | null | undefined;
  leaseDurationSeconds?: number | null | undefined;
  acquireTime?: string | null | undefined;
  renewTime?: string | null | undefined;
  leaseTransitions?: number | null | undefined;
  strategy?: string | undefined;
  preferredHolder?: string | undefined;
  [key: string]: unknown;
}

/** A Lease. */
export interface Lease extends KubernetesObject {
  spec?: LeaseSpec | undefined;
}

/** Schema for {@link Lease}. */
export const LeaseSchema: z.ZodType<Lease> = z.looseObject({
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
