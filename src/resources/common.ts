/**
 * Small schemas shared by the built-in kinds (conditions, label selectors,
 * pod templates). Kept loose: only the fields controllers commonly read are
 * type-checked, everything else is kept as is.
 *
 * @module
 */
import { z } from "zod";
import { type ObjectMeta, ObjectMetaSchema, StringMapSchema } from "./meta.ts";

/**
 * A status condition, as used by most kinds (`type`, `status`, reason, message, times).
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
  /** RFC 3339 time the condition last changed status. */
  lastTransitionTime?: string | undefined;
  /** RFC 3339 time the condition was last updated (Deployment conditions). */
  lastUpdateTime?: string | undefined;
  /** RFC 3339 time the condition was last probed (Pod conditions); may be `null`. */
  lastProbeTime?: string | null | undefined;
  /** RFC 3339 time of the last heartbeat (Node conditions). */
  lastHeartbeatTime?: string | undefined;
  /** The `metadata.generation` the condition was set for. */
  observedGeneration?: number | undefined;
  /** Fields not modelled here, kept as received. */
  [key: string]: unknown;
}

/**
 * Schema for {@link Condition}.
 *
 * @example
 * ```ts
 * import { ConditionSchema } from "kubeloop";
 * const r = ConditionSchema.safeParse({ type: "Ready", status: "False", reason: "Unhealthy" });
 * if (r.success) console.log(r.data.type, r.data.status);
 * ```
 */
export const ConditionSchema: z.ZodType<Condition> = z.looseObject({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  lastUpdateTime: z.string().optional(),
  lastProbeTime: z.string().nullable().optional(),
  lastHeartbeatTime: z.string().optional(),
  observedGeneration: z.number().optional(),
});

/**
 * A label selector requirement (`key`, `operator`, `values`).
 *
 * @example
 * ```ts
 * import type { LabelSelectorRequirement } from "kubeloop";
 * const req: LabelSelectorRequirement = { key: "tier", operator: "In", values: ["frontend", "cache"] };
 * ```
 */
export interface LabelSelectorRequirement {
  /** Label key the requirement applies to. */
  key: string;
  /** Operator: `In`, `NotIn`, `Exists` or `DoesNotExist`. */
  operator: string;
  /** Values for `In`/`NotIn`; must be empty for `Exists`/`DoesNotExist`. */
  values?: string[] | undefined;
}

/**
 * A structured label selector, as in a Deployment's `spec.selector`.
 *
 * @example
 * ```ts
 * import type { LabelSelector } from "kubeloop";
 * const selector: LabelSelector = {
 *   matchLabels: { app: "web" },
 *   matchExpressions: [{ key: "env", operator: "NotIn", values: ["dev"] }],
 * };
 * ```
 */
export interface LabelSelector {
  /** Labels that must all match exactly (ANDed with `matchExpressions`). */
  matchLabels?: Record<string, string> | undefined;
  /** Set-based requirements, all of which must match. */
  matchExpressions?: LabelSelectorRequirement[] | undefined;
  /** Fields not modelled here, kept as received. */
  [key: string]: unknown;
}

/**
 * Schema for {@link LabelSelector}.
 *
 * @example
 * ```ts
 * import { LabelSelectorSchema } from "kubeloop";
 * const r = LabelSelectorSchema.safeParse({ matchLabels: { app: "web" } });
 * if (r.success) console.log(r.data.matchLabels);
 * ```
 */
