/**
 * Types shared by the built-in kinds: conditions, label selectors, containers, pod templates, object references. Re-exported from the generated `core/v1` module
 * (`kubeloop/kinds/core/v1`) under the names kubeloop has always used; kept so
 * deep imports of this file keep working. Nothing here is a hand-written schema.
 *
 * @module
 */
import * as z from "zod/mini";

export {
  type Container,
  ContainerSchema,
  type ObjectReference,
  ObjectReferenceSchema,
  type PodSpec,
  PodSpecSchema,
  type PodTemplateSpec,
  PodTemplateSpecSchema,
} from "../kinds/core/v1.ts";
export {
  type LabelSelector,
  type LabelSelectorRequirement,
  LabelSelectorSchema,
} from "../kinds/meta/v1.ts";
export { objectBase } from "./meta.ts";

/**
 * A status condition of any kind (`type`, `status`, reason, message, times): the shape the
 * generated condition types of every kind (`PodCondition`, `DeploymentCondition`, `meta/v1`
 * `Condition`, ...) share, for code that handles conditions generically.
 *
 * @example
 * ```ts
 * import type { Condition } from "kubeloop";
 * const ready: Condition = {
 *   type: "Ready",
 *   status: "True",
 *   reason: "MinimumReplicasAvailable",
 *   lastTransitionTime: "2024-01-01T00:00:00Z",
 * };
 * ```
 */
export interface Condition {
  /** Condition type, e.g. `Ready` or `Available`. */
  type: string;
  /** Condition status: `True`, `False` or `Unknown`. */
  status: string;
  /** Machine-readable, CamelCase reason for the last transition. */
  reason?: string | undefined;
  /** Human-readable message with details about the last transition. */
  message?: string | undefined;
  /** RFC 3339 time the condition last changed status (`null`: the zero time). */
  lastTransitionTime?: string | null | undefined;
  /** RFC 3339 time the condition was last updated (Deployment conditions). */
  lastUpdateTime?: string | null | undefined;
  /** RFC 3339 time the condition was last probed (Pod conditions); may be `null`. */
  lastProbeTime?: string | null | undefined;
  /** RFC 3339 time of the last heartbeat (Node conditions). */
  lastHeartbeatTime?: string | null | undefined;
  /** The `metadata.generation` the condition was set for. */
  observedGeneration?: number | undefined;
  /** Fields not modelled here, kept as received. */
  [key: string]: unknown;
}

/**
 * Schema for {@link Condition}: `type` and `status` required, the rest checked when present.
 *
 * @example
 * ```ts
 * import { ConditionSchema } from "kubeloop";
 * const r = ConditionSchema.safeParse({ type: "Ready", status: "False", reason: "Unhealthy" });
 * if (r.success) console.log(r.data.type, r.data.status);
 * ```
 */
export const ConditionSchema: z.ZodMiniType<Condition> = /* @__PURE__ */ (() =>
  z.looseObject({
    type: z.string(),
    status: z.string(),
    reason: z.optional(z.string()),
    message: z.optional(z.string()),
    lastTransitionTime: z.optional(z.nullable(z.string())),
    lastUpdateTime: z.optional(z.nullable(z.string())),
    lastProbeTime: z.optional(z.nullable(z.string())),
    lastHeartbeatTime: z.optional(z.nullable(z.string())),
    observedGeneration: z.optional(z.number()),
  }))();
