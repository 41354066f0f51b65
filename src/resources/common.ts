/**
 * Small schemas shared by the built-in kinds (conditions, label selectors,
 * pod templates). Kept loose: only the fields controllers commonly read are
 * type-checked, everything else is kept as is.
 *
 * @module
 */
import { z } from "zod";
import { type ObjectMeta, ObjectMetaSchema, StringMapSchema } from "./meta.ts";

/** A status condition, as used by most kinds (`type`, `status`, reason, message, times). */
export interface Condition {
  type: string;
  status: string;
  reason?: string | undefined;
  message?: string | undefined;
  lastTransitionTime?: string | undefined;
  lastUpdateTime?: string | undefined;
  lastProbeTime?: string | null | undefined;
  lastHeartbeatTime?: string | undefined;
  observedGeneration?: number | undefined;
  [key: string]: unknown;
}

/** Schema for {@link Condition}. */
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

/** A label selector requirement (`key`, `operator`, `values`). */
export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[] | undefined;
}

/** A structured label selector, as in a Deployment's `spec.selector`. */
export interface LabelSelector {
  matchLabels?: Record<string, string> | undefined;
  matchExpressions?: LabelSelectorRequirement[] | undefined;
  [key: string]: unknown;
}

/** Schema for {@link LabelSelector}. */
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
 */
export interface Container {
  name: string;
  image?: string | undefined;
  [key: string]: unknown;
}

/** Schema for {@link Container}. */
export const ContainerSchema: z.ZodType<Container> = z.looseObject({
  name: z.string(),
  image: z.string().optional(),
});

/** A pod spec: containers (name and image checked) and the commonly read scheduling fields. */
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[] | undefined;
  ephemeralContainers?: Container[] | undefined;
  nodeName?: string | undefined;
  serviceAccountName?: string | undefined;
  restartPolicy?: string | undefined;
  nodeSelector?: Record<string, string> | undefined;
  hostNetwork?: boolean | undefined;
  priority?: number | undefined;
  schedulerName?: string | undefined;
  [key: string]: unknown;
}

/** Schema for {@link PodSpec}. */
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

/** A pod template (in Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs). */
export interface PodTemplateSpec {
  metadata?: ObjectMeta | undefined;
  spec?: PodSpec | undefined;
  [key: string]: unknown;
}

/** Schema for {@link PodTemplateSpec}. */
export const PodTemplateSpecSchema: z.ZodType<PodTemplateSpec> = z.looseObject({
  metadata: ObjectMetaSchema.optional(),
  spec: PodSpecSchema.optional(),
});

/** A reference to an object (`kind`, `name`, `namespace`, ...), as in Events and EndpointSlices. */
export interface ObjectReference {
  kind?: string | undefined;
  name?: string | undefined;
  namespace?: string | undefined;
  uid?: string | undefined;
  apiVersion?: string | undefined;
  resourceVersion?: string | undefined;
  fieldPath?: string | undefined;
  [key: string]: unknown;
}

/** Schema for {@link ObjectReference}. */
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