export const LabelSelectorSchema: z.ZodType<LabelSelector> = z.looseObject({
  matchLabels: StringMapSchema.optional(),
  matchExpressions: z
    .array(
      z.looseObject({
        key: z.string(),
        operator: z.string(),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

/**
 * A container. Only `name` and `image` are checked; the rest of the (large)
 * container spec is kept unvalidated so that validation stays cheap.
 *
 * @example
 * ```ts
 * import type { Container } from "kubeloop";
 * const web: Container = { name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }] };
 * ```
 */
export interface Container {
  /** Container name, unique within the pod (a DNS label). */
  name: string;
  /** Container image reference, e.g. `nginx:1.27`. */
  image?: string | undefined;
  /** Other container fields (command, env, resources, probes, ...), not validated. */
  [key: string]: unknown;
}

/**
 * Schema for {@link Container}.
 *
 * @example
 * ```ts
 * import { ContainerSchema } from "kubeloop";
 * const r = ContainerSchema.safeParse({ name: "web", image: "nginx:1.27" });
 * if (r.success) console.log(r.data.image);
 * ```
 */
export const ContainerSchema: z.ZodType<Container> = z.looseObject({
  name: z.string(),
  image: z.string().optional(),
});

/**
 * A pod spec: containers (name and image checked) and the commonly read scheduling fields.
 *
 * @example
 * ```ts
 * import type { PodSpec } from "kubeloop";
 * const spec: PodSpec = {
 *   containers: [{ name: "web", image: "nginx:1.27" }],
 *   restartPolicy: "Always",
 *   nodeSelector: { "kubernetes.io/os": "linux" },
 * };
 * ```
 */
export interface PodSpec {
  /** Containers of the pod; at least one. */
  containers: Container[];
  /** Init containers, run to completion in order before `containers` start. */
  initContainers?: Container[] | undefined;
  /** Ephemeral (debug) containers added to a running pod. */
  ephemeralContainers?: Container[] | undefined;
  /** Name of the node the pod is bound to; empty until scheduled. */
  nodeName?: string | undefined;
  /** Name of the ServiceAccount the pod runs as. */
  serviceAccountName?: string | undefined;
  /** Restart policy: `Always`, `OnFailure` or `Never`. */
  restartPolicy?: string | undefined;
  /** Node labels the pod's node must have to be scheduled there. */
  nodeSelector?: Record<string, string> | undefined;
  /** Whether the pod uses the host's network namespace. */
  hostNetwork?: boolean | undefined;
  /** Pod priority, resolved from its PriorityClass. */
  priority?: number | undefined;
  /** Scheduler that places the pod; `default-scheduler` when unset. */
  schedulerName?: string | undefined;
  /** Other pod spec fields (volumes, affinity, tolerations, ...), not validated. */
  [key: string]: unknown;
}

/**
 * Schema for {@link PodSpec}.
 *
 * @example
 * ```ts
 * import { PodSpecSchema } from "kubeloop";
 * const r = PodSpecSchema.safeParse({ containers: [{ name: "web", image: "nginx:1.27" }] });
 * if (!r.success) console.log(r.error.issues);
 * ```
 */
export const PodSpecSchema: z.ZodType<PodSpec> = z.looseObject({
  containers: z.array(ContainerSchema),
  initContainers: z.array(ContainerSchema).optional(),
  ephemeralContainers: z.array(ContainerSchema).optional(),
  nodeName: z.string().optional(),
  serviceAccountName: z.string().optional(),
  restartPolicy: z.string().optional(),
  nodeSelector: StringMapSchema.optional(),
  hostNetwork: z.boolean().optional(),
  priority: z.number().optional(),
  schedulerName: z.string().optional(),
});

/**
 * A pod template (in Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs).
 *
 * @example
 * ```ts
 * import type { PodTemplateSpec } from "kubeloop";
 * const template: PodTemplateSpec = {
 *   metadata: { labels: { app: "web" } },
 *   spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
 * };
 * ```
 */
export interface PodTemplateSpec {
  /** Metadata (labels, annotations) given to pods created from the template. */
  metadata?: ObjectMeta | undefined;
  /** Spec of pods created from the template. */
  spec?: PodSpec | undefined;
  /** Fields not modelled here, kept as received. */
  [key: string]: unknown;
}

/**
 * Schema for {@link PodTemplateSpec}.
 *
 * @example
 * ```ts
 * import { PodTemplateSpecSchema } from "kubeloop";
 * const r = PodTemplateSpecSchema.safeParse({
 *   metadata: { labels: { app: "web" } },
 *   spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
 * });
 * if (r.success) console.log(r.data.spec?.containers.length);
 * ```
 */
export const PodTemplateSpecSchema: z.ZodType<PodTemplateSpec> = z.looseObject({
  metadata: ObjectMetaSchema.optional(),
  spec: PodSpecSchema.optional(),
});

/**
 * A reference to an object (`kind`, `name`, `namespace`, ...), as in Events and EndpointSlices.
 *
 * @example
 * ```ts
 * import type { ObjectReference } from "kubeloop";
 * const ref: ObjectReference = { apiVersion: "v1", kind: "Pod", namespace: "default", name: "web-0" };
 * ```
 */
export interface ObjectReference {
  /** Kind of the referent, e.g. `Pod`. */
  kind?: string | undefined;
  /** Name of the referent. */
  name?: string | undefined;
  /** Namespace of the referent; empty for cluster-scoped objects. */
  namespace?: string | undefined;
  /** UID of the referent. */
  uid?: string | undefined;
  /** API version of the referent, e.g. `v1`. */
  apiVersion?: string | undefined;
  /** Resource version of the referent the reference was made from. */
  resourceVersion?: string | undefined;
  /** Path to a field within the referent, e.g. `spec.containers{web}`. */
  fieldPath?: string | undefined;
  /** Fields not modelled here, kept as received. */
  [key: string]: unknown;
}

/**
 * Schema for {@link ObjectReference}.
 *
 * @example
 * ```ts
 * import { ObjectReferenceSchema } from "kubeloop";
 * const r = ObjectReferenceSchema.safeParse({ kind: "Pod", namespace: "default", name: "web-0" });
 * if (r.success) console.log(r.data.kind, r.data.name);
 * ```
 */
export const ObjectReferenceSchema: z.ZodType<ObjectReference> = z.looseObject({
  kind: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
});

/** `apiVersion`, `kind` (optional: list items may lack them) and `metadata` (required). */
export const objectBase: {
  apiVersion: z.ZodOptional<z.ZodString>;
  kind: z.ZodOptional<z.ZodString>;
  metadata: z.ZodType<ObjectMeta>;
} = {
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
};
